/**
 * Neighbour computation for the nightly job, on typed arrays. Runtime-neutral (no Node APIs).
 *
 * Why here and not in SQL: on MovieLens-1M scale (1M ratings) the pairwise self-joins produce hundreds of millions
 * of intermediate rows (about 4e8 user pairs through shared films for user-user, a similar count of film pairs
 * through shared users for item-item), which a SQL join must materialise and aggregate; in PostgreSQL that took
 * minutes. Sparse accumulation over compressed rows does the same arithmetic in seconds with no intermediate rows.
 * Serving stays in SQL: the job only writes each user's and each film's top-k neighbours.
 *
 * Definitions (also in the table comments):
 * - Users: Pearson correlation over the films both rated (the seeds' definition); kept when at least
 *   `minCommon` (3) films are shared and the correlation is above `minCorrelation` (0.3). Neighbours are ranked
 *   and weighted by correlation * min(common, 50) / 50 (Herlocker's significance weighting), so that a perfect
 *   correlation over 3 films does not outrank 0.8 over 200. Pearson is undefined for a user whose ratings are all
 *   equal (only 5★, say): such a user is compared by agreement instead, 1 - mean |stars difference| / 4.5 over the
 *   common films (1 = the neighbour rated them the same), with the same thresholds and weighting.
 * - Films: cosine similarity of the films' user vectors, where a user's value for a film is 1 when they rated it
 *   (a rating, whatever its stars, says they watched it: the strongest predictor of what else they will watch)
 *   plus half the weight of each positive interaction (like +1, superlike +1.5, watchlist +0.5, seen +0.25).
 *   Shrunk by support / (support + shrinkage) (default 10): a similarity resting on 2 shared users is mostly noise.
 */

export interface RatingTriples {
  /** Dense user index per rating (0..users-1). */
  user: Int32Array;
  /** Dense film index per rating (0..films-1). */
  film: Int32Array;
  /** Stars. */
  rating: Float32Array;
  users: number;
  films: number;
}

export interface ImplicitTriples {
  user: Int32Array;
  film: Int32Array;
  /** Positive interaction weight (sum over distinct types). */
  weight: Float32Array;
}

export interface NeighbourList {
  /** For row r: neighbours at offsets[r]..offsets[r+1]-1, best first. */
  offsets: Int32Array;
  neighbour: Int32Array;
  similarity: Float32Array;
  /** Raw correlation (users) or raw cosine (films). */
  raw: Float32Array;
  /** Common films (users) or common users (films). */
  support: Int32Array;
}

interface Csr {
  offsets: Int32Array;
  index: Int32Array;
  value: Float32Array;
}

/** Compressed rows: for each row, its (column, value) entries. */
function compress(rows: number, row: Int32Array, col: Int32Array, value: Float32Array): Csr {
  const offsets = new Int32Array(rows + 1);
  for (let k = 0; k < row.length; k++) offsets[row[k] + 1]++;
  for (let r = 0; r < rows; r++) offsets[r + 1] += offsets[r];
  const cursor = offsets.slice(0, rows);
  const index = new Int32Array(row.length);
  const out = new Float32Array(row.length);
  for (let k = 0; k < row.length; k++) {
    const at = cursor[row[k]]++;
    index[at] = col[k];
    out[at] = value[k];
  }
  return { offsets, index, value: out };
}

/** Keeps the best k of the candidates (by score desc, then index asc), with a bounded min-heap: O(n log k). */
function topK(candidates: number[], score: Float64Array, k: number): number[] {
  // worse(a, b): a ranks below b.
  const worse = (a: number, b: number) => score[a] < score[b] || (score[a] === score[b] && a > b);
  const heap: number[] = [];
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l], heap[m])) m = l;
      if (r < heap.length && worse(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (const c of candidates) {
    if (heap.length < k) {
      heap.push(c);
      for (let i = heap.length - 1; i > 0; ) {
        const p = (i - 1) >> 1;
        if (!worse(heap[i], heap[p])) break;
        [heap[i], heap[p]] = [heap[p], heap[i]];
        i = p;
      }
    } else if (worse(heap[0], c)) {
      heap[0] = c;
      down(0);
    }
  }
  return heap.sort((a, b) => score[b] - score[a] || a - b);
}

class ListBuilder {
  private offsets: number[] = [0];
  private neighbour: number[] = [];
  private similarity: number[] = [];
  private raw: number[] = [];
  private support: number[] = [];
  push(n: number, s: number, r: number, c: number) {
    this.neighbour.push(n);
    this.similarity.push(s);
    this.raw.push(r);
    this.support.push(c);
  }
  endRow() {
    this.offsets.push(this.neighbour.length);
  }
  build(): NeighbourList {
    return {
      offsets: Int32Array.from(this.offsets),
      neighbour: Int32Array.from(this.neighbour),
      similarity: Float32Array.from(this.similarity),
      raw: Float32Array.from(this.raw),
      support: Int32Array.from(this.support),
    };
  }
}

export interface UserNeighbourOptions {
  k?: number;
  minCommon?: number;
  minCorrelation?: number;
  /** Common films at which significance weighting stops discounting. */
  fullWeightAt?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Each user's top-k Pearson neighbours (see the file comment for the definition). */
export function userNeighbours(data: RatingTriples, options: UserNeighbourOptions = {}): NeighbourList {
  const k = options.k ?? 50;
  const minCommon = options.minCommon ?? 3;
  const minCorrelation = options.minCorrelation ?? 0.3;
  const fullWeightAt = options.fullWeightAt ?? 50;
  const byUser = compress(data.users, data.user, data.film, data.rating);
  const byFilm = compress(data.films, data.film, data.user, data.rating);
  const n = new Int32Array(data.users);
  const sx = new Float64Array(data.users);
  const sy = new Float64Array(data.users);
  const sxx = new Float64Array(data.users);
  const syy = new Float64Array(data.users);
  const sxy = new Float64Array(data.users);
  const sad = new Float64Array(data.users);
  const score = new Float64Array(data.users);
  const correlation = new Float64Array(data.users);
  const out = new ListBuilder();
  const touched: number[] = [];

  for (let u = 0; u < data.users; u++) {
    touched.length = 0;
    let flat = true;
    for (let a = byUser.offsets[u] + 1; a < byUser.offsets[u + 1]; a++) {
      if (byUser.value[a] !== byUser.value[byUser.offsets[u]]) flat = false;
    }
    for (let a = byUser.offsets[u]; a < byUser.offsets[u + 1]; a++) {
      const film = byUser.index[a];
      const x = byUser.value[a];
      for (let b = byFilm.offsets[film]; b < byFilm.offsets[film + 1]; b++) {
        const v = byFilm.index[b];
        if (v === u) continue;
        const y = byFilm.value[b];
        if (n[v] === 0) touched.push(v);
        n[v]++;
        sx[v] += x;
        sy[v] += y;
        sxx[v] += x * x;
        syy[v] += y * y;
        sxy[v] += x * y;
        sad[v] += Math.abs(x - y);
      }
    }
    const kept: number[] = [];
    for (const v of touched) {
      const c = n[v];
      if (c >= minCommon && flat) {
        const r = 1 - sad[v] / c / 4.5;
        if (r > minCorrelation) {
          correlation[v] = r;
          score[v] = (r * Math.min(c, fullWeightAt)) / fullWeightAt;
          kept.push(v);
        }
      } else if (c >= minCommon) {
        const cov = sxy[v] - (sx[v] * sy[v]) / c;
        const vx = sxx[v] - (sx[v] * sx[v]) / c;
        const vy = syy[v] - (sy[v] * sy[v]) / c;
        if (vx > 1e-9 && vy > 1e-9) {
          const r = cov / Math.sqrt(vx * vy);
          if (r > minCorrelation) {
            correlation[v] = r;
            score[v] = (r * Math.min(c, fullWeightAt)) / fullWeightAt;
            kept.push(v);
          }
        }
      }
    }
    for (const v of topK(kept, score, k)) out.push(v, score[v], correlation[v], n[v]);
    out.endRow();
    for (const v of touched) {
      n[v] = 0;
      sx[v] = 0;
      sy[v] = 0;
      sxx[v] = 0;
      syy[v] = 0;
      sxy[v] = 0;
      sad[v] = 0;
    }
    if (options.onProgress && (u % 64 === 0 || u === data.users - 1)) options.onProgress(u + 1, data.users);
  }
  return out.build();
}

export interface FilmNeighbourOptions {
  k?: number;
  shrinkage?: number;
  /** Minimum users in common for a pair to count. */
  minSupport?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Each film's top-k neighbours by shrunk cosine over implicit user vectors (see the file comment). */
export function filmNeighbours(
  data: RatingTriples,
  implicit: ImplicitTriples | undefined,
  options: FilmNeighbourOptions = {},
): NeighbourList {
  const k = options.k ?? 50;
  const shrinkage = options.shrinkage ?? 10;
  const minSupport = options.minSupport ?? 2;
  // One value per (user, film): 1 for a rating plus half the positive interaction weight.
  const value = new Map<number, number>();
  const key = (u: number, f: number) => u * data.films + f;
  for (let r = 0; r < data.user.length; r++) value.set(key(data.user[r], data.film[r]), 1);
  if (implicit) {
    for (let r = 0; r < implicit.user.length; r++) {
      if (implicit.weight[r] <= 0) continue;
      const at = key(implicit.user[r], implicit.film[r]);
      value.set(at, (value.get(at) ?? 0) + implicit.weight[r] / 2);
    }
  }
  const size = value.size;
  const user = new Int32Array(size);
  const film = new Int32Array(size);
  const x = new Float32Array(size);
  let at = 0;
  for (const [packed, v] of value) {
    user[at] = Math.floor(packed / data.films);
    film[at] = packed % data.films;
    x[at] = v;
    at++;
  }
  const byUser = compress(data.users, user, film, x);
  const byFilm = compress(data.films, film, user, x);
  const norm = new Float64Array(data.films);
  for (let f = 0; f < data.films; f++) {
    let s = 0;
    for (let a = byFilm.offsets[f]; a < byFilm.offsets[f + 1]; a++) s += byFilm.value[a] * byFilm.value[a];
    norm[f] = Math.sqrt(s);
  }
  const dot = new Float64Array(data.films);
  const support = new Int32Array(data.films);
  const score = new Float64Array(data.films);
  const cosine = new Float64Array(data.films);
  const out = new ListBuilder();
  const touched: number[] = [];

  for (let f = 0; f < data.films; f++) {
    touched.length = 0;
    for (let a = byFilm.offsets[f]; a < byFilm.offsets[f + 1]; a++) {
      const u = byFilm.index[a];
      const xu = byFilm.value[a];
      for (let b = byUser.offsets[u]; b < byUser.offsets[u + 1]; b++) {
        const g = byUser.index[b];
        if (g === f) continue;
        if (support[g] === 0) touched.push(g);
        support[g]++;
        dot[g] += xu * byUser.value[b];
      }
    }
    const kept: number[] = [];
    for (const g of touched) {
      if (support[g] >= minSupport && norm[f] > 0 && norm[g] > 0) {
        const c = dot[g] / (norm[f] * norm[g]);
        cosine[g] = c;
        score[g] = (c * support[g]) / (support[g] + shrinkage);
        kept.push(g);
      }
    }
    for (const g of topK(kept, score, k)) out.push(g, score[g], cosine[g], support[g]);
    out.endRow();
    for (const g of touched) {
      support[g] = 0;
      dot[g] = 0;
    }
    if (options.onProgress && (f % 64 === 0 || f === data.films - 1)) options.onProgress(f + 1, data.films);
  }
  return out.build();
}

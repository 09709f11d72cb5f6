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
 *
 * Cost. Exact user-user accumulation visits every pair of raters of every film: the sum over films of raters^2,
 * 7.9e8 at ML-1M (about 9 s here) but 6.5e10 at ML-10M (extrapolated 12 to 29 minutes), because popular films'
 * rater counts grow with the data. userNeighbours runs it exactly while that sum is at most `exactVisits` (2e9);
 * above, in two bounded passes (userNeighboursBounded): a candidate pass where each film contributes at most
 * `coRaters` (512) co-raters, chosen deterministically (by default its most active raters), which ranks candidates
 * by the definition's score on the sampled films; then exact Pearson, over all common films, on each user's best
 * `candidates` (250), by scanning the lighter user's ratings against the heavier's. Time: at most
 * ratings x coRaters (+ users x userVisits, 0 by default) visits for the first pass and ratings x candidates list
 * steps for the second, whatever the films' popularity; memory: a few numbers per pair, users x candidates pairs
 * (ML-10M-shaped bench data: 257 s in the nightly job, against an extrapolated half hour exactly). What the bound
 * gives up is recall, a neighbour whose sampled score ranks it outside the candidates (on that data, for 300
 * sampled users: 27% of the exact top 50 found, mean weighted similarity 0.417 against 0.497); every neighbour
 * kept has its exact correlation, common films and weight.
 * Films: the sum over users of (films rated)^2, which grows with users' activity rather than films' popularity
 * (4.3e8 at ML-1M, 3.9e9 at ML-10M): exact at both.
 */

import { bestK } from "./top-k";

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

/** Keeps the best k of the candidates (by score desc, then index asc): bestK's bounded heap, O(n log k). */
function topK(candidates: number[], score: Float64Array, k: number): number[] {
  return bestK(candidates, k, (a, b) => score[a] < score[b] || (score[a] === score[b] && a > b));
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
  /**
   * The candidate pass: each film contributes at most this many co-raters to a user's candidates (default 512);
   * which ones, when the film has more, says `choose`.
   */
  coRaters?: number;
  /**
   * A user with few ratings may visit more co-raters per film, up to this many in all (default 0: no more), so
   * that their sampled common films are enough to rank candidates by.
   */
  userVisits?: number;
  /**
   * Which co-raters a film contributes when it has more than the window (default "heaviest"): "heaviest", its
   * raters with the most ratings (significance weighting favours them: only they share fullWeightAt films with
   * many users), or "shuffled", a window around the user in a fixed pseudo-random order of the film's raters. On
   * the ML-10M-shaped bench data (300 sampled users against their exact lists, coRaters 512, candidates 250) the
   * heaviest kept 27% of the exact neighbours and 84% of their mean weighted similarity; shuffled (with
   * userVisits 16,384) 9% and 69%.
   */
  choose?: "heaviest" | "shuffled";
  /**
   * Candidates per user given exact Pearson (default 250): the best by the definition's score on the sampled
   * films, with the common films estimated.
   */
  candidates?: number;
  /**
   * Co-rater visits the exact computation may take (sum over films of raters x (raters - 1)); at or under it the
   * exact computation runs (default 2e9, about 20 s on this machine: ML-1M's 7.9e8 runs exactly, ML-10M's 6.5e10
   * does not).
   */
  exactVisits?: number;
  onProgress?: (done: number, total: number) => void;
}

interface UserSettings {
  k: number;
  minCommon: number;
  minCorrelation: number;
  fullWeightAt: number;
}

function userSettings(options: UserNeighbourOptions): UserSettings {
  return {
    k: options.k ?? 50,
    minCommon: options.minCommon ?? 3,
    minCorrelation: options.minCorrelation ?? 0.3,
    fullWeightAt: options.fullWeightAt ?? 50,
  };
}

/** Whether every one of a row's values is the same (a flat rater: Pearson is undefined, agreement is used). */
function flatRow(csr: Csr, u: number): boolean {
  for (let a = csr.offsets[u] + 1; a < csr.offsets[u + 1]; a++) {
    if (csr.value[a] !== csr.value[csr.offsets[u]]) return false;
  }
  return true;
}

/**
 * The similarity of a pair from its sufficient statistics over the c common films, or NaN when the pair is not
 * kept (fewer than minCommon films, correlation at or below minCorrelation, or no variance).
 */
function pairCorrelation(
  s: UserSettings,
  flat: boolean,
  c: number,
  sx: number,
  sy: number,
  sxx: number,
  syy: number,
  sxy: number,
  sad: number,
): number {
  if (c < s.minCommon) return Number.NaN;
  if (flat) {
    const r = 1 - sad / c / 4.5;
    return r > s.minCorrelation ? r : Number.NaN;
  }
  const cov = sxy - (sx * sy) / c;
  const vx = sxx - (sx * sx) / c;
  const vy = syy - (sy * sy) / c;
  if (!(vx > 1e-9 && vy > 1e-9)) return Number.NaN;
  const r = cov / Math.sqrt(vx * vy);
  return r > s.minCorrelation ? r : Number.NaN;
}

/**
 * Each user's top-k Pearson neighbours, exactly: every pair of users sharing a film is accumulated. Time is the sum
 * over films of (raters)^2 (4e8 at ML-1M, about 4e10 at ML-10M: half an hour), so the nightly job uses
 * userNeighbours; this is its reference (tests compare the two).
 */
export function userNeighboursExact(data: RatingTriples, options: UserNeighbourOptions = {}): NeighbourList {
  const s = userSettings(options);
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
    const flat = flatRow(byUser, u);
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
      const r = pairCorrelation(s, flat, n[v], sx[v], sy[v], sxx[v], syy[v], sxy[v], sad[v]);
      if (!Number.isNaN(r)) {
        correlation[v] = r;
        score[v] = (r * Math.min(n[v], s.fullWeightAt)) / s.fullWeightAt;
        kept.push(v);
      }
    }
    for (const v of topK(kept, score, s.k)) out.push(v, score[v], correlation[v], n[v]);
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

/** A deterministic pseudo-random permutation of each film's raters (Fisher-Yates, seeded by the film). */
function shuffleRaters(byFilm: Csr, films: number) {
  for (let f = 0; f < films; f++) {
    const lo = byFilm.offsets[f];
    let state = (Math.imul(f + 1, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
    for (let i = byFilm.offsets[f + 1] - 1; i > lo; i--) {
      // xorshift32
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      const j = lo + (state % (i - lo + 1));
      const t = byFilm.index[i];
      byFilm.index[i] = byFilm.index[j];
      byFilm.index[j] = t;
      const w = byFilm.value[i];
      byFilm.value[i] = byFilm.value[j];
      byFilm.value[j] = w;
    }
  }
}

/**
 * Each user's top-k Pearson neighbours (the definition in the file comment): exactly while the exact pass's work
 * (exactVisitsOf) is within `exactVisits`, else with bounded work (userNeighboursBounded).
 */
export function userNeighbours(data: RatingTriples, options: UserNeighbourOptions = {}): NeighbourList {
  if (exactVisitsOf(data) <= (options.exactVisits ?? 2e9)) return userNeighboursExact(data, options);
  return userNeighboursBounded(data, options);
}

/** What userNeighboursExact would visit: the sum over films of raters x (raters - 1). */
export function exactVisitsOf(data: RatingTriples): number {
  const raters = new Int32Array(data.films);
  for (let k = 0; k < data.film.length; k++) raters[data.film[k]]++;
  let visits = 0;
  for (let f = 0; f < data.films; f++) visits += raters[f] * (raters[f] - 1);
  return visits;
}

/**
 * Each user's top-k Pearson neighbours with bounded work, in two passes:
 * 1. Candidates: for each film a user rated, up to w = max(coRaters, userVisits / the user's ratings) of its other
 *    raters: all of them when the film has no more, else (choose "heaviest") its w raters with the most ratings,
 *    or ("shuffled") the w around the user in a fixed pseudo-random order of the film's raters, seeded by the film.
 *    Over those sampled common films the pair's Pearson (or agreement) sums are accumulated; the common films are
 *    the sampled count (heaviest) or each sampled film weighted (raters - 1) / w (shuffled: an unbiased
 *    estimate). A pair the definition would keep on the sampled films is ranked by its correlation x
 *    min(common, fullWeightAt) / fullWeightAt; the best `candidates` go on (ties to the lower index).
 * 2. Exact Pearson on those pairs, over every common film: pairs are grouped by the user with more ratings, whose
 *    stars are held in a dense array by film while the other user's list is scanned against it, so a pair costs
 *    the shorter of the two lists: at most ratings x candidates in all.
 * Where no film has more raters than the window + 1, pass 1's ranking is the exact score, so the result equals
 * userNeighboursExact's for any candidates >= k (every sum is of multiples of 0.25, exact in a double, so the order
 * of accumulation does not matter).
 */
export function userNeighboursBounded(data: RatingTriples, options: UserNeighbourOptions = {}): NeighbourList {
  const s = userSettings(options);
  const coRaters = Math.max(1, options.coRaters ?? 512);
  const userVisits = Math.max(0, options.userVisits ?? 0);
  const depth = Math.max(s.k, options.candidates ?? 250);
  const byFilm = compress(data.films, data.film, data.user, data.rating);
  const heaviest = (options.choose ?? "heaviest") === "heaviest";
  if (heaviest) {
    // Each film's raters by their number of ratings, most first (ties to the lower index).
    const count = new Int32Array(data.users);
    for (let k = 0; k < data.user.length; k++) count[data.user[k]]++;
    const byActivity = Array.from({ length: data.users }, (_, u) => u).sort((p, q) => count[q] - count[p] || p - q);
    const rankOf = new Int32Array(data.users);
    for (const [r, u] of byActivity.entries()) rankOf[u] = r;
    for (let f = 0; f < data.films; f++) {
      const lo = byFilm.offsets[f];
      const hi = byFilm.offsets[f + 1];
      const order = Array.from({ length: hi - lo }, (_, i) => lo + i).sort(
        (p, q) => rankOf[byFilm.index[p]] - rankOf[byFilm.index[q]],
      );
      const index = order.map((b) => byFilm.index[b]);
      const value = order.map((b) => byFilm.value[b]);
      byFilm.index.set(index, lo);
      byFilm.value.set(value, lo);
    }
  } else {
    shuffleRaters(byFilm, data.films);
  }
  // Each user's ratings, films ascending, and where each sits in its film's shuffled rater list.
  const byUser: Csr = {
    offsets: new Int32Array(data.users + 1),
    index: new Int32Array(byFilm.index.length),
    value: new Float32Array(byFilm.index.length),
  };
  const slot = new Int32Array(byFilm.index.length);
  for (let b = 0; b < byFilm.index.length; b++) byUser.offsets[byFilm.index[b] + 1]++;
  for (let u = 0; u < data.users; u++) byUser.offsets[u + 1] += byUser.offsets[u];
  const fill = byUser.offsets.slice(0, data.users);
  for (let f = 0; f < data.films; f++) {
    for (let b = byFilm.offsets[f]; b < byFilm.offsets[f + 1]; b++) {
      const at = fill[byFilm.index[b]]++;
      byUser.index[at] = f;
      byUser.value[at] = byFilm.value[b];
      slot[at] = b;
    }
  }
  // Pass 1 accumulators over the sampled common films, interleaved so one visit touches one or two cache lines:
  // per user v, at 8v: count, estimated common films, then the sums of x, y, x^2, y^2, xy and |x - y|.
  const acc = new Float64Array(data.users * 8);
  const rank = new Float64Array(data.users);
  const mine = new Float32Array(data.films).fill(Number.NaN);
  const touched: number[] = [];
  const flatUser = new Uint8Array(data.users);
  for (let u = 0; u < data.users; u++) flatUser[u] = flatRow(byUser, u) ? 1 : 0;
  // Each user's candidates, ascending, at pairOffsets[u]..pairOffsets[u + 1] - 1.
  const pairOffsets = new Int32Array(data.users + 1);
  const pairOther = new Int32Array(data.users * depth);
  let pairs = 0;
  const index = byFilm.index;
  const value = byFilm.value;
  /** Adds the raters at b..end-1 of one film, except the one at `skip`. */
  const visit = (b: number, end: number, skip: number, weight: number, x: number) => {
    const xx = x * x;
    for (; b < end; b++) {
      if (b === skip) continue;
      const v = index[b];
      const y = value[b];
      const at = v << 3;
      if (acc[at] === 0) touched.push(v);
      acc[at] += 1;
      acc[at + 1] += weight;
      acc[at + 2] += x;
      acc[at + 3] += y;
      acc[at + 4] += xx;
      acc[at + 5] += y * y;
      acc[at + 6] += x * y;
      acc[at + 7] += Math.abs(x - y);
    }
  };

  for (let u = 0; u < data.users; u++) {
    touched.length = 0;
    const from = byUser.offsets[u];
    const to = byUser.offsets[u + 1];
    const flat = flatUser[u] === 1;
    // Co-raters per film for this user: coRaters, or more for a user with few ratings, up to userVisits in all.
    const window = Math.max(coRaters, Math.floor(userVisits / Math.max(1, to - from)));
    const half = window >> 1;
    for (let a = from; a < to; a++) {
      const x = byUser.value[a];
      const film = byUser.index[a];
      const lo = byFilm.offsets[film];
      const hi = byFilm.offsets[film + 1];
      const others = hi - lo - 1;
      if (others <= window) {
        visit(lo, hi, slot[a], 1, x);
      } else if (heaviest) {
        // The film's `window` most active other raters.
        visit(lo, slot[a] <= lo + window ? lo + window + 1 : lo + window, slot[a], 1, x);
      } else {
        // The `window` raters around this one in the film's shuffled order, half before and half after, wrapping.
        const weight = others / window;
        const start = slot[a] - half;
        const end = slot[a] + (window - half) + 1;
        if (start < lo) {
          visit(start + (hi - lo), hi, -1, weight, x);
          visit(lo, end, slot[a], weight, x);
        } else if (end > hi) {
          visit(start, hi, slot[a], weight, x);
          visit(lo, end - (hi - lo), -1, weight, x);
        } else {
          visit(start, end, slot[a], weight, x);
        }
      }
    }
    // Candidates: the pairs the definition keeps on the sampled films, ranked by their weighted correlation with the
    // estimated common films; with no film over the bound, these are the exact pairs and scores.
    const pool: number[] = [];
    for (const v of touched) {
      const at = v << 3;
      const r = pairCorrelation(
        s,
        flat,
        acc[at],
        acc[at + 2],
        acc[at + 3],
        acc[at + 4],
        acc[at + 5],
        acc[at + 6],
        acc[at + 7],
      );
      if (!Number.isNaN(r)) {
        rank[v] = (r * Math.min(acc[at + 1], s.fullWeightAt)) / s.fullWeightAt;
        pool.push(v);
      }
      acc.fill(0, at, at + 8);
    }
    const candidates = pool.length > depth ? topK(pool, rank, depth) : pool;
    // Ascending, so that pair order within a user is neighbour order (topK's tie-break below).
    candidates.sort((p, q) => p - q);
    for (const v of candidates) pairOther[pairs++] = v;
    pairOffsets[u + 1] = pairs;
    if (options.onProgress && u % 64 === 0) options.onProgress(u + 1, 2 * data.users);
  }

  // Pass 2: each pair's exact sums over every common film. Pairs are grouped by their user with more ratings, held
  // in a dense array while the other user's list is scanned against it: a pair costs the shorter of the two lists.
  const ratingsOf = (u: number) => byUser.offsets[u + 1] - byUser.offsets[u];
  const pairOwner = new Int32Array(pairs);
  for (let u = 0; u < data.users; u++) pairOwner.fill(u, pairOffsets[u], pairOffsets[u + 1]);
  const heavier = new Int32Array(pairs);
  for (let p = 0; p < pairs; p++) {
    const u = pairOwner[p];
    const v = pairOther[p];
    heavier[p] = ratingsOf(v) > ratingsOf(u) ? v : u;
  }
  const identity = new Int32Array(pairs);
  for (let p = 0; p < pairs; p++) identity[p] = p;
  const byHeavier = sortBy(identity, heavier, data.users);
  const pairCorr = new Float64Array(pairs).fill(Number.NaN);
  const pairCommon = new Int32Array(pairs);
  const pairScore = new Float64Array(pairs);
  let q = 0;
  for (let w = 0; w < data.users; w++) {
    if (q < pairs && heavier[byHeavier[q]] === w) {
      const from = byUser.offsets[w];
      const to = byUser.offsets[w + 1];
      for (let a = from; a < to; a++) mine[byUser.index[a]] = byUser.value[a];
      for (; q < pairs && heavier[byHeavier[q]] === w; q++) {
        const p = byHeavier[q];
        const owner = pairOwner[p];
        const light = owner === w ? pairOther[p] : owner;
        // h: the heavier user's stars, l: the lighter's.
        let c = 0;
        let sl = 0;
        let sh = 0;
        let sll = 0;
        let shh = 0;
        let slh = 0;
        let sad = 0;
        for (let b = byUser.offsets[light]; b < byUser.offsets[light + 1]; b++) {
          const h = mine[byUser.index[b]];
          if (Number.isNaN(h)) continue;
          const l = byUser.value[b];
          c++;
          sl += l;
          sh += h;
          sll += l * l;
          shh += h * h;
          slh += l * h;
          sad += Math.abs(l - h);
        }
        const r =
          owner === w
            ? pairCorrelation(s, flatUser[owner] === 1, c, sh, sl, shh, sll, slh, sad)
            : pairCorrelation(s, flatUser[owner] === 1, c, sl, sh, sll, shh, slh, sad);
        if (!Number.isNaN(r)) {
          pairCorr[p] = r;
          pairCommon[p] = c;
          pairScore[p] = (r * Math.min(c, s.fullWeightAt)) / s.fullWeightAt;
        }
      }
      for (let a = from; a < to; a++) mine[byUser.index[a]] = Number.NaN;
    }
    if (options.onProgress && w % 64 === 0) options.onProgress(data.users + w + 1, 2 * data.users);
  }
  const out = new ListBuilder();
  const kept: number[] = [];
  for (let u = 0; u < data.users; u++) {
    kept.length = 0;
    for (let p = pairOffsets[u]; p < pairOffsets[u + 1]; p++) if (!Number.isNaN(pairCorr[p])) kept.push(p);
    for (const p of topK(kept, pairScore, s.k)) out.push(pairOther[p], pairScore[p], pairCorr[p], pairCommon[p]);
    out.endRow();
  }
  options.onProgress?.(2 * data.users, 2 * data.users);
  return out.build();
}

/** A stable counting sort of the entries `order` by key[entry] in 0..keys-1: the permuted entry list. */
function sortBy(order: Int32Array, key: Int32Array, keys: number): Int32Array {
  const start = new Int32Array(keys + 1);
  for (let i = 0; i < order.length; i++) start[key[order[i]] + 1]++;
  for (let k = 0; k < keys; k++) start[k + 1] += start[k];
  const out = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) out[start[key[order[i]]]++] = order[i];
  return out;
}

/**
 * One value per (user, film), sorted by user then film: 1 for a rating plus half of each positive interaction
 * weight. Two stable counting sorts (by film, then by user) over typed arrays, then a merge of equal pairs: no
 * Map keyed by pair (a V8 Map holds at most 2^24 entries, fewer than ML-10M's ratings) and linear time.
 */
function userFilmValues(
  data: RatingTriples,
  implicit: ImplicitTriples | undefined,
): { user: Int32Array; film: Int32Array; x: Float32Array } {
  const rated = data.user.length;
  let positive = 0;
  if (implicit) for (let r = 0; r < implicit.user.length; r++) if (implicit.weight[r] > 0) positive++;
  const entries = rated + positive;
  const eUser = new Int32Array(entries);
  const eFilm = new Int32Array(entries);
  // Half the interaction weight, or -1 for a rating (which sets the value to 1; ratings come first).
  const eHalf = new Float64Array(entries);
  eUser.set(data.user);
  eFilm.set(data.film);
  eHalf.fill(-1, 0, rated);
  if (implicit) {
    let at = rated;
    for (let r = 0; r < implicit.user.length; r++) {
      if (implicit.weight[r] <= 0) continue;
      eUser[at] = implicit.user[r];
      eFilm[at] = implicit.film[r];
      eHalf[at] = implicit.weight[r] / 2;
      at++;
    }
  }
  const identity = new Int32Array(entries);
  for (let i = 0; i < entries; i++) identity[i] = i;
  const order = sortBy(sortBy(identity, eFilm, data.films), eUser, data.users);
  let size = 0;
  for (let i = 0; i < entries; i++) {
    const e = order[i];
    const p = i > 0 ? order[i - 1] : -1;
    if (p < 0 || eUser[p] !== eUser[e] || eFilm[p] !== eFilm[e]) size++;
  }
  const user = new Int32Array(size);
  const film = new Int32Array(size);
  const x = new Float32Array(size);
  let at = -1;
  let value = 0;
  for (let i = 0; i < entries; i++) {
    const e = order[i];
    const p = i > 0 ? order[i - 1] : -1;
    if (p < 0 || eUser[p] !== eUser[e] || eFilm[p] !== eFilm[e]) {
      if (at >= 0) x[at] = value;
      at++;
      user[at] = eUser[e];
      film[at] = eFilm[e];
      value = 0;
    }
    value = eHalf[e] < 0 ? 1 : value + eHalf[e];
  }
  if (at >= 0) x[at] = value;
  return { user, film, x };
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
  const { user, film, x } = userFilmValues(data, implicit);
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

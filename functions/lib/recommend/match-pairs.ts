/**
 * Taste-matching candidates for the nightly job (user_match_candidates), on typed arrays. Runtime-neutral.
 *
 * The measure is the one supabase/schemas/09_matching.sql defines: each signal a value in -1..1 (in quarters here,
 * -4..4, so every sum is exact), over the n films two users both have a signal on with d = sum |value_a - value_b|,
 * similarity (n - d/2 + k/2) / (n + k). A pair is matched at n >= minOverlap and similarity >= threshold, near when
 * not matched but one more film of perfect agreement would match it (n + 1 >= minOverlap and
 * similarity(n + 1, d) >= threshold): only a near pair can become matched when the user likes one film.
 *
 * What is kept per user: the `depth` best matched users (by similarity) and the `depth` best near users (by
 * similarity(n + 1, d), how close one film would bring them), each with n, agreed films and d, whatever the other
 * user's opt-in (read live at serving). Ties are broken by the other user's id as text, as the SQL does.
 *
 * Cost: for each user, one pass over the raters of each film they have a signal on, so time is the sum over films
 * of (raters of the film)^2, the same pair accumulation as the user neighbours (7.9e8 rater visits on the
 * ML-1M-shaped bench data), then a sort of each user's candidates; memory is a few counters per user (reset
 * through the list of those touched), the inverted index (one entry per signal) and the output, at most 2 * depth pairs per
 * user. At most 65,535 signals per user and 32,767 agreed films per pair (the packed counter).
 */

/** Every user's signal values: user r's films at offsets[r]..offsets[r+1]-1, in quarters (-4..4). */
export interface MatchSignals {
  offsets: Int32Array;
  film: Int32Array;
  quarters: Int8Array;
  films: number;
}

export interface MatchSettings {
  threshold: number;
  minOverlap: number;
  shrinkage: number;
  /** Matched users kept per user, and as many near users. */
  depth: number;
}

export interface MatchCandidates {
  /** For user r: pairs at offsets[r]..offsets[r+1]-1, matched ones first (best first), then near ones. */
  offsets: Int32Array;
  other: Int32Array;
  shared: Int32Array;
  agreed: Int32Array;
  /** d, the summed value difference (not in quarters). */
  diffSum: Float32Array;
  /** For user r: how many of its pairs (the first ones) are matched. */
  matched: Int32Array;
}

/**
 * The similarity as PostgreSQL's match_similarity returns it (real, float4). Quarters keep n - d/2 + k/2 and n + k
 * exact, so the float4 rounding of the quotient is the only one, the same on both sides.
 */
export function matchSimilarity(shared: number, diffSum: number, shrinkage: number): number {
  const den = shared + shrinkage;
  return den === 0 ? Number.NaN : Math.fround((shared - diffSum / 2 + shrinkage / 2) / den);
}

/** The quarter value of a signal value in -1..1 (the SQL's (stars - 3) / 2 clamped, or +-1 for a like/dislike). */
export function toQuarters(value: number): number {
  return Math.max(-4, Math.min(4, Math.round(value * 4)));
}

/** Compressed rows from one row per user (film ids and values), with dense film indexes. */
export function matchSignals(
  users: { movieIds: ArrayLike<number>; values: ArrayLike<number> }[],
  filmIndex: (movieId: number) => number,
  films: number,
): MatchSignals {
  const offsets = new Int32Array(users.length + 1);
  for (const [r, u] of users.entries()) offsets[r + 1] = offsets[r] + u.movieIds.length;
  const film = new Int32Array(offsets[users.length]);
  const quarters = new Int8Array(offsets[users.length]);
  for (const [r, u] of users.entries()) {
    for (let k = 0; k < u.movieIds.length; k++) {
      film[offsets[r] + k] = filmIndex(Number(u.movieIds[k]));
      quarters[offsets[r] + k] = toQuarters(Number(u.values[k]));
    }
  }
  return { offsets, film, quarters, films };
}

/**
 * The `depth` best pairs of every user, in two lists (matched, near): a bounded max-heap per user and list over
 * flat typed arrays, keyed so that a smaller key is a better pair.
 */
class BestPairs {
  readonly size: Int32Array;
  readonly key: Float64Array;
  readonly other: Int32Array;
  /** Per slot: n | agreed << 16, and d in quarters. */
  readonly counts: Int32Array;
  readonly quarters: Int32Array;
  constructor(
    users: number,
    readonly depth: number,
  ) {
    this.size = new Int32Array(users);
    this.key = new Float64Array(users * depth);
    this.other = new Int32Array(users * depth);
    this.counts = new Int32Array(users * depth);
    this.quarters = new Int32Array(users * depth);
  }

  private put(at: number, from: number) {
    this.key[at] = this.key[from];
    this.other[at] = this.other[from];
    this.counts[at] = this.counts[from];
    this.quarters[at] = this.quarters[from];
  }

  private set(at: number, key: number, v: number, counts: number, quarters: number) {
    this.key[at] = key;
    this.other[at] = v;
    this.counts[at] = counts;
    this.quarters[at] = quarters;
  }

  offer(u: number, key: number, v: number, counts: number, quarters: number) {
    const base = u * this.depth;
    const keys = this.key;
    let i = this.size[u];
    if (i < this.depth) {
      this.size[u] = i + 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (keys[base + parent] >= key) break;
        this.put(base + i, base + parent);
        i = parent;
      }
      this.set(base + i, key, v, counts, quarters);
      return;
    }
    if (key >= keys[base]) return;
    // Replace the worst (the root) and sift down.
    i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.depth) break;
      if (child + 1 < this.depth && keys[base + child + 1] > keys[base + child]) child++;
      if (keys[base + child] <= key) break;
      this.put(base + i, base + child);
      i = child;
    }
    this.set(base + i, key, v, counts, quarters);
  }

  /** User u's slots, best first. */
  sorted(u: number): number[] {
    const base = u * this.depth;
    const k = Array.from({ length: this.size[u] }, (_, i) => base + i);
    return k.sort((a, b) => this.key[a] - this.key[b]);
  }
}

/**
 * Every user's matched and near candidates. `order(a, b)` breaks similarity ties between other users a and b (the
 * job passes the comparison of their ids as text, PostgreSQL's uuid order). The figures of a pair are symmetric,
 * so each pair is accumulated once, from its lower-indexed user, and offered to both users' lists.
 */
export function matchCandidates(
  signals: MatchSignals,
  settings: MatchSettings,
  order: (a: number, b: number) => number,
  onProgress?: (done: number, total: number) => void,
): MatchCandidates {
  const users = signals.offsets.length - 1;
  const { threshold, minOverlap, shrinkage, depth } = settings;
  const limit = Math.fround(threshold);
  // The inverted index: film -> (user, quarters + 4), users ascending within a film; `after[k]`: where the raters
  // of signal k's film with a higher index than its user start.
  const byFilm = new Int32Array(signals.films + 1);
  for (let k = 0; k < signals.film.length; k++) byFilm[signals.film[k] + 1]++;
  for (let f = 0; f < signals.films; f++) byFilm[f + 1] += byFilm[f];
  const raterOf = new Int32Array(signals.film.length);
  const raterQ = new Uint8Array(signals.film.length);
  const after = new Int32Array(signals.film.length);
  const fill = byFilm.slice(0, signals.films);
  for (let u = 0; u < users; u++) {
    for (let k = signals.offsets[u]; k < signals.offsets[u + 1]; k++) {
      const at = fill[signals.film[k]]++;
      raterOf[at] = u;
      raterQ[at] = signals.quarters[k] + 4;
      after[k] = at + 1;
    }
  }
  // Ranking keys sort as numbers: similarity (its float4 bits, which order like the value for s >= 0) descending,
  // then the tie-break rank ascending; exact in a double for up to 2^21 users.
  const byOrder = Array.from({ length: users }, (_, v) => v).sort(order);
  const rank = new Int32Array(users);
  for (const [k, v] of byOrder.entries()) rank[v] = k;
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  const key = (s: number, v: number) => {
    asFloat[0] = s;
    return (0xffffffff - bits[0]) * 2 ** 21 + rank[v];
  };
  const matched = new BestPairs(users, depth);
  const near = new BestPairs(users, depth);
  // n in the low 16 bits and agreed films in the high 15 of one counter: one memory update per rater, not two.
  const counts = new Int32Array(users);
  const dq = new Int32Array(users);
  const inc = new Int32Array(9);
  const dif = new Int32Array(9);
  for (let u = 0; u < users; u++) {
    for (let k = signals.offsets[u]; k < signals.offsets[u + 1]; k++) {
      const f = signals.film[k];
      const q = signals.quarters[k];
      for (let y = 0; y < 9; y++) {
        dif[y] = Math.abs(q - (y - 4));
        inc[y] = dif[y] <= 2 ? 0x10001 : 1;
      }
      for (let j = after[k]; j < byFilm[f + 1]; j++) {
        const v = raterOf[j];
        const y = raterQ[j];
        counts[v] += inc[y];
        dq[v] += dif[y];
      }
    }
    // A scan of the higher-indexed counters costs `users` steps per user, less than a branch at every rater visit.
    for (let v = u + 1; v < users; v++) {
      const c = counts[v];
      if (c === 0) continue;
      const nv = c & 0xffff;
      const d = dq[v] / 4;
      counts[v] = 0;
      dq[v] = 0;
      if (nv + 1 < minOverlap) continue;
      const s = matchSimilarity(nv, d, shrinkage);
      if (nv >= minOverlap && s >= limit) {
        matched.offer(u, key(s, v), v, c, d * 4);
        matched.offer(v, key(s, u), u, c, d * 4);
      } else {
        const s1 = matchSimilarity(nv + 1, d, shrinkage);
        if (s1 >= limit) {
          near.offer(u, key(s1, v), v, c, d * 4);
          near.offer(v, key(s1, u), u, c, d * 4);
        }
      }
    }
    if (onProgress && (u % 500 === 0 || u === users - 1)) onProgress(u + 1, users);
  }
  const outOffsets = new Int32Array(users + 1);
  const matchedCount = new Int32Array(users);
  const other: number[] = [];
  const shared: number[] = [];
  const agreed: number[] = [];
  const diffs: number[] = [];
  for (let u = 0; u < users; u++) {
    matchedCount[u] = matched.size[u];
    for (const list of [matched, near]) {
      for (const at of list.sorted(u)) {
        other.push(list.other[at]);
        shared.push(list.counts[at] & 0xffff);
        agreed.push(list.counts[at] >>> 16);
        diffs.push(list.quarters[at] / 4);
      }
    }
    outOffsets[u + 1] = other.length;
  }
  return {
    offsets: outOffsets,
    other: Int32Array.from(other),
    shared: Int32Array.from(shared),
    agreed: Int32Array.from(agreed),
    diffSum: Float32Array.from(diffs),
    matched: matchedCount,
  };
}

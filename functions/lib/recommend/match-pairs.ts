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
 * Cost. Exactly, for each user, one pass over the raters of each film they have a signal on: the sum over films of
 * (raters of the film)^2 / 2 pair updates, the same pair accumulation as the user neighbours (7.9e8 rater visits on
 * the ML-1M-shaped bench data, about 5 s; 6.5e10 at ML-10M, 404 s), then a sort of each user's candidates. Above
 * `exactVisits` (2e9, as for the user neighbours) matchCandidates bounds it (see there): each film contributes at
 * most 256 co-raters, in a fixed pseudo-random order, to each user's candidates, and each user's best 300 get their
 * exact figures: at most signals x 256 visits plus signals x 300 list steps. Every pair kept has its exact n,
 * agreed films and d and meets the definition; what the bound gives up is recall (measured at ML-10M in the
 * README, "Matching at scale"). Memory: a few counters per user, the inverted index (one entry per signal), the
 * candidates (users x 300) and the output, at most 2 * depth pairs per user. At most 65,535 signals per user and
 * 32,767 agreed films per pair (the packed counter).
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
  /** Whether every pair was accumulated (false: the bounded path, above the work bound). */
  exact: boolean;
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

export interface MatchBoundOptions {
  /**
   * Co-rater visits the exact computation may take (the sum over films of raters x (raters - 1), as for the user
   * neighbours); at or under it every pair is accumulated (default 2e9: ML-1M's 7.9e8 runs exactly, ML-10M's 6.5e10
   * does not).
   */
  exactVisits?: number;
  /** The bounded candidate pass: each film contributes at most this many co-raters (default 256). */
  coRaters?: number;
  /**
   * Candidates per user given exact figures in the bounded path (default 300): half the best by the similarity on
   * the sampled films among the pairs matched there, half the best by the similarity one more film would give
   * among the rest.
   */
  candidates?: number;
  /**
   * Which co-raters a film contributes when it has more than the window: "shuffled" (default), the window around
   * the user in a fixed pseudo-random order of the film's raters (seeded by the film), or "heaviest", its most
   * active raters (what the user neighbours use). The best matches are mostly users who agree on a few dozen
   * films, spread over the whole population, which the most active raters are not: on the ML-1M-shaped data with
   * the window scaled to ML-10M's raters per film (64 of a film's raters; candidates 300, 296 sampled users),
   * shuffled found 30% of the exact matched users, heaviest 12%.
   */
  choose?: "heaviest" | "shuffled";
  onProgress?: (done: number, total: number) => void;
}

/** The films' raters, users ascending, and each signal's place in its film's list. */
interface FilmIndex {
  /** Film f's raters at start[f]..start[f+1]-1. */
  start: Int32Array;
  rater: Int32Array;
  /** The rater's value in quarters + 4 (0..8). */
  q: Uint8Array;
}

function filmIndex(signals: MatchSignals, users: number, order?: Int32Array): FilmIndex & { slot: Int32Array } {
  const start = new Int32Array(signals.films + 1);
  for (let k = 0; k < signals.film.length; k++) start[signals.film[k] + 1]++;
  for (let f = 0; f < signals.films; f++) start[f + 1] += start[f];
  const rater = new Int32Array(signals.film.length);
  const q = new Uint8Array(signals.film.length);
  const slot = new Int32Array(signals.film.length);
  const fill = start.slice(0, signals.films);
  for (let i = 0; i < users; i++) {
    const u = order ? order[i] : i;
    for (let k = signals.offsets[u]; k < signals.offsets[u + 1]; k++) {
      const at = fill[signals.film[k]]++;
      rater[at] = u;
      q[at] = signals.quarters[k] + 4;
      slot[k] = at;
    }
  }
  return { start, rater, q, slot };
}

/** What the exact accumulation visits: the sum over films of raters x (raters - 1). */
export function matchVisitsOf(signals: MatchSignals): number {
  const raters = new Int32Array(signals.films);
  for (let k = 0; k < signals.film.length; k++) raters[signals.film[k]]++;
  let visits = 0;
  for (let f = 0; f < signals.films; f++) visits += raters[f] * (raters[f] - 1);
  return visits;
}

/**
 * Every user's matched and near candidates. `order(a, b)` breaks similarity ties between other users a and b (the
 * job passes the comparison of their ids as text, PostgreSQL's uuid order). The figures of a pair are symmetric,
 * so each pair is worked on once and offered to both users' lists.
 *
 * Exactly (every pair sharing a film accumulated) while matchVisitsOf is within `exactVisits`; above it, bounded:
 * 1. Candidates: for each film a user has a signal on, its other raters when it has at most `coRaters`, else
 *    `coRaters` of them (`choose`: by default the window around the user in a fixed pseudo-random order of the
 *    film's raters); over those sampled common films, n and d are accumulated. Each user's candidates: the
 *    `candidates` / 2 best by the similarity on the sampled films among the pairs matched there, and the
 *    `candidates` / 2 best by similarity(n + 1, d) among the others.
 * 2. Exact figures for every candidate pair (n, agreed films and d over all their common films): pairs are grouped
 *    by their user with more signals, held in a dense array by film while the other's list is scanned against
 *    it, so a pair costs the shorter of the two lists. Each pair, once, is classified by the definition and
 *    offered to both users' lists.
 * Time: at most signals x coRaters visits, then signals x candidates list steps, whatever the films' popularity.
 * Every pair kept has its exact figures and meets the definition (matched or near); what the bound gives up is
 * recall, a pair neither user ranked among their candidates on the sampled films (measured on the ML-10M-shaped
 * bench data in the README, "Matching at scale"). Where no film has more than coRaters + 1 raters and no user
 * more than candidates / 2 partners on either list, the
 * result is the exact one.
 */
export function matchCandidates(
  signals: MatchSignals,
  settings: MatchSettings,
  order: (a: number, b: number) => number,
  options: MatchBoundOptions | ((done: number, total: number) => void) = {},
): MatchCandidates {
  const o = typeof options === "function" ? { onProgress: options } : options;
  const users = signals.offsets.length - 1;
  const { depth } = settings;
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
  const limit = Math.fround(settings.threshold);
  /** Classifies the pair (u, v) by its exact figures and offers it to both users' lists. */
  const offer = (u: number, v: number, c: number, dQuarters: number) => {
    const n = c & 0xffff;
    if (n + 1 < settings.minOverlap) return;
    const d = dQuarters / 4;
    const s = matchSimilarity(n, d, settings.shrinkage);
    if (n >= settings.minOverlap && s >= limit) {
      matched.offer(u, key(s, v), v, c, dQuarters);
      matched.offer(v, key(s, u), u, c, dQuarters);
    } else {
      const s1 = matchSimilarity(n + 1, d, settings.shrinkage);
      if (s1 >= limit) {
        near.offer(u, key(s1, v), v, c, dQuarters);
        near.offer(v, key(s1, u), u, c, dQuarters);
      }
    }
  };
  const exact = matchVisitsOf(signals) <= (o.exactVisits ?? 2e9);
  if (exact) exactPairs(signals, users, offer, o.onProgress);
  else boundedPairs(signals, users, settings, o, offer);

  let total = 0;
  for (let u = 0; u < users; u++) total += matched.size[u] + near.size[u];
  const out = {
    offsets: new Int32Array(users + 1),
    other: new Int32Array(total),
    shared: new Int32Array(total),
    agreed: new Int32Array(total),
    diffSum: new Float32Array(total),
    matched: new Int32Array(users),
    exact,
  };
  let at = 0;
  for (let u = 0; u < users; u++) {
    out.matched[u] = matched.size[u];
    for (const list of [matched, near]) {
      for (const slot of list.sorted(u)) {
        out.other[at] = list.other[slot];
        out.shared[at] = list.counts[slot] & 0xffff;
        out.agreed[at] = list.counts[slot] >>> 16;
        out.diffSum[at] = list.quarters[slot] / 4;
        at++;
      }
    }
    out.offsets[u + 1] = at;
  }
  return out;
}

type Offer = (u: number, v: number, counts: number, dQuarters: number) => void;

/** The per-rater increments for a value q (quarters): n + 1, agreed + 1 when within half a point; |difference|. */
function increments(q: number, inc: Int32Array, dif: Int32Array) {
  for (let y = 0; y < 9; y++) {
    dif[y] = Math.abs(q - (y - 4));
    inc[y] = dif[y] <= 2 ? 0x10001 : 1;
  }
}

/** Every pair sharing a film, accumulated from its lower-indexed user: the sum over films of raters^2 / 2. */
function exactPairs(signals: MatchSignals, users: number, offer: Offer, onProgress?: (d: number, t: number) => void) {
  const index = filmIndex(signals, users);
  // n in the low 16 bits and agreed films in the high 15 of one counter: one memory update per rater, not two.
  const counts = new Int32Array(users);
  const dq = new Int32Array(users);
  const inc = new Int32Array(9);
  const dif = new Int32Array(9);
  for (let u = 0; u < users; u++) {
    for (let k = signals.offsets[u]; k < signals.offsets[u + 1]; k++) {
      const f = signals.film[k];
      increments(signals.quarters[k], inc, dif);
      // Users ascend within a film: the raters after this one have higher indexes.
      for (let j = index.slot[k] + 1; j < index.start[f + 1]; j++) {
        const v = index.rater[j];
        const y = index.q[j];
        counts[v] += inc[y];
        dq[v] += dif[y];
      }
    }
    // A scan of the higher-indexed counters costs `users` steps per user, less than a branch at every rater visit.
    for (let v = u + 1; v < users; v++) {
      const c = counts[v];
      if (c === 0) continue;
      counts[v] = 0;
      offer(u, v, c, dq[v]);
      dq[v] = 0;
    }
    if (onProgress && (u % 500 === 0 || u === users - 1)) onProgress(u + 1, users);
  }
}

/** A bounded min-heap of (score, user) keeping the `size` highest scores (ties to the earlier offered). */
class TopScores {
  readonly score: Float64Array;
  readonly user: Int32Array;
  length = 0;
  constructor(readonly size: number) {
    this.score = new Float64Array(size);
    this.user = new Int32Array(size);
  }
  offer(s: number, v: number) {
    const score = this.score;
    const user = this.user;
    let i = this.length;
    if (i < this.size) {
      this.length = i + 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (score[parent] <= s) break;
        score[i] = score[parent];
        user[i] = user[parent];
        i = parent;
      }
      score[i] = s;
      user[i] = v;
      return;
    }
    if (s <= score[0]) return;
    i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && score[child + 1] < score[child]) child++;
      if (score[child] >= s) break;
      score[i] = score[child];
      user[i] = user[child];
      i = child;
    }
    score[i] = s;
    user[i] = v;
  }
}

/** The bounded path of matchCandidates (see there). */
function boundedPairs(
  signals: MatchSignals,
  users: number,
  settings: MatchSettings,
  o: MatchBoundOptions,
  offer: Offer,
) {
  const coRaters = Math.max(1, o.coRaters ?? 256);
  const half = Math.max(1, Math.ceil((o.candidates ?? 300) / 2));
  const { minOverlap, shrinkage } = settings;
  const limit = Math.fround(settings.threshold);
  const signalsOf = (u: number) => signals.offsets[u + 1] - signals.offsets[u];
  // Each film's raters, most active first (ties to the lower index): a counting sort by signal count, descending.
  let most = 0;
  for (let u = 0; u < users; u++) most = Math.max(most, signalsOf(u));
  const byCount = new Int32Array(most + 2);
  for (let u = 0; u < users; u++) byCount[most - signalsOf(u) + 1]++;
  for (let c = 0; c <= most; c++) byCount[c + 1] += byCount[c];
  const active = new Int32Array(users);
  for (let u = 0; u < users; u++) active[byCount[most - signalsOf(u)]++] = u;
  const shuffled = (o.choose ?? "shuffled") === "shuffled";
  const index = filmIndex(signals, users, shuffled ? undefined : active);
  if (shuffled) shuffleRaters(signals, index);

  // Pass 1: each user's candidates, at pairOther[u * width ..], pairCount[u] of them (the two lists may share users).
  const width = 2 * half;
  const pairOther = new Int32Array(users * width);
  const pairCount = new Int32Array(users);
  const counts = new Int32Array(users);
  const dq = new Int32Array(users);
  const touched = new Int32Array(users);
  // By (own value, other value), both in quarters + 4: the counter increment and |difference| in quarters.
  const inc = new Int32Array(81);
  const dif = new Int32Array(81);
  for (let x = 0; x < 9; x++) increments(x - 4, inc.subarray(9 * x, 9 * x + 9), dif.subarray(9 * x, 9 * x + 9));
  const bySimilarity = new TopScores(half);
  const byNext = new TopScores(half);
  for (let u = 0; u < users; u++) {
    const t = sampleCoRaters(u, signals, index, coRaters, shuffled, inc, dif, counts, dq, touched);
    bySimilarity.length = 0;
    byNext.length = 0;
    for (let i = 0; i < t; i++) {
      const v = touched[i];
      const n = counts[v] & 0xffff;
      const d = dq[v] / 4;
      counts[v] = 0;
      dq[v] = 0;
      // The same quotient as matchSimilarity, unrounded: only the order matters here.
      const s = (n - d / 2 + shrinkage / 2) / (n + shrinkage);
      if (n >= minOverlap && s >= limit) bySimilarity.offer(s, v);
      else byNext.offer((n + 1 - d / 2 + shrinkage / 2) / (n + 1 + shrinkage), v);
    }
    let c = 0;
    const base = u * width;
    for (let i = 0; i < bySimilarity.length; i++) pairOther[base + c++] = bySimilarity.user[i];
    for (let i = 0; i < byNext.length; i++) pairOther[base + c++] = byNext.user[i];
    pairCount[u] = c;
    if (o.onProgress && u % 500 === 0) o.onProgress(u + 1, 2 * users);
  }

  // Pass 2: every candidate pair once, grouped by its user with more signals (ties: the lower index).
  const heavier = (u: number, v: number) => {
    const a = signalsOf(u);
    const b = signalsOf(v);
    return a > b || (a === b && u < v);
  };
  const groupStart = new Int32Array(users + 1);
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < pairCount[u]; i++) {
      const v = pairOther[u * width + i];
      groupStart[(heavier(u, v) ? u : v) + 1]++;
    }
  }
  for (let u = 0; u < users; u++) groupStart[u + 1] += groupStart[u];
  const lighter = new Int32Array(groupStart[users]);
  const fill = groupStart.slice(0, users);
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < pairCount[u]; i++) {
      const v = pairOther[u * width + i];
      if (heavier(u, v)) lighter[fill[u]++] = v;
      else lighter[fill[v]++] = u;
    }
  }
  // The heavier user's values by film, quarters + 5 (0: no signal); stamp[v] = h + 1 once (h, v) is done.
  const mine = new Uint8Array(signals.films);
  const stamp = new Int32Array(users);
  for (let h = 0; h < users; h++) {
    if (groupStart[h + 1] === groupStart[h]) continue;
    for (let k = signals.offsets[h]; k < signals.offsets[h + 1]; k++) mine[signals.film[k]] = signals.quarters[k] + 5;
    for (let p = groupStart[h]; p < groupStart[h + 1]; p++) {
      const l = lighter[p];
      if (stamp[l] === h + 1) continue;
      stamp[l] = h + 1;
      let c = 0;
      let d = 0;
      for (let k = signals.offsets[l]; k < signals.offsets[l + 1]; k++) {
        const m = mine[signals.film[k]];
        if (m === 0) continue;
        const diff = Math.abs(signals.quarters[k] - (m - 5));
        c += diff <= 2 ? 0x10001 : 1;
        d += diff;
      }
      if (c !== 0) offer(h, l, c, d);
    }
    for (let k = signals.offsets[h]; k < signals.offsets[h + 1]; k++) mine[signals.film[k]] = 0;
    if (o.onProgress && h % 500 === 0) o.onProgress(users + h + 1, 2 * users);
  }
  o.onProgress?.(2 * users, 2 * users);
}

/** A fixed pseudo-random permutation of each film's raters (Fisher-Yates seeded by the film), slots kept. */
function shuffleRaters(signals: MatchSignals, index: FilmIndex & { slot: Int32Array }) {
  // Which signal sits at each place of the index, to find the slots again afterwards.
  const signalAt = new Int32Array(index.rater.length);
  for (let k = 0; k < index.slot.length; k++) signalAt[index.slot[k]] = k;
  for (let f = 0; f < signals.films; f++) {
    const lo = index.start[f];
    let state = (Math.imul(f + 1, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
    for (let i = index.start[f + 1] - 1; i > lo; i--) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      const j = lo + (state % (i - lo + 1));
      const r = index.rater[i];
      index.rater[i] = index.rater[j];
      index.rater[j] = r;
      const q = index.q[i];
      index.q[i] = index.q[j];
      index.q[j] = q;
      const k = signalAt[i];
      signalAt[i] = signalAt[j];
      signalAt[j] = k;
    }
  }
  for (let j = 0; j < signalAt.length; j++) index.slot[signalAt[j]] = j;
}

/**
 * Pass 1's accumulation for user u: n | agreed << 16 and d (quarters) over the sampled co-raters of each of u's
 * films, into counts and dq; the users touched are appended to `touched`. Returns how many.
 */
function sampleCoRaters(
  u: number,
  signals: MatchSignals,
  index: FilmIndex & { slot: Int32Array },
  coRaters: number,
  shuffled: boolean,
  inc: Int32Array,
  dif: Int32Array,
  counts: Int32Array,
  dq: Int32Array,
  touched: Int32Array,
): number {
  const { start, rater, q: raterQ, slot } = index;
  const own = signals.film;
  let t = 0;
  for (let k = signals.offsets[u]; k < signals.offsets[u + 1]; k++) {
    const f = own[k];
    const row = 9 * (signals.quarters[k] + 4);
    const lo = start[f];
    const hi = start[f + 1];
    const self = slot[k];
    let from = lo;
    let end = hi;
    let wrap = 0;
    if (hi - lo - 1 > coRaters) {
      if (shuffled) {
        // The coRaters raters around this one in the film's shuffled order, wrapping around its end.
        from = self - (coRaters >> 1);
        end = from + coRaters + 1;
        if (from < lo) {
          wrap = lo - from;
          from = lo;
        } else if (end > hi) {
          wrap = end - hi;
          end = hi;
        }
      } else {
        // The film's coRaters most active other raters.
        end = self < lo + coRaters ? lo + coRaters + 1 : lo + coRaters;
      }
    }
    for (;;) {
      for (let j = from; j < end; j++) {
        const v = rater[j];
        if (v === u) continue;
        const y = row + raterQ[j];
        if (counts[v] === 0) touched[t++] = v;
        counts[v] += inc[y];
        dq[v] += dif[y];
      }
      if (wrap === 0) break;
      // The part that wrapped: the film's last raters (the window began before lo) or its first (it ended past hi).
      if (from === lo) {
        from = hi - wrap;
        end = hi;
      } else {
        from = lo;
        end = lo + wrap;
      }
      wrap = 0;
    }
  }
  return t;
}

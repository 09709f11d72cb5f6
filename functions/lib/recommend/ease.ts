/**
 * EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019) on typed arrays. Runtime-neutral.
 *
 * Given the binary user-film matrix X (n films), EASE's item-item weights are the closed form
 *   P = (XᵀX + λI)⁻¹,   B_ij = -P_ij / P_jj (i ≠ j),   B_ii = 0
 * and a user's score for film j is Σ_i x_ui · B_ij. The cost is one dense n×n SPD inverse: n³ flops and 2·n²
 * doubles, so it is applied to a bounded set of films (the most-rated ones; `selectEaseFilms`).
 *
 * The inverse is computed through the Cholesky factor, with every inner loop a dot product of two contiguous row
 * segments of a row-major Float64Array (so V8 streams memory instead of striding by n):
 *   1. A = L·Lᵀ                      (L in A's lower triangle;        n³/6 multiply-adds)
 *   2. U = L⁻ᵀ, stored by rows       (row j of U is column j of L⁻¹;  n³/6)
 *   3. P = A⁻¹ = U·Uᵀ, P_ij = Σ_{k ≥ max(i,j)} U_ik·U_jk            (n³/6)
 * Together n³ flops, a third of Gauss-Jordan's 2n³, and none of it needs pivoting (A is SPD since λ > 0).
 */

/** Dot product of a[ai..ai+len) and b[bi..bi+len), four accumulators so V8 keeps the adds independent. */
function dot(a: Float64Array, ai: number, b: Float64Array, bi: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ai + k] * b[bi + k];
    s1 += a[ai + k + 1] * b[bi + k + 1];
    s2 += a[ai + k + 2] * b[bi + k + 2];
    s3 += a[ai + k + 3] * b[bi + k + 3];
  }
  for (; k < len; k++) s0 += a[ai + k] * b[bi + k];
  return s0 + s1 + s2 + s3;
}

/**
 * Inverse of a symmetric positive definite n×n matrix (row-major; only its lower triangle is read). Returns the
 * full symmetric inverse in `a`'s storage; throws when the matrix is not positive definite.
 */
export function invertSpd(
  a: Float64Array,
  n: number,
  onProgress?: (done: number, total: number) => void,
): Float64Array {
  if (a.length !== n * n) throw new Error(`invertSpd: expected ${n * n} entries, got ${a.length}`);
  const total = 3 * n;
  // 1. Cholesky, row by row: L_ij = (A_ij - Σ_{k<j} L_ik L_jk) / L_jj.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      a[ri + j] = (a[ri + j] - dot(a, ri, a, rj, j)) / a[rj + j];
    }
    const d = a[ri + i] - dot(a, ri, a, ri, i);
    if (!(d > 0)) throw new Error(`invertSpd: matrix is not positive definite (pivot ${i} is ${d})`);
    a[ri + i] = Math.sqrt(d);
    if (onProgress && i % 64 === 0) onProgress(i, total);
  }
  // 2. U = (L⁻¹)ᵀ: U_ji = (δ_ij - Σ_{j≤k<i} L_ik U_jk) / L_ii for i ≥ j, zero below the diagonal.
  const u = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    u[rj + j] = 1 / a[rj + j];
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      u[rj + i] = -dot(a, ri + j, u, rj + j, i - j) / a[ri + i];
    }
    if (onProgress && j % 64 === 0) onProgress(n + j, total);
  }
  // 3. P = U·Uᵀ, written over A (L is no longer needed).
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = i; j < n; j++) {
      const rj = j * n;
      const p = dot(u, ri + j, u, rj + j, n - j);
      a[ri + j] = p;
      a[rj + i] = p;
    }
    if (onProgress && i % 64 === 0) onProgress(2 * n + i, total);
  }
  onProgress?.(total, total);
  return a;
}

export interface EaseInput {
  /** For each user, the model film indices (0..films-1) they interacted with, at offsets[u]..offsets[u+1]-1. */
  offsets: Int32Array;
  films: Int32Array;
  /** Number of model films. */
  n: number;
}

/**
 * XᵀX of the binary user-film matrix: Σ over users of the outer product of their films (lower triangle only).
 * Each user's films must be distinct and ascending (so the pairs j ≤ i are the prefix up to i).
 */
export function gram(input: EaseInput): Float64Array {
  const { n } = input;
  const g = new Float64Array(n * n);
  const users = input.offsets.length - 1;
  for (let u = 0; u < users; u++) {
    const start = input.offsets[u];
    const end = input.offsets[u + 1];
    for (let a = start; a < end; a++) {
      const ri = input.films[a] * n;
      for (let b = start; b <= a; b++) g[ri + input.films[b]] += 1;
    }
  }
  return g;
}

/**
 * EASE weights B (row-major n×n, B_ii = 0) from the binary interactions. `lambda` is the L2 penalty; Steck's
 * MovieLens settings are in the hundreds, and the nightly job fits it on a validation split.
 */
export function easeWeights(
  input: EaseInput,
  lambda: number,
  onProgress?: (done: number, total: number) => void,
): Float64Array {
  if (!(lambda > 0)) throw new Error("EASE needs lambda > 0");
  const { n } = input;
  const p = gram(input);
  for (let i = 0; i < n; i++) p[i * n + i] += lambda;
  invertSpd(p, n, onProgress);
  const diag = new Float64Array(n);
  for (let j = 0; j < n; j++) diag[j] = p[j * n + j];
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < n; j++) p[ri + j] = i === j ? 0 : -p[ri + j] / diag[j];
  }
  return p;
}

/** Each user's film scores Σ_i x_ui B_ij into `out` (length n), for user `u` of `input`. */
export function easeScores(input: EaseInput, weights: Float64Array, u: number, out: Float64Array): Float64Array {
  const { n } = input;
  out.fill(0);
  for (let a = input.offsets[u]; a < input.offsets[u + 1]; a++) {
    const ri = input.films[a] * n;
    for (let j = 0; j < n; j++) out[j] += weights[ri + j];
  }
  return out;
}

/**
 * The films EASE models: the `max` most-interacted films having at least `minCount` users (ties by index), as a
 * map from film index to model index (-1 = not modelled) and the list of film indices by model index.
 */
export function selectEaseFilms(
  countByFilm: Int32Array,
  max: number,
  minCount = 1,
): { modelOf: Int32Array; filmOf: Int32Array } {
  const order: number[] = [];
  for (let f = 0; f < countByFilm.length; f++) if (countByFilm[f] >= minCount) order.push(f);
  order.sort((a, b) => countByFilm[b] - countByFilm[a] || a - b);
  const filmOf = Int32Array.from(order.slice(0, Math.max(0, max)));
  const modelOf = new Int32Array(countByFilm.length).fill(-1);
  filmOf.forEach((f, m) => {
    modelOf[f] = m;
  });
  return { modelOf, filmOf };
}

export interface EaseNeighbourOptions {
  /** Films modelled densely: the most interacted (default 2500: 2500³ flops is about 12 s in V8 here). */
  films?: number;
  /** A film needs this many users to be modelled. */
  minUsers?: number;
  lambda?: number;
  /**
   * Weights kept per film: the k largest in magnitude, negative ones included. EASE's negative weights carry half
   * its information (a film watched by fans of i is less likely for them than its popularity says): on
   * ml-latest-small (split 0.8, seed 42, 2,500 films) keeping the 300 largest positive weights gave P@10 0.221,
   * the 300 largest in magnitude 0.225.
   */
  k?: number;
  /**
   * XᵀX costs Σ_u n_u² (n_u = the user's modelled films): above this many users it is estimated from a seeded
   * sample of them, with λ scaled by the sample's share so that the solution stays that of the full data.
   */
  maxUsers?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface EaseNeighbours {
  /** For model film m (film index filmOf[m]): its kept weights at offsets[m]..offsets[m+1]-1, best first. */
  filmOf: Int32Array;
  offsets: Int32Array;
  /** Film index (not model index) of each kept neighbour. */
  neighbour: Int32Array;
  weight: Float32Array;
  /** Users who interacted with both films. */
  support: Int32Array;
  lambda: number;
}

/**
 * EASE over the most interacted films of a user×film interaction list (dense indices), pruned to each film's k
 * largest weights in magnitude: the rows `movie_similarities` serves, so a user's score for j is Σ_i x_ui B_ij
 * over the films i they interacted with (only the kept B_ij, which carry most of each row's mass).
 */
export function easeNeighbours(
  users: number,
  films: number,
  user: Int32Array,
  film: Int32Array,
  options: EaseNeighbourOptions = {},
): EaseNeighbours {
  const k = options.k ?? 50;
  const lambda = options.lambda ?? 250;
  const count = new Int32Array(films);
  for (let a = 0; a < film.length; a++) count[film[a]]++;
  const { modelOf, filmOf } = selectEaseFilms(count, options.films ?? 2500, options.minUsers ?? 2);
  const n = filmOf.length;
  const maxUsers = options.maxUsers ?? 200_000;
  const share = users > maxUsers ? maxUsers / users : 1;
  let sampledUser = user;
  let sampledFilm = film;
  if (share < 1) {
    // A multiplicative hash of the user index: a stable sample, the same users every night.
    const keep = (u: number) => (Math.imul(u + 1, 2654435761) >>> 0) / 4294967296 < share;
    const at: number[] = [];
    for (let a = 0; a < user.length; a++) if (keep(user[a])) at.push(a);
    sampledUser = Int32Array.from(at, (a) => user[a]);
    sampledFilm = Int32Array.from(at, (a) => film[a]);
  }
  const input = modelInput(users, sampledUser, sampledFilm, modelOf, n);
  const g = gram(input);
  const co = new Float32Array(g);
  if (share < 1) for (let k = 0; k < co.length; k++) co[k] /= share;
  for (let i = 0; i < n; i++) g[i * n + i] += lambda * share;
  invertSpd(g, n, options.onProgress);
  const diag = new Float64Array(n);
  for (let j = 0; j < n; j++) diag[j] = g[j * n + j];
  const offsets = new Int32Array(n + 1);
  const neighbour: number[] = [];
  const weight: number[] = [];
  const support: number[] = [];
  const row = new Float64Array(n);
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    order.length = 0;
    for (let j = 0; j < n; j++) {
      row[j] = i === j ? 0 : -g[ri + j] / diag[j];
      if (row[j] !== 0) order.push(j);
    }
    // The k largest in magnitude, stored best (most positive) first.
    order.sort((a, b) => Math.abs(row[b]) - Math.abs(row[a]) || a - b);
    order.length = Math.min(order.length, k);
    order.sort((a, b) => row[b] - row[a] || a - b);
    for (const j of order) {
      neighbour.push(filmOf[j]);
      weight.push(row[j]);
      support.push(Math.round(i >= j ? co[ri + j] : co[j * n + i]));
    }
    offsets[i + 1] = neighbour.length;
  }
  return {
    filmOf,
    offsets,
    neighbour: Int32Array.from(neighbour),
    weight: Float32Array.from(weight),
    support: Int32Array.from(support),
    lambda,
  };
}

/** Per-user model film lists (deduplicated) from interaction triples. */
function modelInput(users: number, user: Int32Array, film: Int32Array, modelOf: Int32Array, n: number): EaseInput {
  const offsets = new Int32Array(users + 1);
  for (let a = 0; a < user.length; a++) if (modelOf[film[a]] >= 0) offsets[user[a] + 1]++;
  for (let u = 0; u < users; u++) offsets[u + 1] += offsets[u];
  const cursor = offsets.slice(0, users);
  const films = new Int32Array(offsets[users]);
  for (let a = 0; a < user.length; a++) {
    const m = modelOf[film[a]];
    if (m >= 0) films[cursor[user[a]]++] = m;
  }
  // Duplicates (a rating and a like of the same film) would count the pair twice in XᵀX.
  const out = new Int32Array(films.length);
  const outOffsets = new Int32Array(users + 1);
  let at = 0;
  for (let u = 0; u < users; u++) {
    const list = Array.from(films.subarray(offsets[u], offsets[u + 1])).sort((a, b) => a - b);
    for (let x = 0; x < list.length; x++) if (x === 0 || list[x] !== list[x - 1]) out[at++] = list[x];
    outOffsets[u + 1] = at;
  }
  return { offsets: outOffsets, films: out.slice(0, at), n };
}

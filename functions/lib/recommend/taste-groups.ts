/**
 * Taste groups: users clustered on latent factors of their ratings. Without learned factors, the factors are a
 * truncated SVD of the user-mean-centred rating matrix (randomised subspace iteration, then an exact r x r
 * eigen-decomposition), each user's vector scaled by the singular values and normalised to unit length, so that
 * KMeans groups users by the direction of their taste rather than how much they rate. KMeans (k-means++ seeding,
 * a few restarts, lowest inertia kept) runs for every k in a range; k is the one with the best mean silhouette,
 * computed on a fixed random sample of users because a full silhouette is quadratic in users. Deterministic for a
 * seed. Typed arrays only: runs in the nightly job and would run in a Worker.
 */
import type { RatingTriples } from "./neighbours";

export interface TasteGroupOptions {
  /** Latent factors kept. */
  factors?: number;
  /** Candidate numbers of groups, inclusive. */
  kMin?: number;
  kMax?: number;
  /** Users the silhouette is computed on. */
  silhouetteSample?: number;
  /** KMeans restarts per k. */
  restarts?: number;
  iterations?: number;
  seed?: number;
  /** Users with fewer ratings are not clustered (their factors are noise). */
  minRatings?: number;
}

export interface TasteClustering {
  k: number;
  /** Group of each user index (-1: not clustered). */
  assignment: Int32Array;
  /** Distance of each user to its centroid (NaN: not clustered). */
  distance: Float64Array;
  silhouette: number;
  /** Silhouette of every k tried, for the bench and the job summary. */
  tried: { k: number; silhouette: number; inertia: number }[];
  clustered: number;
  factorCount: number;
}

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Modified Gram-Schmidt on the r columns of an n x r row-major matrix, in place. */
function orthonormalise(m: Float64Array, n: number, r: number) {
  for (let j = 0; j < r; j++) {
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += m[i * r + j] * m[i * r + p];
      for (let i = 0; i < n; i++) m[i * r + j] -= dot * m[i * r + p];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += m[i * r + j] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) m[i * r + j] /= norm;
  }
}

/** Eigen-decomposition of a symmetric r x r matrix (cyclic Jacobi): values and column eigenvectors. */
function jacobiEigen(a: Float64Array, r: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(r * r);
  for (let i = 0; i < r; i++) v[i * r + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < r; p++) for (let q = p + 1; q < r; q++) off += a[p * r + q] ** 2;
    if (off < 1e-18) break;
    for (let p = 0; p < r; p++) {
      for (let q = p + 1; q < r; q++) {
        const apq = a[p * r + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * r + q] - a[p * r + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < r; k++) {
          const akp = a[k * r + p];
          const akq = a[k * r + q];
          a[k * r + p] = c * akp - s * akq;
          a[k * r + q] = s * akp + c * akq;
        }
        for (let k = 0; k < r; k++) {
          const apk = a[p * r + k];
          const aqk = a[q * r + k];
          a[p * r + k] = c * apk - s * aqk;
          a[q * r + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < r; k++) {
          const vkp = v[k * r + p];
          const vkq = v[k * r + q];
          v[k * r + p] = c * vkp - s * vkq;
          v[k * r + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(r);
  for (let i = 0; i < r; i++) values[i] = a[i * r + i];
  return { values, vectors: v };
}

/**
 * Unit-length user factors (users x r, row-major) from a truncated SVD of the centred ratings. Users with fewer
 * than minRatings ratings get a zero row.
 */
export function svdUserFactors(data: RatingTriples, r: number, seed: number, minRatings: number): Float64Array {
  const n = data.users;
  const sums = new Float64Array(n);
  const counts = new Int32Array(n);
  for (let i = 0; i < data.rating.length; i++) {
    sums[data.user[i]] += data.rating[i];
    counts[data.user[i]]++;
  }
  const centred = new Float64Array(data.rating.length);
  for (let i = 0; i < centred.length; i++) {
    const u = data.user[i];
    centred[i] = counts[u] >= minRatings ? data.rating[i] - sums[u] / counts[u] : 0;
  }
  const random = mulberry32(seed);
  const films = data.films;
  // Q = orth(A Ω), then two power iterations Q = orth(A Aᵀ Q): the top singular subspace sharpens quickly.
  const omega = new Float64Array(films * r);
  for (let i = 0; i < omega.length; i++) omega[i] = random() * 2 - 1;
  const q = new Float64Array(n * r);
  const mulA = (x: Float64Array, out: Float64Array) => {
    out.fill(0);
    for (let i = 0; i < centred.length; i++) {
      const value = centred[i];
      if (value === 0) continue;
      const u = data.user[i] * r;
      const f = data.film[i] * r;
      for (let j = 0; j < r; j++) out[u + j] += value * x[f + j];
    }
  };
  const mulAt = (x: Float64Array, out: Float64Array) => {
    out.fill(0);
    for (let i = 0; i < centred.length; i++) {
      const value = centred[i];
      if (value === 0) continue;
      const u = data.user[i] * r;
      const f = data.film[i] * r;
      for (let j = 0; j < r; j++) out[f + j] += value * x[u + j];
    }
  };
  mulA(omega, q);
  orthonormalise(q, n, r);
  const b = new Float64Array(films * r);
  for (let it = 0; it < 2; it++) {
    mulAt(q, b);
    orthonormalise(b, films, r);
    mulA(b, q);
    orthonormalise(q, n, r);
  }
  // B = Qᵀ A (as Aᵀ Q, films x r); C = B Bᵀ (r x r) = W Λ Wᵀ; user factors U Σ = Q W Σ.
  mulAt(q, b);
  const c = new Float64Array(r * r);
  for (let f = 0; f < films; f++) {
    for (let i = 0; i < r; i++) {
      const bi = b[f * r + i];
      if (bi === 0) continue;
      for (let j = 0; j < r; j++) c[i * r + j] += bi * b[f * r + j];
    }
  }
  const { values, vectors } = jacobiEigen(c, r);
  const sigma = Array.from(values, (v) => Math.sqrt(Math.max(v, 0)));
  const out = new Float64Array(n * r);
  for (let u = 0; u < n; u++) {
    if (counts[u] < minRatings) continue;
    let norm = 0;
    for (let j = 0; j < r; j++) {
      let x = 0;
      for (let k = 0; k < r; k++) x += q[u * r + k] * vectors[k * r + j];
      x *= sigma[j];
      out[u * r + j] = x;
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let j = 0; j < r; j++) out[u * r + j] /= norm;
  }
  return out;
}

function sqDist(x: Float64Array, a: number, y: Float64Array, b: number, r: number): number {
  let d = 0;
  for (let j = 0; j < r; j++) {
    const t = x[a * r + j] - y[b * r + j];
    d += t * t;
  }
  return d;
}

/** KMeans with k-means++ seeding over the listed rows; returns assignment (per listed row) and inertia. */
export function kMeans(
  points: Float64Array,
  rows: Int32Array,
  r: number,
  k: number,
  random: () => number,
  iterations: number,
): { assignment: Int32Array; centroids: Float64Array; inertia: number } {
  const m = rows.length;
  const centroids = new Float64Array(k * r);
  const nearest = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
  const first = rows[Math.floor(random() * m)];
  for (let j = 0; j < r; j++) centroids[j] = points[first * r + j];
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < m; i++) {
      nearest[i] = Math.min(nearest[i], sqDist(points, rows[i], centroids, c - 1, r));
      total += nearest[i];
    }
    let pick = random() * total;
    let chosen = m - 1;
    for (let i = 0; i < m; i++) {
      pick -= nearest[i];
      if (pick <= 0) {
        chosen = i;
        break;
      }
    }
    for (let j = 0; j < r; j++) centroids[c * r + j] = points[rows[chosen] * r + j];
  }
  const assignment = new Int32Array(m);
  let inertia = 0;
  for (let it = 0; it < iterations; it++) {
    let moved = 0;
    inertia = 0;
    for (let i = 0; i < m; i++) {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const d = sqDist(points, rows[i], centroids, c, r);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (assignment[i] !== best || it === 0) moved++;
      assignment[i] = best;
      inertia += bestD;
    }
    const sums = new Float64Array(k * r);
    const sizes = new Int32Array(k);
    for (let i = 0; i < m; i++) {
      sizes[assignment[i]]++;
      for (let j = 0; j < r; j++) sums[assignment[i] * r + j] += points[rows[i] * r + j];
    }
    for (let c = 0; c < k; c++) {
      // An emptied cluster keeps its centroid; k-means++ makes that rare.
      if (sizes[c] === 0) continue;
      for (let j = 0; j < r; j++) centroids[c * r + j] = sums[c * r + j] / sizes[c];
    }
    if (moved === 0) break;
  }
  return { assignment, centroids, inertia };
}

/** Mean silhouette of the sample's assignment (a: mean distance within its group, b: to the nearest other). */
export function silhouette(points: Float64Array, rows: Int32Array, labels: Int32Array, r: number, k: number): number {
  const m = rows.length;
  let total = 0;
  let counted = 0;
  const sums = new Float64Array(k);
  const sizes = new Int32Array(k);
  for (let i = 0; i < m; i++) {
    sums.fill(0);
    sizes.fill(0);
    for (let j = 0; j < m; j++) {
      if (i === j) continue;
      sums[labels[j]] += Math.sqrt(sqDist(points, rows[i], points, rows[j], r));
      sizes[labels[j]]++;
    }
    const own = labels[i];
    if (sizes[own] === 0) continue;
    const a = sums[own] / sizes[own];
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c] > 0) b = Math.min(b, sums[c] / sizes[c]);
    if (!Number.isFinite(b)) continue;
    total += (b - a) / Math.max(a, b, 1e-12);
    counted++;
  }
  return counted ? total / counted : 0;
}

/** Clusters users; factors (users x factorCount, unit rows, zero rows skipped) may be given, else SVD. */
export function clusterTaste(
  data: RatingTriples,
  options: TasteGroupOptions = {},
  givenFactors?: { values: Float64Array; count: number },
): TasteClustering {
  const r = givenFactors?.count ?? options.factors ?? 16;
  const seed = options.seed ?? 42;
  const minRatings = options.minRatings ?? 5;
  const points = givenFactors?.values ?? svdUserFactors(data, r, seed, minRatings);
  const eligible: number[] = [];
  for (let u = 0; u < data.users; u++) {
    let norm = 0;
    for (let j = 0; j < r; j++) norm += points[u * r + j] ** 2;
    if (norm > 0) eligible.push(u);
  }
  const rows = Int32Array.from(eligible);
  const assignment = new Int32Array(data.users).fill(-1);
  const distance = new Float64Array(data.users).fill(Number.NaN);
  const kMin = Math.max(2, options.kMin ?? 2);
  const kMax = Math.min(options.kMax ?? 8, Math.max(rows.length - 1, kMin));
  if (rows.length < kMin + 1) {
    return { k: 0, assignment, distance, silhouette: 0, tried: [], clustered: 0, factorCount: r };
  }
  const random = mulberry32(seed + 1);
  // The silhouette sample: a fixed random subset of the clustered users, the same for every k.
  const sampleSize = Math.min(options.silhouetteSample ?? 1000, rows.length);
  const shuffled = Array.from(rows);
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const sample = Int32Array.from(shuffled.slice(0, sampleSize));
  const tried: TasteClustering["tried"] = [];
  let best: { k: number; centroids: Float64Array; silhouette: number } | undefined;
  for (let k = kMin; k <= kMax; k++) {
    let run: ReturnType<typeof kMeans> | undefined;
    for (let restart = 0; restart < (options.restarts ?? 3); restart++) {
      const attempt = kMeans(points, rows, r, k, random, options.iterations ?? 50);
      if (!run || attempt.inertia < run.inertia) run = attempt;
    }
    if (!run) continue;
    const labels = new Int32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      let bestC = 0;
      let bestD = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const d = sqDist(points, sample[i], run.centroids, c, r);
        if (d < bestD) {
          bestD = d;
          bestC = c;
        }
      }
      labels[i] = bestC;
    }
    const s = silhouette(points, sample, labels, r, k);
    tried.push({ k, silhouette: s, inertia: run.inertia });
    if (!best || s > best.silhouette) best = { k, centroids: run.centroids, silhouette: s };
  }
  if (!best) return { k: 0, assignment, distance, silhouette: 0, tried, clustered: 0, factorCount: r };
  for (const u of rows) {
    let bestC = 0;
    let bestD = Number.POSITIVE_INFINITY;
    for (let c = 0; c < best.k; c++) {
      const d = sqDist(points, u, best.centroids, c, r);
      if (d < bestD) {
        bestD = d;
        bestC = c;
      }
    }
    assignment[u] = bestC;
    distance[u] = Math.sqrt(bestD);
  }
  return {
    k: best.k,
    assignment,
    distance,
    silhouette: best.silhouette,
    tried,
    clustered: rows.length,
    factorCount: r,
  };
}

export interface FilmFacts {
  genres: string[];
  decade: string | null;
  director: string | null;
}

export interface GroupDescription {
  label: string;
  size: number;
  topGenres: string[];
  topDecades: string[];
  topDirectors: string[];
  /** Film indexes, best first. */
  characteristic: number[];
}

function topByLift(
  inGroup: Map<string, number>,
  overall: Map<string, number>,
  groupTotal: number,
  total: number,
  minSupport: number,
  n: number,
): string[] {
  return [...inGroup.entries()]
    .filter(([, count]) => count >= minSupport)
    .map(([key, count]) => ({ key, lift: count / groupTotal / ((overall.get(key) ?? 1) / total) }))
    .filter((x) => x.lift > 1)
    .sort((a, b) => b.lift - a.lift || a.key.localeCompare(b.key))
    .slice(0, n)
    .map((x) => x.key);
}

/**
 * Labels each group from what its members liked (rated 4+) far more than everyone: the top decades, genres and
 * directors by lift (share in the group over share overall, with a minimum support), and its characteristic films.
 */
export function describeGroups(
  data: RatingTriples,
  clustering: TasteClustering,
  films: FilmFacts[],
): GroupDescription[] {
  const k = clustering.k;
  const liked = (i: number) => data.rating[i] >= 4;
  const count = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);
  const overall = {
    genre: new Map<string, number>(),
    decade: new Map<string, number>(),
    director: new Map<string, number>(),
  };
  const groups = Array.from({ length: k }, () => ({
    genre: new Map<string, number>(),
    decade: new Map<string, number>(),
    director: new Map<string, number>(),
    film: new Map<number, number>(),
    likes: 0,
  }));
  const filmLikes = new Map<number, number>();
  let totalLikes = 0;
  for (let i = 0; i < data.rating.length; i++) {
    if (!liked(i)) continue;
    const f = films[data.film[i]];
    totalLikes++;
    filmLikes.set(data.film[i], (filmLikes.get(data.film[i]) ?? 0) + 1);
    for (const g of f?.genres ?? []) count(overall.genre, g);
    if (f?.decade) count(overall.decade, f.decade);
    if (f?.director) count(overall.director, f.director);
    const c = clustering.assignment[data.user[i]];
    if (c < 0) continue;
    const group = groups[c];
    group.likes++;
    group.film.set(data.film[i], (group.film.get(data.film[i]) ?? 0) + 1);
    for (const g of f?.genres ?? []) count(group.genre, g);
    if (f?.decade) count(group.decade, f.decade);
    if (f?.director) count(group.director, f.director);
  }
  const sizes = new Int32Array(k);
  for (const c of clustering.assignment) if (c >= 0) sizes[c]++;
  return groups.map((g, c) => {
    const support = Math.max(3, Math.ceil(g.likes * 0.002));
    const topGenres = topByLift(g.genre, overall.genre, g.likes || 1, totalLikes || 1, support, 3);
    const topDecades = topByLift(g.decade, overall.decade, g.likes || 1, totalLikes || 1, support, 2);
    const topDirectors = topByLift(g.director, overall.director, g.likes || 1, totalLikes || 1, support, 3);
    const filmSupport = Math.max(3, Math.ceil(sizes[c] * 0.05));
    const characteristic = [...g.film.entries()]
      .filter(([, n]) => n >= filmSupport)
      .map(([film, n]) => ({ film, lift: n / sizes[c] / ((filmLikes.get(film) ?? 1) / clustering.clustered), n }))
      .sort((a, b) => b.lift - a.lift || b.n - a.n || a.film - b.film)
      .slice(0, 12)
      .map((x) => x.film);
    const genres = topGenres.slice(0, 2).map((x) => x.toLowerCase());
    const words = [topDecades[0], genres.join(" and ")].filter(Boolean).join(" ");
    return {
      label: words || `taste group ${c + 1}`,
      size: sizes[c],
      topGenres,
      topDecades,
      topDirectors,
      characteristic,
    };
  });
}

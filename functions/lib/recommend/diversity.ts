/**
 * Diversity re-ranking: maximal marginal relevance (Carbonell & Goldstein, 1998) over what a list shows at a
 * glance: genres, decade and original language. Each step picks the candidate maximising
 *   (1 - λ) · relevance(i) - λ · max over chosen j of similarity(i, j)
 * with relevance the candidate's score min-max scaled to 0..1 within the pool, and similarity
 *   0.5 · Jaccard(genres) + 0.25 · [same decade] + 0.25 · [same language]   (0..1).
 * λ = 0 keeps the relevance order exactly (ties by the pool's own order); λ = 1 ignores relevance after the
 * first pick. Runtime-neutral; the batches (routes/recommendations) and the offline evaluation (node/eval) share it.
 * Cost: O(k · n) similarity evaluations for k picks from n candidates (40 of 100: 4,000, well under a millisecond).
 */

export interface DiversityFeatures {
  genres: readonly string[] | null;
  releaseYear: number | null;
  language: string | null;
}

export interface Candidate extends DiversityFeatures {
  score: number;
}

const decade = (year: number | null) => (year === null ? null : Math.floor(year / 10));

/** How alike two films look in a list, 0..1 (genres half, decade a quarter, language a quarter). */
export function filmSimilarity(a: DiversityFeatures, b: DiversityFeatures): number {
  const ga = a.genres ?? [];
  const gb = b.genres ?? [];
  let genres = 0;
  if (ga.length > 0 || gb.length > 0) {
    const set = new Set(ga);
    let shared = 0;
    for (const g of new Set(gb)) if (set.has(g)) shared++;
    genres = shared / (set.size + new Set(gb).size - shared);
  }
  const da = decade(a.releaseYear);
  const sameDecade = da !== null && da === decade(b.releaseYear) ? 1 : 0;
  const sameLanguage = a.language !== null && a.language === b.language ? 1 : 0;
  return 0.5 * genres + 0.25 * sameDecade + 0.25 * sameLanguage;
}

/**
 * The pool's indices in MMR order, `take` of them (all by default). `pool` is best first by relevance; a
 * diversity of 0 returns the first `take` indices unchanged.
 */
export function diversify(pool: readonly Candidate[], diversity: number, take = pool.length): number[] {
  const k = Math.min(take, pool.length);
  if (diversity <= 0 || pool.length <= 1) return Array.from({ length: k }, (_, i) => i);
  const lambda = Math.min(1, diversity);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const c of pool) {
    lo = Math.min(lo, c.score);
    hi = Math.max(hi, c.score);
  }
  const span = hi - lo;
  // Equal scores carry no order of their own: fall back to the pool's order, gently.
  const relevance = pool.map((c, i) => (span > 0 ? (c.score - lo) / span : 1 - i / pool.length));
  const maxSim = new Float64Array(pool.length);
  const chosen = new Uint8Array(pool.length);
  const order: number[] = [];
  for (let step = 0; step < k; step++) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < pool.length; i++) {
      if (chosen[i]) continue;
      const value = (1 - lambda) * relevance[i] - (order.length === 0 ? 0 : lambda * maxSim[i]);
      if (value > bestValue + 1e-12) {
        best = i;
        bestValue = value;
      }
    }
    chosen[best] = 1;
    order.push(best);
    for (let i = 0; i < pool.length; i++) {
      if (!chosen[i]) maxSim[i] = Math.max(maxSim[i], filmSimilarity(pool[i], pool[best]));
    }
  }
  return order;
}

/** Intra-list diversity: the mean of 1 - similarity over every pair of the list (0 for fewer than two films). */
export function intraListDiversity(list: readonly DiversityFeatures[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      sum += 1 - filmSimilarity(list[i], list[j]);
      pairs++;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}

/** Distinct genres a list shows. */
export function genreCoverage(list: readonly DiversityFeatures[]): number {
  const genres = new Set<string>();
  for (const f of list) for (const g of f.genres ?? []) genres.add(g);
  return genres.size;
}

/**
 * Each user's user-based CF votes, computed by the nightly job so that a request does not aggregate its 50
 * neighbours' ratings (about 25,000 rows for a heavy rater's neighbourhood at MovieLens-1M scale, most of the cost
 * of recommend_user_cf). Runtime-neutral (typed arrays only).
 *
 * recommend_user_cf ranks film j for user u by the neighbourhood's votes over the neighbours v who rated it, with
 * s_v the stored neighbour similarity, c_v the raw correlation and m_v the neighbour's mean rating:
 *   n = count, weighted = Σ s_v·r_vj, deviations = Σ s_v·(r_vj − m_v), similarity = Σ s_v, absolute = Σ |s_v|,
 *   mean correlation = avg c_v, mean rating = avg r_vj.
 * Everything but the user's own mean rating (read live for the predicted stars) depends only on the nightly
 * neighbour rows and the neighbours' ratings, so the job stores the best `depth` films per user by weighted
 * (descending, then film id), leaving out films the user had rated; the request drops its live exclusions and
 * keeps the order. The neighbours' ratings are as of the run, like the neighbour rows themselves.
 *
 * Cost: for each user, the sum of the neighbours' rating counts (k = 50 neighbours), plus a bounded heap per user.
 */

import type { NeighbourList, RatingTriples } from "./neighbours";
import { bestK } from "./top-k";

export interface CfCandidates {
  /** Dense film indices, best first. */
  films: Int32Array;
  count: Int32Array;
  weighted: Float32Array;
  deviations: Float32Array;
  similarity: Float32Array;
  absolute: Float32Array;
  correlation: Float32Array;
  meanRating: Float32Array;
  /** Σ s_v over all the user's neighbours (the score's denominator). */
  totalSimilarity: number;
  /** Every film the neighbours rated is here (fewer than the depth). */
  complete: boolean;
}

/**
 * A scorer over the nightly neighbour rows and the ratings (grouped by user, as the job loads them):
 * `score(u, skip)` gives user u's best `depth` films, `skip` marking films to leave out by dense index.
 */
export function cfCandidateScorer(
  data: RatingTriples,
  neighbours: NeighbourList,
  means: ArrayLike<number>,
  filmIds: ArrayLike<number>,
  depth: number,
) {
  // Each user's ratings as a range of the triples (they are grouped by user).
  const from = new Int32Array(data.users).fill(-1);
  const to = new Int32Array(data.users);
  for (let k = 0; k < data.user.length; k++) {
    const u = data.user[k];
    if (from[u] < 0) from[u] = k;
    to[u] = k + 1;
  }
  const n = new Int32Array(data.films);
  const weighted = new Float64Array(data.films);
  const deviations = new Float64Array(data.films);
  const similarity = new Float64Array(data.films);
  const absolute = new Float64Array(data.films);
  const correlation = new Float64Array(data.films);
  const ratingSum = new Float64Array(data.films);
  const touched: number[] = [];
  // worse(a, b): a ranks below b (weighted descending, then the smaller film id first).
  const worse = (a: number, b: number) =>
    weighted[a] < weighted[b] || (weighted[a] === weighted[b] && filmIds[a] > filmIds[b]);

  return (u: number, skip: Uint8Array): CfCandidates => {
    touched.length = 0;
    let total = 0;
    for (let k = neighbours.offsets[u]; k < neighbours.offsets[u + 1]; k++) {
      const v = neighbours.neighbour[k];
      const s = neighbours.similarity[k];
      const c = neighbours.raw[k];
      const m = means[v];
      total += s;
      if (from[v] < 0) continue;
      for (let r = from[v]; r < to[v]; r++) {
        const f = data.film[r];
        if (skip[f]) continue;
        const x = data.rating[r];
        if (n[f] === 0) touched.push(f);
        n[f]++;
        weighted[f] += s * x;
        deviations[f] += s * (x - m);
        similarity[f] += s;
        absolute[f] += Math.abs(s);
        correlation[f] += c;
        ratingSum[f] += x;
      }
    }
    const heap = bestK(touched, depth, worse);
    const out: CfCandidates = {
      films: Int32Array.from(heap),
      count: Int32Array.from(heap, (f) => n[f]),
      weighted: Float32Array.from(heap, (f) => weighted[f]),
      deviations: Float32Array.from(heap, (f) => deviations[f]),
      similarity: Float32Array.from(heap, (f) => similarity[f]),
      absolute: Float32Array.from(heap, (f) => absolute[f]),
      correlation: Float32Array.from(heap, (f) => correlation[f] / n[f]),
      meanRating: Float32Array.from(heap, (f) => ratingSum[f] / n[f]),
      totalSimilarity: total,
      complete: touched.length <= depth,
    };
    for (const f of touched) {
      n[f] = 0;
      weighted[f] = 0;
      deviations[f] = 0;
      similarity[f] = 0;
      absolute[f] = 0;
      correlation[f] = 0;
      ratingSum[f] = 0;
    }
    return out;
  };
}

/** Ranking and rating metrics for the offline evaluation (binary relevance). Pure functions. */

export interface RankingScores {
  precision: number;
  recall: number;
  ndcg: number;
  ap: number;
}

/** Metrics at k for one user: `ranked` is the recommended list (best first), `relevant` the test positives. */
export function rankingScores(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): RankingScores {
  const top = ranked.slice(0, k);
  let hits = 0;
  let dcg = 0;
  let apSum = 0;
  top.forEach((id, i) => {
    if (relevant.has(id)) {
      hits++;
      dcg += 1 / Math.log2(i + 2);
      apSum += hits / (i + 1);
    }
  });
  const ideal = Math.min(relevant.size, k);
  let idcg = 0;
  for (let i = 0; i < ideal; i++) idcg += 1 / Math.log2(i + 2);
  return {
    precision: hits / k,
    recall: relevant.size ? hits / relevant.size : 0,
    ndcg: idcg ? dcg / idcg : 0,
    ap: ideal ? apSum / ideal : 0,
  };
}

export function rmse(errors: readonly number[]): number {
  return errors.length ? Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length) : Number.NaN;
}

export function mae(errors: readonly number[]): number {
  return errors.length ? errors.reduce((s, e) => s + Math.abs(e), 0) / errors.length : Number.NaN;
}

/**
 * The offline evaluation: for every test user, rank all films they have not rated in training (full ranking,
 * no sampled negatives) through get_recommendations, the same SQL function the API calls, and score the top k
 * against their test ratings; RMSE and MAE of predict_ratings (user-based CF) on every test rating.
 */
import type { SqlDatabase } from "../../functions/lib/db/port";
import { mae, rankingScores, rmse } from "./metrics";
import { type MlRating, mlUserUuid } from "./movielens";

export const STRATEGIES = ["popular", "cf", "item", "content", "hybrid"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface EvalOptions {
  k: number;
  relevant: number;
  strategies: Strategy[];
  /** Parallel requests (Postgres pool); PGlite serialises anyway. */
  concurrency: number;
  catalogueSize: number;
  onProgress?: (label: string, done: number, total: number) => void;
}

export interface StrategyResult {
  strategy: Strategy;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  coverage: number;
  users: number;
  /** Users whose list came from another strategy (cold start or fallback), by served strategy. */
  served: Record<string, number>;
  rmse: number | null;
  mae: number | null;
  /** Share of test ratings predicted from neighbours (the rest fall back to the user's mean). */
  predictedFromNeighbours: number | null;
  msPerUser: number;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

export async function evaluate(db: SqlDatabase, test: MlRating[], options: EvalOptions): Promise<StrategyResult[]> {
  const byUser = new Map<number, MlRating[]>();
  for (const r of test) {
    const list = byUser.get(r.user) ?? [];
    if (list.length === 0) byUser.set(r.user, list);
    list.push(r);
  }
  // Ranking metrics over users with at least one relevant test film (the usual protocol).
  const rankingUsers = [...byUser.entries()]
    .map(([user, rs]) => ({
      user,
      relevant: new Set(rs.filter((r) => r.rating >= options.relevant).map((r) => r.movie)),
    }))
    .filter((u) => u.relevant.size > 0)
    .sort((a, b) => a.user - b.user);

  const results: StrategyResult[] = [];
  for (const strategy of options.strategies) {
    const sums = { precision: 0, recall: 0, ndcg: 0, ap: 0 };
    const served: Record<string, number> = {};
    const recommended = new Set<number>();
    let done = 0;
    const started = performance.now();
    await pool(rankingUsers, options.concurrency, async ({ user, relevant }) => {
      const rows = await db.rpc("get_recommendations", {
        p_user_id: mlUserUuid(user),
        p_strategy: strategy,
        p_limit: options.k,
      });
      const ranked = rows.map((r) => Number(r.movie?.id));
      for (const id of ranked) recommended.add(id);
      const s = rankingScores(ranked, relevant, options.k);
      sums.precision += s.precision;
      sums.recall += s.recall;
      sums.ndcg += s.ndcg;
      sums.ap += s.ap;
      const by = rows[0]?.strategy?.served ?? "none";
      if (by !== strategy) served[by] = (served[by] ?? 0) + 1;
      options.onProgress?.(strategy, ++done, rankingUsers.length);
    });
    const n = Math.max(rankingUsers.length, 1);
    const result: StrategyResult = {
      strategy,
      precision: sums.precision / n,
      recall: sums.recall / n,
      ndcg: sums.ndcg / n,
      map: sums.ap / n,
      coverage: recommended.size / Math.max(options.catalogueSize, 1),
      users: rankingUsers.length,
      served,
      rmse: null,
      mae: null,
      predictedFromNeighbours: null,
      msPerUser: (performance.now() - started) / n,
    };
    if (strategy === "cf") {
      const errors: number[] = [];
      let fromNeighbours = 0;
      let k = 0;
      const users = [...byUser.entries()];
      await pool(users, options.concurrency, async ([user, rs]) => {
        const rows = await db.rpc("predict_ratings", {
          p_user_id: mlUserUuid(user),
          p_movie_ids: rs.map((r) => r.movie),
        });
        const predicted = new Map(rows.map((r) => [Number(r.movie_id), r]));
        for (const r of rs) {
          const p = predicted.get(r.movie);
          if (!p) throw new Error(`predict_ratings returned no row for user ${user} film ${r.movie}`);
          errors.push(Number(p.predicted_rating) - r.rating);
          if (p.method === "neighbours") fromNeighbours++;
        }
        options.onProgress?.("cf ratings", ++k, users.length);
      });
      result.rmse = rmse(errors);
      result.mae = mae(errors);
      result.predictedFromNeighbours = fromNeighbours / Math.max(errors.length, 1);
    }
    results.push(result);
  }
  return results;
}

const f = (v: number | null, d = 4) => (v === null || !Number.isFinite(v) ? "-" : v.toFixed(d));

export function formatEvalTable(results: StrategyResult[], k: number): string {
  const header = [
    "strategy",
    `P@${k}`,
    `R@${k}`,
    `NDCG@${k}`,
    `MAP@${k}`,
    "coverage",
    "users",
    "RMSE",
    "MAE",
    "ms/user",
  ];
  const rows = results.map((r) => [
    r.strategy,
    f(r.precision),
    f(r.recall),
    f(r.ndcg),
    f(r.map),
    f(r.coverage, 3),
    String(r.users),
    f(r.rmse),
    f(r.mae),
    r.msPerUser.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

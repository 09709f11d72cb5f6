/**
 * The offline evaluation: for every test user, rank all films they have not rated in training (full ranking,
 * no sampled negatives) through get_recommendations, the same SQL function the API calls, and score the top k
 * against their test ratings; RMSE and MAE of predict_ratings (user-based CF) on every test rating. The reference
 * baselines (toppop, EASE) are ranked in process on the same training ratings and scored the same way.
 */
import type { SqlDatabase } from "../../functions/lib/db/port";
import { BASELINES, type Baseline, type BaselineRanker, popularityPercentiles } from "./baselines";
import { mae, rankingScores, rmse } from "./metrics";
import { type MlRating, mlUserUuid } from "./movielens";

export const STRATEGIES = ["popular", "cf", "item", "content", "hybrid"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface EvalOptions {
  k: number;
  relevant: number;
  strategies: Strategy[];
  /** Reference baselines to rank in the same run (need `ranker`). */
  baselines?: Baseline[];
  ranker?: BaselineRanker;
  /** Every film id of the catalogue (for the popularity percentile); coverage divides by catalogueSize. */
  catalogue?: number[];
  /** Parallel requests (Postgres pool); PGlite serialises anyway. */
  concurrency: number;
  catalogueSize: number;
  onProgress?: (label: string, done: number, total: number) => void;
}

export interface StrategyResult {
  strategy: Strategy | Baseline;
  /** Where the list came from: the API's SQL function, or a reference baseline computed in process. */
  kind: "served" | "baseline";
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  coverage: number;
  /** Mean popularity percentile (training ratings) of the recommended films: 100 = only the most rated. */
  popularityPercentile: number | null;
  users: number;
  /** Users whose list came from another strategy (cold start or fallback), by served strategy. */
  served: Record<string, number>;
  rmse: number | null;
  mae: number | null;
  /** Share of test ratings predicted by the rating model or neighbours (the rest fall back to baselines). */
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

  const percentile =
    options.ranker && options.catalogue ? popularityPercentiles(options.catalogue, options.ranker.counts) : null;
  const results: StrategyResult[] = [];
  const runs: { name: Strategy | Baseline; kind: "served" | "baseline" }[] = [
    ...(options.ranker ? (options.baselines ?? [...BASELINES]) : []).map((name) => ({
      name,
      kind: "baseline" as const,
    })),
    ...options.strategies.map((name) => ({ name, kind: "served" as const })),
  ];
  for (const { name: strategy, kind } of runs) {
    const sums = { precision: 0, recall: 0, ndcg: 0, ap: 0, percentile: 0, slots: 0 };
    const served: Record<string, number> = {};
    const recommended = new Set<number>();
    let done = 0;
    const started = performance.now();
    await pool(rankingUsers, kind === "baseline" ? 1 : options.concurrency, async ({ user, relevant }) => {
      let ranked: number[];
      if (kind === "baseline" && options.ranker) {
        ranked = options.ranker.rank(strategy as Baseline, user, options.k);
      } else {
        const rows = await db.rpc("get_recommendations", {
          p_user_id: mlUserUuid(user),
          p_strategy: strategy,
          p_limit: options.k,
        });
        ranked = rows.map((r) => Number(r.movie?.id));
        const by = rows[0]?.strategy?.served ?? "none";
        if (by !== strategy) served[by] = (served[by] ?? 0) + 1;
      }
      for (const id of ranked) {
        recommended.add(id);
        if (percentile) {
          sums.percentile += percentile.get(id) ?? 0;
          sums.slots++;
        }
      }
      const s = rankingScores(ranked, relevant, options.k);
      sums.precision += s.precision;
      sums.recall += s.recall;
      sums.ndcg += s.ndcg;
      sums.ap += s.ap;
      options.onProgress?.(strategy, ++done, rankingUsers.length);
    });
    const n = Math.max(rankingUsers.length, 1);
    const result: StrategyResult = {
      strategy,
      kind,
      precision: sums.precision / n,
      recall: sums.recall / n,
      ndcg: sums.ndcg / n,
      map: sums.ap / n,
      coverage: recommended.size / Math.max(options.catalogueSize, 1),
      popularityPercentile: sums.slots ? sums.percentile / sums.slots : null,
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
          if (p.method === "neighbours" || p.method === "model") fromNeighbours++;
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

/** The table `marquee eval` prints; with an EASE row, each row's P and NDCG as a ratio to EASE's. */
export function formatEvalTable(results: StrategyResult[], k: number): string {
  const ease = results.find((r) => r.strategy === "ease");
  const ratio = (v: number, of: number | undefined) => (of ? `x${(v / of).toFixed(2)}` : "-");
  const header = [
    "strategy",
    `P@${k}`,
    `R@${k}`,
    `NDCG@${k}`,
    `MAP@${k}`,
    "P/EASE",
    "NDCG/EASE",
    "coverage",
    "pop %ile",
    "users",
    "RMSE",
    "MAE",
    "ms/user",
  ];
  const rows = results.map((r) => [
    r.kind === "baseline" ? `${r.strategy} (baseline)` : r.strategy,
    f(r.precision),
    f(r.recall),
    f(r.ndcg),
    f(r.map),
    ratio(r.precision, ease?.precision),
    ratio(r.ndcg, ease?.ndcg),
    f(r.coverage, 3),
    f(r.popularityPercentile, 1),
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

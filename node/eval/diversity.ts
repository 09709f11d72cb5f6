/**
 * Diversity beside accuracy (`marquee eval --diversity 0,0.1,0.3,0.5`): for each test user, the stored hybrid
 * list the API pages through (get_recommendations, 100 deep) re-ranked by the batches' own MMR
 * (functions/lib/recommend/diversity.ts) at each setting, its top k scored for precision and NDCG, with the
 * intra-list diversity (mean 1 - similarity over pairs: genres, decade, language) and the distinct genres per
 * list. Diversity 0 is the plain hybrid list, so its accuracy is the one the accuracy targets are read at.
 */
import type { SqlDatabase } from "../../functions/lib/db/port";
import { diversify, genreCoverage, intraListDiversity } from "../../functions/lib/recommend/diversity";
import { rankingScores } from "./metrics";
import { type MlRating, mlUserUuid } from "./movielens";

export interface DiversityRow {
  diversity: number;
  precision: number;
  ndcg: number;
  intraListDiversity: number;
  genresPerList: number;
  coverage: number;
  users: number;
}

export async function evaluateDiversity(
  db: SqlDatabase,
  test: MlRating[],
  options: { k: number; relevant: number; settings: number[]; catalogueSize: number; concurrency: number },
): Promise<DiversityRow[]> {
  const relevantByUser = new Map<number, Set<number>>();
  for (const r of test) {
    if (r.rating < options.relevant) continue;
    const set = relevantByUser.get(r.user) ?? new Set<number>();
    set.add(r.movie);
    relevantByUser.set(r.user, set);
  }
  const users = [...relevantByUser.keys()].sort((a, b) => a - b);
  const sums = options.settings.map(() => ({ p: 0, ndcg: 0, ild: 0, genres: 0, films: new Set<number>() }));
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const user = users[next++];
      const rows = await db.rpc("get_recommendations", {
        p_user_id: mlUserUuid(user),
        p_strategy: "hybrid",
        p_limit: 100,
      });
      const pool = rows.map((r) => ({
        id: Number(r.movie?.id),
        score: Number(r.recommendation?.score ?? 0),
        genres: (r.movie?.genres ?? null) as string[] | null,
        releaseYear: r.movie?.release_year ?? null,
        language: r.movie?.original_language ?? null,
      }));
      options.settings.forEach((d, s) => {
        const list = diversify(pool, d, options.k).map((i) => pool[i]);
        const scores = rankingScores(
          list.map((f) => f.id),
          relevantByUser.get(user) ?? new Set(),
          options.k,
        );
        sums[s].p += scores.precision;
        sums[s].ndcg += scores.ndcg;
        sums[s].ild += intraListDiversity(list);
        sums[s].genres += genreCoverage(list);
        for (const f of list) sums[s].films.add(f.id);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  const n = Math.max(users.length, 1);
  return options.settings.map((d, s) => ({
    diversity: d,
    precision: sums[s].p / n,
    ndcg: sums[s].ndcg / n,
    intraListDiversity: sums[s].ild / n,
    genresPerList: sums[s].genres / n,
    coverage: sums[s].films.size / Math.max(options.catalogueSize, 1),
    users: users.length,
  }));
}

export function formatDiversityTable(rows: DiversityRow[], k: number): string {
  const base = rows.find((r) => r.diversity === 0);
  const header = ["diversity", `P@${k}`, `NDCG@${k}`, "NDCG/d=0", "ILD", "genres/list", "coverage"];
  const body = rows.map((r) => [
    r.diversity.toFixed(2),
    r.precision.toFixed(4),
    r.ndcg.toFixed(4),
    base && base.ndcg > 0 ? `x${(r.ndcg / base.ndcg).toFixed(3)}` : "-",
    r.intraListDiversity.toFixed(3),
    r.genresPerList.toFixed(1),
    r.coverage.toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  return [
    `hybrid re-ranked by diversity (MMR over genres, decade, language; ${rows[0]?.users ?? 0} users):`,
    line(header),
    ...body.map(line),
  ].join("\n");
}

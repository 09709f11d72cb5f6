/**
 * The taste-group step of the nightly job: loads every rating, clusters users (functions/lib/recommend/
 * taste-groups.ts: KMeans with k by silhouette on a sample) on the learned user factors of the rating model when
 * they exist (public.rating_model_users, written by the nightly model fit), else on an SVD of the ratings, labels
 * each group from what it likes far more than everyone, and replaces taste_groups and user_taste_groups in one
 * transaction. Safe to re-run.
 */
import type { SqlDatabase } from "../../functions/lib/db/port";
import type { RatingTriples } from "../../functions/lib/recommend/neighbours";
import {
  clusterTaste,
  describeGroups,
  type FilmFacts,
  type TasteGroupOptions,
} from "../../functions/lib/recommend/taste-groups";

export interface TasteGroupSummary {
  users: number;
  clustered: number;
  k: number;
  factors: "learned" | "svd";
  silhouette: number;
  tried: { k: number; silhouette: number }[];
  labels: string[];
  ms: { load: number; cluster: number; write: number };
}

export async function runTasteGroups(db: SqlDatabase, options: TasteGroupOptions = {}): Promise<TasteGroupSummary> {
  const t0 = performance.now();
  const rows = await db.query<{ u: string; f: number; r: number }>(
    "select user_id::text as u, movie_id as f, rating::real as r from public.ratings",
  );
  const userIndex = new Map<string, number>();
  const filmIndex = new Map<number, number>();
  const userIds: string[] = [];
  const filmIds: number[] = [];
  const triples: RatingTriples = {
    user: new Int32Array(rows.length),
    film: new Int32Array(rows.length),
    rating: new Float32Array(rows.length),
    users: 0,
    films: 0,
  };
  rows.forEach((row, i) => {
    let u = userIndex.get(row.u);
    if (u === undefined) {
      u = userIds.push(row.u) - 1;
      userIndex.set(row.u, u);
    }
    let f = filmIndex.get(row.f);
    if (f === undefined) {
      f = filmIds.push(row.f) - 1;
      filmIndex.set(row.f, f);
    }
    triples.user[i] = u;
    triples.film[i] = f;
    triples.rating[i] = row.r;
  });
  triples.users = userIds.length;
  triples.films = filmIds.length;
  const facts = await db.query<{ id: number; genres: string[]; year: number | null; director: string | null }>(
    "select id, genres, release_year as year, director from public.movies where id = any($1::int[])",
    [filmIds],
  );
  const films: FilmFacts[] = new Array(filmIds.length);
  for (const f of facts) {
    films[filmIndex.get(f.id) as number] = {
      genres: f.genres ?? [],
      decade: f.year ? `${Math.floor(f.year / 10) * 10}s` : null,
      director: f.director,
    };
  }
  const learned = await learnedFactors(db, userIndex, triples.users);
  const t1 = performance.now();
  const clustering = clusterTaste(triples, options, learned);
  const groups = clustering.k > 0 ? describeGroups(triples, clustering, films) : [];
  // Two groups can earn the same words; a number keeps labels apart.
  const seen = new Map<string, number>();
  for (const g of groups) {
    const n = (seen.get(g.label) ?? 0) + 1;
    seen.set(g.label, n);
    if (n > 1) g.label = `${g.label} (${n})`;
  }
  const t2 = performance.now();
  await db.transaction(async (tx) => {
    await tx.query("delete from public.user_taste_groups");
    await tx.query("delete from public.taste_groups");
    for (const [c, g] of groups.entries()) {
      await tx.query(
        `insert into public.taste_groups (id, label, size, top_genres, top_decades, top_directors,
           characteristic_movie_ids, silhouette, k, factors)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          c + 1,
          g.label,
          g.size,
          g.topGenres,
          g.topDecades,
          g.topDirectors,
          g.characteristic.map((f) => filmIds[f]),
          clustering.silhouette,
          clustering.k,
          learned ? "learned" : "svd",
        ],
      );
    }
    const ids: string[] = [];
    const group: number[] = [];
    const distance: number[] = [];
    clustering.assignment.forEach((c, u) => {
      if (c < 0) return;
      ids.push(userIds[u]);
      group.push(c + 1);
      distance.push(clustering.distance[u]);
    });
    for (let i = 0; i < ids.length; i += 5000) {
      await tx.query(
        `insert into public.user_taste_groups (user_id, group_id, distance)
         select * from unnest($1::uuid[], $2::int[], $3::real[])`,
        [ids.slice(i, i + 5000), group.slice(i, i + 5000), distance.slice(i, i + 5000)],
      );
    }
  });
  const t3 = performance.now();
  return {
    users: triples.users,
    clustered: clustering.clustered,
    k: clustering.k,
    factors: learned ? "learned" : "svd",
    silhouette: clustering.silhouette,
    tried: clustering.tried.map(({ k, silhouette }) => ({ k, silhouette })),
    labels: groups.map((g) => g.label),
    ms: { load: Math.round(t1 - t0), cluster: Math.round(t2 - t1), write: Math.round(t3 - t2) },
  };
}

/**
 * The rating model's user factors, unit-normalised, as rows of one matrix in the ratings' user order; undefined
 * when the model's table is absent or empty. Users without factors get a zero row (not clustered).
 */
async function learnedFactors(
  db: SqlDatabase,
  userIndex: Map<string, number>,
  users: number,
): Promise<{ values: Float64Array; count: number } | undefined> {
  const [present] = await db.query<{ ok: boolean }>(
    "select to_regclass('public.rating_model_users') is not null as ok",
  );
  if (!present?.ok) return undefined;
  const rows = await db.query<{ u: string; f: number[] }>(
    "select user_id::text as u, factors as f from public.rating_model_users where cardinality(factors) > 0",
  );
  const count = rows[0]?.f.length ?? 0;
  if (count === 0) return undefined;
  const values = new Float64Array(users * count);
  for (const row of rows) {
    const u = userIndex.get(row.u);
    if (u === undefined || row.f.length !== count) continue;
    const norm = Math.sqrt(row.f.reduce((n, x) => n + x * x, 0));
    if (norm === 0) continue;
    for (let j = 0; j < count; j++) values[u * count + j] = row.f[j] / norm;
  }
  return { values, count };
}

export function formatTasteGroups(s: TasteGroupSummary): string {
  return [
    `taste groups: ${s.k} groups over ${s.clustered} of ${s.users} users (${s.factors} factors), silhouette ${s.silhouette.toFixed(3)} ` +
      `(tried ${s.tried.map((t) => `k=${t.k} ${t.silhouette.toFixed(3)}`).join(", ")})`,
    `  ${s.labels.map((l, i) => `${i + 1}: ${l}`).join("; ")}`,
    `  load ${s.ms.load} ms, cluster ${s.ms.cluster} ms, write ${s.ms.write} ms`,
  ].join("\n");
}

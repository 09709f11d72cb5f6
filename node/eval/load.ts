/**
 * Bulk-loads a ratings dataset (films, users, ratings) into an empty catalogue, for the offline evaluation and
 * the recommendation benchmark. Chunked `insert ... select from unnest(...)`, one transaction.
 */
import type { SqlDatabase } from "../../functions/lib/db/port";
import { type MlMovie, type MlRating, mlUserUuid } from "./movielens";

const CHUNK = 20_000;

export interface DatasetLoad {
  movies: number;
  users: number;
  ratings: number;
}

/** Films rated but missing from `movies` get a placeholder title and no genres. */
export async function loadDataset(db: SqlDatabase, movies: MlMovie[], ratings: MlRating[]): Promise<DatasetLoad> {
  const byId = new Map(movies.map((m) => [m.id, m]));
  for (const r of ratings) {
    if (!byId.has(r.movie)) byId.set(r.movie, { id: r.movie, title: `Film ${r.movie}`, year: null, genres: [] });
  }
  const films = [...byId.values()].sort((a, b) => a.id - b.id);
  const genreNames = [...new Set(films.flatMap((f) => f.genres))].sort();
  const users = [...new Set(ratings.map((r) => r.user))].sort((a, b) => a - b);
  // Film popularity for the catalogue's own sort: the number of ratings (ML has no TMDB popularity).
  const counts = new Map<number, number>();
  for (const r of ratings) counts.set(r.movie, (counts.get(r.movie) ?? 0) + 1);

  await db.transaction(async (tx) => {
    await tx.query("insert into public.genres (id, name) select * from unnest($1::int[], $2::text[])", [
      genreNames.map((_, k) => k + 1),
      genreNames,
    ]);
    for (let s = 0; s < films.length; s += 5000) {
      const chunk = films.slice(s, s + 5000).map((f) => ({
        id: f.id,
        title: f.title.slice(0, 500),
        release_year: f.year,
        genres: f.genres,
        popularity: counts.get(f.id) ?? 0,
      }));
      await tx.query(
        `insert into public.movies (id, title, original_title, release_year, genres, popularity)
         select id, title, title, release_year, genres, popularity
         from jsonb_to_recordset($1::jsonb) as x(id int, title text, release_year smallint, genres text[], popularity real)`,
        [JSON.stringify(chunk)],
      );
    }
    for (let s = 0; s < users.length; s += CHUNK) {
      const chunk = users.slice(s, s + CHUNK);
      await tx.query(
        `insert into public.users (id, email, display_name)
         select u, 'ml-' || n || '@eval.invalid', 'MovieLens user ' || n from unnest($1::uuid[], $2::int[]) as x(u, n)`,
        [chunk.map(mlUserUuid), chunk],
      );
    }
    for (let s = 0; s < ratings.length; s += CHUNK) {
      const chunk = ratings.slice(s, s + CHUNK);
      await tx.query(
        `insert into public.ratings (user_id, movie_id, rating, created_at, updated_at)
         select u, m, r, to_timestamp(t), to_timestamp(t)
         from unnest($1::uuid[], $2::int[], $3::numeric[], $4::float8[]) as x(u, m, r, t)`,
        [
          chunk.map((r) => mlUserUuid(r.user)),
          chunk.map((r) => r.movie),
          chunk.map((r) => r.rating),
          chunk.map((r) => r.time),
        ],
      );
    }
  });
  return { movies: films.length, users: users.length, ratings: ratings.length };
}

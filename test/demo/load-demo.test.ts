import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlDatabase } from "../../functions/lib/db/port";
import { migrate } from "../../node/db/migrate";
import { openPglite } from "../../node/db/pglite";
import { loadDemoData } from "../../node/demo/load-demo";

let db: SqlDatabase;

beforeAll(async () => {
  db = await openPglite();
  await migrate(db);
}, 60_000);

afterAll(async () => {
  await db?.close();
});

async function counts() {
  const [row] = await db.query<{ movies: number; users: number; ratings: number; genres: number }>(
    `select (select count(*) from public.movies)::int as movies, (select count(*) from public.users)::int as users,
       (select count(*) from public.ratings)::int as ratings, (select count(*) from public.genres)::int as genres`,
  );
  return row;
}

describe("loadDemoData", () => {
  it("fills an empty database, then leaves a filled one alone", async () => {
    const started = performance.now();
    const first = await loadDemoData(db);
    const loadMs = Math.round(performance.now() - started);
    expect(first.loaded, `load took ${loadMs} ms`).toBe(true);
    expect(first.movies).toBeGreaterThanOrEqual(1000);
    expect(first.users).toBeGreaterThanOrEqual(300);
    expect(first.ratings).toBeGreaterThanOrEqual(30_000);
    const { loaded, ...loadedCounts } = first;
    expect(await counts()).toEqual(loadedCounts);

    const second = await loadDemoData(db);
    expect(second.loaded).toBe(false);
    expect(await counts()).toEqual(loadedCounts);
  }, 60_000);

  it("stores films with their array columns and year intact, and no overview", async () => {
    const [inception] = await db.query<Record<string, unknown>>(
      `select title, original_title, release_date::text as release_date, release_year, runtime, original_language,
         genres, cast_names, director, overview, cardinality(keywords) as keyword_count
       from public.movies where id = 27205`,
    );
    expect(inception).toEqual({
      title: "Inception",
      original_title: "Inception",
      release_date: "2010-07-14",
      release_year: 2010,
      runtime: 148,
      original_language: "en",
      genres: ["Action", "Thriller", "Science Fiction", "Mystery", "Adventure"],
      cast_names: [
        "Leonardo DiCaprio",
        "Joseph Gordon-Levitt",
        "Ellen Page",
        "Tom Hardy",
        "Ken Watanabe",
        "Cillian Murphy",
      ],
      director: "Christopher Nolan",
      overview: null,
      keyword_count: 8,
    });
  });

  it("stores every film's genres as names from the genres table", async () => {
    const [row] = await db.query<{ unknown: number }>(
      `select count(*)::int as unknown from public.movies m, unnest(m.genres) as g(name)
       where not exists (select 1 from public.genres where name = g.name)`,
    );
    expect(row?.unknown).toBe(0);
  });

  it("dates ratings as never edited and after their user joined", async () => {
    const [row] = await db.query<{ edited: number; early: number }>(
      `select count(*) filter (where r.updated_at <> r.created_at)::int as edited,
         count(*) filter (where r.created_at < u.created_at)::int as early
       from public.ratings r join public.users u on u.id = r.user_id`,
    );
    expect(row).toEqual({ edited: 0, early: 0 });
  });
});

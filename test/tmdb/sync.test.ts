import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TmdbClient } from "../../functions/lib/tmdb/client";
import { type FakeTmdb, type FakeTmdbOptions, startFakeTmdb } from "../../node/fakes/tmdb-server";
import { type SyncOptions, syncTmdb } from "../../node/jobs/tmdb-sync";
import { freshDatabase, type TestDatabase } from "../support/database";
import { catalogue, film, ID, matrixSequels } from "./fixtures";

let db: TestDatabase;
let tmdb: FakeTmdb | undefined;
const retries: string[] = [];

beforeEach(async () => {
  db = await freshDatabase();
  retries.length = 0;
});
afterEach(async () => {
  await tmdb?.close();
  tmdb = undefined;
  await db?.dispose();
});

async function fake(c = catalogue(), options: FakeTmdbOptions = {}) {
  tmdb = await startFakeTmdb(c, options);
  return tmdb;
}

function client(signal?: AbortSignal) {
  return new TmdbClient({
    baseUrl: tmdb?.url ?? "",
    token: "test-token",
    requestsPerSecond: 40,
    // 4 s: long enough that a loaded machine (CI, or two test suites on two cores) does not time out a healthy
    // request to the fake, short enough for the "timeout" fault to cost one wait.
    retry: { timeoutMs: 4000, baseDelayMs: 10, maxDelayMs: 50 },
    signal,
    onRetry: (reason, wait) => retries.push(`${reason} wait=${Math.round(wait)}`),
  });
}

const OPTIONS: SyncOptions = { concurrency: 3, maxFailureRate: 0.5, today: () => "2026-11-20" };

async function movieIds(): Promise<number[]> {
  return (await db.query<{ id: number }>("select id from public.movies order by id")).map((r) => r.id);
}

describe("marquee sync tmdb against a fake TMDB with faults", () => {
  it("loads the popular films, maps details, retries 429/500/timeout/truncated/reset, records an unusable film and a 404", async () => {
    const c = catalogue({ popularExtra: [ID.deleted] });
    const arrival = film(c, ID.arrival);
    const arrivalTitles = { title: arrival.title, original_title: arrival.original_title };
    arrival.title = null;
    arrival.original_title = " ";
    await fake(c, {
      retryAfter: "1",
      faults: {
        [`/3/movie/${ID.matrix}`]: ["429"],
        [`/3/movie/${ID.inception}`]: ["500", "500"],
        [`/3/movie/${ID.heat}`]: ["timeout"],
        [`/3/movie/${ID.gravity}`]: ["truncated", "reset"],
        "/3/movie/popular": ["truncated", "504"],
        "/3/genre/movie/list": ["truncated"],
      },
    });
    const [run] = await syncTmdb(db, client(), { mode: "initial", limit: 100 }, OPTIONS);

    expect(await movieIds(), "every listed film except the title-less one and the 404").toEqual(
      [ID.amelie, ID.heat, ID.inception, ID.matrix, ID.gravity].sort((a, b) => a - b),
    );
    expect(run, JSON.stringify(run)).toMatchObject({
      status: "succeeded",
      inserted: 5,
      failed: 1,
      skipped: 1,
      fetched: 7,
    });
    expect(
      retries.filter((r) => r.startsWith("malformed body")),
      "truncated list, genre and film bodies are retried",
    ).toHaveLength(3);
    expect(
      retries.some((r) => r.startsWith("network error")),
      "a reset connection is retried",
    ).toBe(true);
    expect(retries, "429 waits the Retry-After second").toContain("HTTP 429 wait=1000");
    expect(
      retries.filter((r) => r.startsWith("HTTP 500")),
      "two 500s retried",
    ).toHaveLength(2);
    expect(
      retries.some((r) => r.startsWith("timed out")),
      "the hanging request timed out and was retried",
    ).toBe(true);

    const [failed] = await db.query<{ status: string; detail: string }>(
      "select status, detail from public.tmdb_sync_queue where movie_id = $1",
      [ID.arrival],
    );
    expect(failed, "an unusable film is recorded, not fatal").toMatchObject({ status: "failed" });
    expect(failed.detail).toMatch(/no usable title/);

    const [matrix] = await db.query<Record<string, unknown>>(
      `select title, release_year, runtime, original_language, genres, keywords, cast_names, director, imdb_id, overview,
              poster_path, vote_count from public.movies where id = $1`,
      [ID.matrix],
    );
    expect(matrix).toEqual({
      title: "The Matrix",
      release_year: 1999,
      runtime: 136,
      original_language: "en",
      genres: ["Action", "Science Fiction"],
      keywords: ["hacker", "artificial intelligence", "simulated reality", "dystopia"],
      cast_names: ["Keanu Reeves", "Laurence Fishburne", "Carrie-Anne Moss"],
      director: "Lana Wachowski, Lilly Wachowski",
      imdb_id: "tt0133093",
      overview: film(c, ID.matrix).overview,
      poster_path: `/poster${ID.matrix}.jpg`,
      vote_count: 24000,
    });
    const genres = await db.query<{ name: string }>("select name from public.genres order by name");
    expect(genres.map((g) => g.name)).toContain("Science Fiction");

    // The next run retries the failed film (TMDB fixed its title) and leaves unchanged films untouched.
    Object.assign(arrival, arrivalTitles);
    const before = await db.query("select id, updated_at from public.movies order by id");
    const [again] = await syncTmdb(db, client(), { mode: "initial", limit: 100 }, OPTIONS);
    expect(again, JSON.stringify(again)).toMatchObject({ inserted: 1, updated: 0, unchanged: 5, failed: 0 });
    expect(await movieIds()).toContain(ID.arrival);
    const after = await db.query("select id, updated_at from public.movies where id <> $1 order by id", [ID.arrival]);
    expect(after, "idempotent: a re-sync of unchanged films writes nothing").toEqual(before);
  });

  it("walks /movie/changes in windows of at most 14 days, updates changed films, never stores adult films", async () => {
    const c = catalogue({
      changes: [
        { id: ID.matrix, date: "2026-10-25" },
        { id: ID.adult, date: "2026-11-02" },
        { id: ID.arrival, date: "2026-11-19" },
        { id: ID.deleted, date: "2026-11-19" },
      ],
    });
    await fake(c);
    await syncTmdb(db, client(), { mode: "ids", ids: [ID.matrix, ID.amelie] }, OPTIONS);
    film(c, ID.matrix).vote_count = 24_001;

    const [run] = await syncTmdb(db, client(), { mode: "changes", since: "2026-10-20" }, OPTIONS);
    expect(run, JSON.stringify(run)).toMatchObject({
      status: "succeeded",
      inserted: 1,
      updated: 1,
      skipped: 2,
      failed: 0,
    });
    expect(run.changesCursor).toBe("2026-11-20");
    expect(tmdb?.hits.get("/3/movie/changes"), "32 days need three windows").toBe(3);
    expect(await movieIds()).toEqual([ID.amelie, ID.matrix, ID.arrival]);
    const [{ vote_count }] = await db.query<{ vote_count: number }>(
      "select vote_count from public.movies where id = $1",
      [ID.matrix],
    );
    expect(vote_count).toBe(24_001);

    // Next day: starts from the stored cursor.
    const [next] = await syncTmdb(db, client(), { mode: "changes" }, { ...OPTIONS, today: () => "2026-11-21" });
    expect(next.fetched, "nothing changed on the cursor day or after it except what is listed again").toBe(0);
  });

  it("a film we hold that TMDB now flags adult is hidden, and a deleted film nobody rated is removed", async () => {
    const c = catalogue();
    await fake(c);
    await syncTmdb(db, client(), { mode: "ids", ids: [ID.heat, ID.amelie] }, OPTIONS);
    film(c, ID.heat).adult = true;
    c.movies = c.movies.filter((m) => m.id !== ID.amelie);
    await tmdb?.close();
    await fake(c);
    const [run] = await syncTmdb(db, client(), { mode: "ids", ids: [ID.heat, ID.amelie] }, OPTIONS);
    expect(run).toMatchObject({ skipped: 2, failed: 0 });
    const rows = await db.query<{ id: number; adult: boolean }>("select id, adult from public.movies order by id");
    expect(rows).toEqual([{ id: ID.heat, adult: true }]);
  });

  it("stores TMDB's belongs_to_collection, and similar films put the collection's other films first", async () => {
    const c = catalogue();
    c.movies.push(...matrixSequels(c));
    await fake(c);
    const details = async (id: number) =>
      (await (await fetch(`${tmdb?.url}/movie/${id}`, { headers: { authorization: "Bearer test-token" } })).json()) as {
        belongs_to_collection: unknown;
      };
    expect((await details(ID.heat)).belongs_to_collection, "like TMDB: null when the film has none").toBeNull();
    expect((await details(ID.matrixReloaded)).belongs_to_collection, "or the collection with its images").toEqual({
      id: 2344,
      name: "The Matrix Collection",
      poster_path: "/collection2344.jpg",
      backdrop_path: null,
    });

    await syncTmdb(db, client(), { mode: "initial", limit: 100 }, OPTIONS);
    const collections = () =>
      db.query<{ id: number; collection_id: number | null; collection_name: string | null }>(
        "select id, collection_id, collection_name from public.movies where id = any ($1::int[]) order by id",
        [[ID.matrix, ID.matrixReloaded, ID.matrixRevolutions, ID.heat]],
      );
    const matrixCollection = { collection_id: 2344, collection_name: "The Matrix Collection" };
    expect(await collections()).toEqual([
      { id: ID.matrix, ...matrixCollection },
      { id: ID.matrixReloaded, ...matrixCollection },
      { id: ID.matrixRevolutions, ...matrixCollection },
      { id: ID.heat, collection_id: null, collection_name: null },
    ]);
    const similar = async () =>
      (await db.rpc("get_similar_movies", { p_movie_id: ID.matrix, p_limit: 5 })).map((r) => ({
        id: r.movie?.id,
        series: r.same_series,
        collection: r.collection_name,
      }));
    const top = await similar();
    expect(top.slice(0, 2), JSON.stringify(top)).toEqual([
      { id: ID.matrixReloaded, series: "collection", collection: "The Matrix Collection" },
      { id: ID.matrixRevolutions, series: "collection", collection: "The Matrix Collection" },
    ]);

    // TMDB takes a film out of the collection: the next sync clears it, and the film is kin by its title alone.
    film(c, ID.matrixRevolutions).belongs_to_collection = null;
    await syncTmdb(db, client(), { mode: "ids", ids: [ID.matrixRevolutions] }, OPTIONS);
    expect((await collections())[2]).toEqual({ id: ID.matrixRevolutions, collection_id: null, collection_name: null });
    // Without the collection it is a candidate through the people it shares (the nightly view of film features).
    await db.exec("refresh materialized view public.movie_features");
    expect(
      (await similar()).find((r) => r.id === ID.matrixRevolutions),
      "same title words and directors: still the same series",
    ).toEqual({ id: ID.matrixRevolutions, series: "title", collection: null });
  });

  it("a run aborted midway is resumed by the next one: nothing lost, nothing twice", async () => {
    const controller = new AbortController();
    let details = 0;
    const c = catalogue();
    await fake(c, {
      onRequest: (path) => {
        if (path.startsWith("/3/movie/") && /\d$/.test(path) && ++details === 3) controller.abort(new Error("killed"));
      },
    });
    await expect(
      syncTmdb(
        db,
        client(controller.signal),
        { mode: "initial", limit: 100 },
        { ...OPTIONS, concurrency: 1, signal: controller.signal },
      ),
    ).rejects.toThrow();
    const partial = await movieIds();
    expect(partial.length, `stopped midway: ${partial}`).toBeLessThan(6);
    const [{ running }] = await db.query<{ running: number }>(
      "select count(*)::int as running from public.tmdb_sync_runs where status = 'running'",
    );
    expect(running).toBe(1);

    const other = await syncTmdb(db, client(), { mode: "ids", ids: [ID.matrix] }, OPTIONS);
    expect(other, "another mode leaves the unfinished initial run alone").toMatchObject([
      { mode: "ids", resumed: false, status: "succeeded" },
    ]);
    const summaries = await syncTmdb(db, client(), { mode: "initial", limit: 100 }, OPTIONS);
    expect(summaries, "the resumed initial run is the whole job: no second full sync").toHaveLength(1);
    expect(summaries[0], JSON.stringify(summaries[0])).toMatchObject({
      resumed: true,
      status: "succeeded",
      failed: 0,
    });
    expect(
      summaries[0].inserted + summaries[0].unchanged,
      "the run's six films, each counted once (the ids run wrote The Matrix meanwhile)",
    ).toBe(6);
    expect(await movieIds()).toEqual(
      [ID.amelie, ID.heat, ID.gravity, ID.inception, ID.matrix, ID.arrival].sort((a, b) => a - b),
    );
    for (const m of c.movies.filter((f) => !f.adult)) {
      const hits = tmdb?.hits.get(`/3/movie/${m.id}`) ?? 0;
      // Each film once, plus the one in flight when the first run died, plus the ids run's Matrix.
      expect(hits, `film ${m.id} fetched ${hits} times`).toBeLessThanOrEqual(m.id === ID.matrix ? 3 : 2);
    }
    expect(tmdb?.hits.get("/3/movie/popular"), "listing is not repeated after it finished").toBe(1);
  });
});

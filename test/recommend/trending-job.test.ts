/**
 * `marquee jobs trending`: the short-cadence refresh of movie_trending_stats. Trending reads the view, so ratings
 * that arrive after a refresh trend only once the job runs again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatTrendingSummary, refreshTrending } from "../../node/jobs/trending";
import { freshDatabase, type TestDatabase } from "../support/database";
import { FILMS, insertUser, loadTasteWorld } from "./fixture";

let db: TestDatabase;
const users: string[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  await loadTasteWorld(db);
  for (let k = 0; k < 8; k++) users.push(await insertUser(db, `viewer${k}`));
});
afterAll(async () => {
  await db?.dispose();
});

/** Every viewer rates the film `stars`, `daysAgo` days ago. */
async function rateAll(movieId: number, stars: number, daysAgo: number) {
  for (const u of users) {
    await db.query(
      `insert into public.ratings (user_id, movie_id, rating, created_at, updated_at)
       values ($1, $2, $3, now() - make_interval(days => $4), now() - make_interval(days => $4))`,
      [u, movieId, stars, daysAgo],
    );
  }
}

const trendingIds = async (days: number) =>
  (await db.rpc("get_popular_movies", { p_window_days: days, p_limit: 20 })).map((r) => r.movie?.id);

describe("marquee jobs trending", () => {
  it("counts each window's ratings as the ratings table holds them", async () => {
    await rateAll(FILMS.paddington.id, 5, 2);
    await rateAll(FILMS.alien.id, 4.5, 20);
    await rateAll(FILMS.bladeRunner.id, 4, 200);
    await rateAll(FILMS.notebook.id, 1, 1);
    const summary = await refreshTrending(db);
    const live = await db.query<{ days: number; films: number; ratings: number }>(
      `select w.days, count(distinct r.movie_id)::int as films, count(r.movie_id)::int as ratings
       from (values (7), (30), (365)) w(days)
       left join public.ratings r on r.created_at >= now() - make_interval(days => w.days)
       group by w.days order by w.days`,
    );
    expect(summary.windows, formatTrendingSummary(summary)).toEqual(live);
    expect(
      summary.windows.map((w) => w.films),
      "older ratings fall out of the shorter windows",
    ).toEqual([2, 3, 4]);
  });

  it("trending serves the refreshed view: a new favourite trends after the next run, not before", async () => {
    const before = await trendingIds(7);
    expect(before, "this week's 5-star film trends; the 1-star one never does").toEqual([FILMS.paddington.id]);

    await rateAll(FILMS.titanic.id, 5, 0);
    expect(await trendingIds(7), "served from the view as of the last refresh").toEqual(before);

    const again = await refreshTrending(db);
    expect(again.windows[0], formatTrendingSummary(again)).toMatchObject({ days: 7, films: 3 });
    expect((await trendingIds(7)).sort()).toEqual([FILMS.paddington.id, FILMS.titanic.id].sort());
  });

  it("popular reads the scored lists in score order, with the scores and order of scoring every film from the ratings", async () => {
    await db.exec("refresh materialized view public.movie_rating_stats");
    await refreshTrending(db);
    const ratings = await db.query<{ movie_id: number; rating: number; days: number }>(
      "select movie_id, rating::float8 as rating, extract(epoch from now() - created_at)::float8 / 86400 as days from public.ratings",
    );
    const prior = ratings.reduce((sum, r) => sum + r.rating, 0) / ratings.length;
    const expected = (windowDays: number | null) => {
      const byFilm = new Map<number, number[]>();
      for (const r of ratings) {
        if (windowDays !== null && r.days > windowDays) continue;
        byFilm.set(r.movie_id, [...(byFilm.get(r.movie_id) ?? []), r.rating]);
      }
      return [...byFilm]
        .map(([id, rs]) => ({
          id,
          n: rs.length,
          score: (rs.reduce((a, b) => a + b, 0) + 25 * prior) / (rs.length + 25),
        }))
        .filter((f) => f.n >= 5 && (windowDays === null || f.score >= prior))
        .sort((a, b) => b.score - a.score || b.n - a.n || a.id - b.id);
    };
    for (const [windowDays, limit] of [
      [null, 20],
      [null, 2],
      [7, 20],
      [30, 20],
      [30, 1],
      [365, 20],
      [365, 2],
    ] as const) {
      // A limit below the list's length checks that the stored order, not a final sort, picks the best films.
      const served = await db.rpc("get_popular_movies", { p_window_days: windowDays ?? undefined, p_limit: limit });
      const want = expected(windowDays).slice(0, limit);
      expect(served.length, `window ${windowDays}`).toBeGreaterThan(0);
      expect(
        served.map((r) => r.movie?.id),
        `window ${windowDays}`,
      ).toEqual(want.map((f) => f.id));
      for (const [k, r] of served.entries()) expect(Number(r.score)).toBeCloseTo(want[k].score, 4);
    }
    const stored = await db.query<{ n: number }>(
      "select count(*)::int as n from public.movie_popularity where window_days = 0",
    );
    expect(stored[0].n, "the all-time list is stored, one row per rated film").toBe(
      new Set(ratings.map((r) => r.movie_id)).size,
    );
  });

  it("popular serves the cards stored at the refresh, but a film flagged adult since is gone at once", async () => {
    await db.exec("refresh materialized view public.movie_rating_stats");
    await refreshTrending(db);
    const cards = async () => (await db.rpc("get_popular_movies", { p_limit: 20 })).map((r) => r.movie);
    const served = await cards();
    const live = await db.query<{ id: number; title: string; genres: string[] }>(
      "select id, title, genres from public.movies where id = any($1::int[])",
      [served.map((m) => m?.id)],
    );
    for (const m of served) {
      const row = live.find((l) => l.id === m?.id);
      expect(m, "the stored card is the film's card as of the refresh").toMatchObject({
        kind: "movie",
        title: row?.title,
        genres: row?.genres,
      });
    }
    const [top] = served;
    try {
      await db.query("update public.movies set adult = true where id = $1", [top?.id]);
      expect(
        (await cards()).map((m) => m?.id),
        "no refresh needed to drop it",
      ).not.toContain(top?.id);
      await db.query("update public.movies set title = 'Renamed' where id = $1", [served[1]?.id]);
      expect((await cards()).find((m) => m?.id === served[1]?.id)?.title, "served as of the refresh").toBe(
        served[1]?.title,
      );
      await refreshTrending(db);
      expect((await cards()).find((m) => m?.id === served[1]?.id)?.title, "the next refresh brings it").toBe("Renamed");
    } finally {
      await db.query("update public.movies set adult = false where id = $1", [top?.id]);
      await db.query("update public.movies set title = $2 where id = $1", [served[1]?.id, served[1]?.title]);
    }
  });
});

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
});

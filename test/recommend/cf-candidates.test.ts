/**
 * Nightly user-CF votes (user_cf_candidates): recommend_user_cf serves the stored sums instead of aggregating the
 * neighbours' ratings. The rule guarded: with the same nightly neighbours, the stored answer equals the live
 * aggregate (films, order, score, predicted stars, evidence), also after the user rates, hides or changes ratings
 * since the run; and a stored list too short for the request gives way to the live aggregate.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNightly } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { loadTasteWorldWithMe, rate } from "./fixture";

let db: TestDatabase;
let me: string;

interface Row {
  movie_id: number;
  score: number;
  predicted_rating: number;
  neighbour_count: number;
  mean_correlation: number;
  neighbour_mean: number;
}

const cf = (user: string, limit = 50) =>
  db.query<Row>(
    `select movie_id, score::float8 as score, predicted_rating::float8 as predicted_rating, neighbour_count,
            mean_correlation::float8 as mean_correlation, neighbour_mean::float8 as neighbour_mean
     from public.recommend_user_cf($1::uuid, p_limit => $2)`,
    [user, limit],
  );

/** The live aggregate over the same nightly neighbours: the call with the user's stored votes set aside. */
async function live(user: string, limit = 50): Promise<Row[]> {
  await db.query("create temp table if not exists held as select * from public.user_cf_candidates limit 0");
  await db.query("insert into held select * from public.user_cf_candidates where user_id = $1", [user]);
  await db.query("delete from public.user_cf_candidates where user_id = $1", [user]);
  try {
    return await cf(user, limit);
  } finally {
    await db.query("insert into public.user_cf_candidates select * from held where user_id = $1", [user]);
    await db.query("delete from held");
  }
}

async function expectSameAsLive(user: string, what: string, limit = 50) {
  const [stored] = await db.query<{ n: number }>(
    "select count(*)::int as n from public.user_cf_candidates where user_id = $1",
    [user],
  );
  expect(stored.n, "the user has a stored row").toBe(1);
  const served = await cf(user, limit);
  const expected = await live(user, limit);
  expect(expected.length, `${what}: the live answer is not empty`).toBeGreaterThan(0);
  expect(
    served.map((r) => r.movie_id),
    `${what}: the same films in the same order`,
  ).toEqual(expected.map((r) => r.movie_id));
  served.forEach((r, k) => {
    const e = expected[k];
    expect(r.score, `${what}: score of ${r.movie_id}`).toBeCloseTo(e.score, 5);
    expect(r.predicted_rating, `${what}: stars of ${r.movie_id}`).toBeCloseTo(e.predicted_rating, 4);
    expect(r.neighbour_count, `${what}: neighbours of ${r.movie_id}`).toBe(e.neighbour_count);
    expect(r.mean_correlation).toBeCloseTo(e.mean_correlation, 5);
    expect(r.neighbour_mean).toBeCloseTo(e.neighbour_mean, 5);
  });
  return served;
}

beforeAll(async () => {
  db = await freshDatabase();
  me = await loadTasteWorldWithMe(db);
  await runNightly(db);
});
afterAll(async () => {
  await db?.dispose();
});

describe("recommend_user_cf from the nightly votes", () => {
  it("equals the live aggregate for every user the nightly job gave neighbours", async () => {
    const users = await db.query<{ user_id: string }>("select user_id from public.user_cf_candidates order by user_id");
    expect(users.length).toBeGreaterThan(5);
    for (const { user_id } of users) await expectSameAsLive(user_id, `user ${user_id}`);
  });

  it("drops what the user rated or hid since the run, and reads their mean live", async () => {
    const before = await expectSameAsLive(me, "at the run");
    const [first, second] = before;
    await db.query("insert into public.ratings (user_id, movie_id, rating) values ($1, $2, 1)", [me, first.movie_id]);
    await db.query("insert into public.interactions (user_id, movie_id, type) values ($1, $2, 'hide')", [
      me,
      second.movie_id,
    ]);
    await rate(db, me, [["alien", 0.5]]);
    const after = await expectSameAsLive(me, "after a rating, a hide and a changed rating");
    expect(after.map((r) => r.movie_id)).not.toContain(first.movie_id);
    expect(after.map((r) => r.movie_id)).not.toContain(second.movie_id);
    const film = after[0].movie_id;
    const then = before.find((r) => r.movie_id === film);
    expect(then, "a film served before and after").toBeDefined();
    expect(after[0].predicted_rating, "the user's mean moved, and the stars with it").not.toBeCloseTo(
      Number(then?.predicted_rating),
      6,
    );
  });

  it("gives way to the live aggregate when the stored films run short of the request", async () => {
    const [widest] = await db.query<{ user_id: string; n: number }>(
      "select user_id, cardinality(movie_ids) as n from public.user_cf_candidates order by 2 desc, 1 limit 1",
    );
    expect(widest.n, "a user with a few candidates").toBeGreaterThanOrEqual(3);
    await runNightly(db, { candidateDepth: 2 });
    const [row] = await db.query<{ n: number; complete: boolean }>(
      "select cardinality(movie_ids) as n, complete from public.user_cf_candidates where user_id = $1",
      [widest.user_id],
    );
    expect(row).toEqual({ n: 2, complete: false });
    const served = await cf(widest.user_id, widest.n);
    const expected = await live(widest.user_id, widest.n);
    expect(served.length).toBe(widest.n);
    expect(served.map((r) => r.movie_id)).toEqual(expected.map((r) => r.movie_id));
    // Two are enough for a request of two: the stored path serves it, and agrees.
    await expectSameAsLive(widest.user_id, "a request the stored films cover", 2);
  });
});

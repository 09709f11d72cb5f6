/**
 * The hybrid's "will they like it" factor: with a like centre, each candidate's blended score is multiplied by
 * σ(slope · (r̂ − centre)), r̂ the rating model's stars. The taste world (fixture.ts) gives "me" a ranked list; the
 * rating model's rows are then set by hand so that the prediction for each candidate is known exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNightly } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { loadTasteWorldWithMe } from "./fixture";

let db: TestDatabase;
let me: string;

interface Row {
  movie_id: number;
  score: number;
  model_rating: number | null;
}

async function hybrid(likeCenter: number | null): Promise<Row[]> {
  return db.query<Row>(
    `select movie_id, (recommendation).score::float8 as score, model_rating::float8 as model_rating
     from public.recommend_hybrid($1::uuid, p_limit => 20, p_like_center => $2::real)`,
    [me, likeCenter],
  );
}

beforeAll(async () => {
  db = await freshDatabase();
  me = await loadTasteWorldWithMe(db);
  await runNightly(db);
});
afterAll(async () => {
  await db?.dispose();
});

describe("recommend_hybrid's like factor", () => {
  it("is off without a centre: the sources' order, with the model's stars reported for every candidate", async () => {
    const rows = await hybrid(null);
    expect(rows.length).toBeGreaterThan(2);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1].score).toBeGreaterThanOrEqual(rows[i].score);
    for (const r of rows) expect(r.model_rating, `film ${r.movie_id}`).not.toBeNull();
  });

  it("multiplies each positive score by σ(2·(r̂ − centre)), so a likely-loved film overtakes a likelier watch", async () => {
    const before = await hybrid(null);
    const [first, second] = before;
    // The model now says: my first film would get 1.5 stars, my second 5 (μ = 3, my bias 0, no factors).
    await db.query("update public.rating_model set global_mean = 3, factors = 0");
    await db.query("update public.rating_model_users set bias = 0, factors = '{}' where user_id = $1", [me]);
    await db.query("update public.rating_model_films set bias = 0, factors = '{}'");
    await db.query("update public.rating_model_films set bias = -1.5 where movie_id = $1", [first.movie_id]);
    await db.query("update public.rating_model_films set bias = 2 where movie_id = $1", [second.movie_id]);

    const off = await hybrid(null);
    expect(
      off.map((r) => r.movie_id),
      "the order does not depend on the model when off",
    ).toEqual(before.map((r) => r.movie_id));
    expect(off.find((r) => r.movie_id === first.movie_id)?.model_rating).toBeCloseTo(1.5, 5);
    expect(off.find((r) => r.movie_id === second.movie_id)?.model_rating).toBeCloseTo(5, 5);

    const on = await hybrid(3.5);
    const at = (id: number) => on.findIndex((r) => r.movie_id === id);
    expect(at(second.movie_id), "the 5-star prediction leads").toBe(0);
    expect(at(first.movie_id), "the 1.5-star prediction falls behind").toBeGreaterThan(1);
    const sigma = (stars: number) => 1 / (1 + Math.exp(-2 * (stars - 3.5)));
    expect(on[0].score).toBeCloseTo(second.score * sigma(5), 4);
    const firstOn = on.find((r) => r.movie_id === first.movie_id);
    expect(firstOn?.score).toBeCloseTo(first.score * sigma(1.5), 4);
  });

  it("is the fifth blend weight of get_recommendations, validated like the others", async () => {
    const served = await db.rpc("get_recommendations_live", {
      p_user_id: me,
      p_limit: 5,
      p_weights: [0.5, 0.3, 0.2, 0.7, 3.5],
    });
    const direct = await db.query<{ movie_id: number }>(
      `select movie_id from public.recommend_hybrid($1::uuid, p_limit => 5, p_w_collaborative => 0.5,
         p_w_content => 0.3, p_w_popular => 0.2, p_item_share => 0.7, p_like_center => 3.5)`,
      [me],
    );
    expect(served.map((r) => r.movie?.id)).toEqual(direct.map((r) => r.movie_id));
    await expect(
      db.rpc("get_recommendations_live", { p_user_id: me, p_limit: 5, p_weights: [0.5, 0.3, 0.2, 0.7, 0.5] }),
      "a centre below one star is no centre",
    ).rejects.toMatchObject({ code: "22023" });
    await expect(
      db.query(
        "insert into public.recommendation_blend (weights, metric, validation, candidates) values ($1, 'x', '{}', '[]')",
        [[0.5, 0.3, 0.2, 0.7, 6]],
      ),
      "the stored blend is checked too",
    ).rejects.toThrow(/recommendation_blend_weights_check/);
  });
});

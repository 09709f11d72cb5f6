/**
 * The rating model (biased MF) behind predict_ratings: fitted nightly, used for films and users it knows, with a
 * live user bias for a user it has not seen, and CF for films it has not seen.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fitRatingModel } from "../../functions/lib/recommend/rating-model";
import { runNightly } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { FILMS, insertUser, loadTasteWorldWithMe, rate } from "./fixture";

describe("fitRatingModel", () => {
  // Two tastes over four films: users 0-99 love films 0 and 1 and dislike 2 and 3; users 100-199 the opposite.
  // Each user leaves one film of their taste unrated ("near"), which the model must predict high.
  const user: number[] = [];
  const film: number[] = [];
  const rating: number[] = [];
  for (let u = 0; u < 200; u++) {
    const loves = u < 100 ? [0, 1] : [2, 3];
    for (let f = 0; f < 4; f++) {
      if (f === loves[u % 2]) continue;
      user.push(u);
      film.push(f);
      rating.push(loves.includes(f) ? 5 : 1);
    }
  }
  const data = {
    user: Int32Array.from(user),
    film: Int32Array.from(film),
    rating: Float32Array.from(rating),
    users: 200,
    films: 4,
  };

  it("predicts a user's unrated film of their taste ('near') far above one of the other taste ('far')", () => {
    const m = fitRatingModel(data, { factors: 4, seed: 3, learningRate: 0.05, maxEpochs: 200 });
    const predict = (u: number, f: number) => {
      let s = m.mean + m.userBias[u] + m.filmBias[f];
      for (let k = 0; k < m.factors; k++) s += m.userFactors[u * m.factors + k] * m.filmFactors[f * m.factors + k];
      return s;
    };
    // User 0 loves 0 and 1 and left film 0 unrated; user 100 loves 2 and 3 and left film 2 unrated.
    expect(predict(0, 0), "user 0, near film 0").toBeGreaterThan(3.5);
    expect(predict(100, 2), "user 100, near film 2").toBeGreaterThan(3.5);
    expect(predict(100, 0), "user 100, far film 0").toBeLessThan(2.5);
    expect(m.validationRmse, "chosen on a validation split").toBeLessThan(m.baselineRmse + 1e-9);
  });

  it("is deterministic for a seed", () => {
    const a = fitRatingModel(data, { factors: 4, seed: 5 });
    const b = fitRatingModel(data, { factors: 4, seed: 5 });
    expect(Array.from(a.filmFactors)).toEqual(Array.from(b.filmFactors));
  });
});

describe("predict_ratings with the rating model", () => {
  let db: TestDatabase;
  let me: string;
  let late: string;

  beforeAll(async () => {
    db = await freshDatabase();
    me = await loadTasteWorldWithMe(db);
    await runNightly(db);
    late = await insertUser(db, "late");
    await rate(db, late, [
      ["alien", 5],
      ["aliens", 5],
    ]);
  });
  afterAll(async () => {
    await db?.dispose();
  });

  const predict = async (user: string, ids: number[]) =>
    new Map(
      (
        await db.rpc("predict_ratings", {
          p_user_id: user,
          p_movie_ids: ids,
        })
      ).map((r) => [Number(r.movie_id), { method: r.method, stars: Number(r.predicted_rating) }]),
    );

  it("predicts from the model for a user and film it fitted: the near film above the far one", async () => {
    const p = await predict(me, [FILMS.prometheus.id, FILMS.loveActually.id]);
    expect(p.get(FILMS.prometheus.id)?.method, JSON.stringify([...p])).toBe("model");
    expect(p.get(FILMS.prometheus.id)?.stars ?? 0, "near: Prometheus").toBeGreaterThan(
      p.get(FILMS.loveActually.id)?.stars ?? 5,
    );
    const [model] = await db.query<{ factors: number; epochs: number }>(
      "select factors, epochs from public.rating_model",
    );
    expect(model?.epochs, "the nightly job stored the model").toBeGreaterThan(0);
  });

  it("uses a live user bias for a user who rated after the run, and CF for a film the model never saw", async () => {
    const p = await predict(late, [FILMS.prometheus.id, 424242]);
    expect(p.get(FILMS.prometheus.id)?.method).toBe("model_baseline");
    expect(p.get(FILMS.prometheus.id)?.stars ?? 0, "two 5-star ratings move the prediction up").toBeGreaterThan(
      (await predict(await insertUser(db, "nobody"), [FILMS.prometheus.id])).get(FILMS.prometheus.id)?.stars ?? 5,
    );
    expect(p.get(424242)?.method, "a film the model never saw takes the CF chain").toBe("user_mean");
  });
});

/**
 * predict_ratings on the taste world (fixture.ts) with the nightly rating model switched off: user mean + film
 * bias + Pearson neighbours, with the fallbacks a user without neighbours or ratings gets (the path every film
 * the rating model has not seen takes; rating-model.test.ts covers the model).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNightly } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { FILMS, insertUser, loadTasteWorldWithMe, ME_RATINGS } from "./fixture";

let db: TestDatabase;
let me: string;
let newcomer: string;
const myMean = ME_RATINGS.reduce((sum, [, stars]) => sum + stars, 0) / ME_RATINGS.length;

interface Prediction {
  movie_id: number;
  predicted_rating: number;
  neighbour_count: number;
  method: string;
}

async function predict(user: string, ids: number[]): Promise<Map<number, Prediction>> {
  const rows = await db.rpc("predict_ratings", { p_user_id: user, p_movie_ids: ids });
  return new Map(
    rows.map((r) => [
      Number(r.movie_id),
      {
        movie_id: Number(r.movie_id),
        predicted_rating: Number(r.predicted_rating),
        neighbour_count: Number(r.neighbour_count),
        method: String(r.method),
      },
    ]),
  );
}

beforeAll(async () => {
  db = await freshDatabase();
  me = await loadTasteWorldWithMe(db);
  newcomer = await insertUser(db, "newcomer");
  await runNightly(db, { ratingModel: false });
});
afterAll(async () => {
  await db?.dispose();
});

describe("predict_ratings", () => {
  it("predicts the film my neighbours loved from them, well above my mean", async () => {
    const p = (await predict(me, [FILMS.prometheus.id])).get(FILMS.prometheus.id);
    expect(p, JSON.stringify(p)).toMatchObject({ method: "neighbours", neighbour_count: 4 });
    expect(p?.predicted_rating).toBeGreaterThan(myMean + 0.3);
  });

  it("predicts a film no neighbour rated from my mean moved by the film's bias", async () => {
    // Titanic: only the romance fans rated it, each above their own mean, so its bias is positive; Paddington's
    // raters all rated it below their means, so it is predicted below my mean even from my neighbours.
    const p = await predict(me, [FILMS.titanic.id, FILMS.paddington.id]);
    const titanic = p.get(FILMS.titanic.id);
    expect(titanic, JSON.stringify(titanic)).toMatchObject({ method: "user_mean", neighbour_count: 0 });
    expect(titanic?.predicted_rating, "a well-liked film is predicted above my mean").toBeGreaterThan(myMean);
    expect(titanic?.predicted_rating, "the bias is shrunk: four ratings move it less than a point").toBeLessThan(
      myMean + 1,
    );
    expect(p.get(FILMS.paddington.id)?.predicted_rating).toBeLessThan(myMean);
  });

  it("falls back to the film's mean for a user with no ratings, and to the global mean for an unrated film", async () => {
    const p = await predict(newcomer, [FILMS.titanic.id, 424242]);
    expect(p.get(FILMS.titanic.id), JSON.stringify([...p.values()])).toMatchObject({ method: "film_mean" });
    expect(p.get(FILMS.titanic.id)?.predicted_rating).toBeCloseTo((5 + 5 + 4.5 + 5) / 4, 2);
    expect(p.get(424242)?.method).toBe("global_mean");
  });
});

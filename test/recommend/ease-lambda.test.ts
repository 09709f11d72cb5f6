/**
 * EASE's λ fitted on a validation split (`marquee tune`): the fit keeps the λ that scored best on the held-out
 * ratings (ties to the smaller), and the nightly job trains with the newest fitted λ unless told otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fitEaseLambda } from "../../node/eval/tune";
import { runNightly } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { loadTasteWorldWithMe } from "./fixture";

describe("fitEaseLambda", () => {
  // Two taste clusters of 12 users over films 1-6 and 11-16; each user holds one film of their cluster out.
  const train: { u: string; m: number }[] = [];
  const relevant = new Map<string, Set<number>>();
  for (let c = 0; c < 2; c++)
    for (let k = 0; k < 12; k++) {
      const u = `u${c}-${k}`;
      const films = [1, 2, 3, 4, 5, 6].map((f) => f + c * 10);
      const held = films[k % 6];
      for (const f of films) if (f !== held) train.push({ u, m: f });
      // A film of the other cluster too, so the clusters are not disjoint.
      train.push({ u, m: 21 + (k % 3) });
      relevant.set(u, new Set([held]));
    }
  const users = [...relevant.keys()];

  it("tries every λ and keeps the one with the best validation NDCG", () => {
    const fit = fitEaseLambda(train, users, relevant, { k: 3, films: 100, lambdas: [0.5, 5, 50, 500] });
    expect(fit.tried.map((t) => t.lambda)).toEqual([0.5, 5, 50, 500]);
    for (const t of fit.tried) expect(t.ndcg).toBeGreaterThan(0);
    const best = Math.max(...fit.tried.map((t) => t.ndcg));
    expect(fit.tried.find((t) => t.lambda === fit.lambda)?.ndcg).toBe(best);
    expect(fit.films).toBe(15);
  });

  it("breaks a tie towards the smaller λ", () => {
    const fit = fitEaseLambda(train, users, relevant, { k: 3, films: 100, lambdas: [500, 500.0001] });
    expect(fit.tried[0].ndcg).toBeCloseTo(fit.tried[1].ndcg, 9);
    expect(fit.lambda).toBe(500);
  });
});

describe("the nightly job's λ", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
    await loadTasteWorldWithMe(db);
  });
  afterAll(async () => {
    await db?.dispose();
  });
  const fit = (lambda: number | null) =>
    db.query(
      `insert into public.recommendation_blend (weights, metric, validation, candidates, ease_lambda)
       values ('{0.5,0.3,0.2,0.7}', 'ndcg@10', '{}', '[]', $1)`,
      [lambda],
    );

  it("is 250 with no fit, the newest fitted λ after one, and the option when given", async () => {
    expect((await runNightly(db)).model.lambda).toBe(250);
    await fit(120);
    await fit(null);
    expect((await runNightly(db)).model.lambda, "the newest fit that has a λ").toBe(120);
    expect((await runNightly(db, { easeLambda: 40 })).model.lambda).toBe(40);
  });

  it("refuses a λ that is not positive", async () => {
    await expect(fit(0)).rejects.toThrow(/check/);
  });
});

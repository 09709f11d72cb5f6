/**
 * EASE's λ fitted on a validation split (`marquee tune`): the fit keeps the λ that scored best on the held-out
 * ratings (ties to the smaller), and the nightly job trains with the newest fitted λ unless told otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseLambda, fitEaseLambda } from "../../node/eval/tune";
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

  it("tries every λ, the incumbent too, and keeps the incumbent unless another is clearly better", () => {
    const fit = fitEaseLambda(train, users, relevant, { k: 3, films: 100, lambdas: [0.5, 5, 50], incumbent: 500 });
    expect(fit.tried.map((t) => t.lambda)).toEqual([0.5, 5, 50, 500]);
    for (const t of fit.tried) expect(t.ndcg).toBeGreaterThan(0);
    expect(fit.films).toBe(15);
    const incumbent = fit.tried.find((t) => t.lambda === 500)?.ndcg ?? 0;
    if (fit.lambda === 500) expect(fit.margin).toBe(0);
    else {
      expect(fit.margin).toBeGreaterThan(2);
      expect(fit.tried.find((t) => t.lambda === fit.lambda)?.ndcg).toBeGreaterThan(incumbent);
    }
  });
});

describe("chooseLambda", () => {
  const users = 60;
  const noise = (k: number) => ((k * 7919) % 13) / 13 - 0.5;
  const base = Array.from({ length: users }, (_, k) => 0.3 + 0.2 * noise(k));

  it("takes a λ that is better for user after user", () => {
    const better = base.map((x) => x + 0.05);
    const slightly = base.map((x, k) => x + 0.01 + 0.002 * noise(k));
    const got = chooseLambda(
      new Map([
        [250, base],
        [100, slightly],
        [500, better],
      ]),
      250,
    );
    expect(got.lambda, "the best of those clearly better").toBe(500);
    expect(got.margin).toBeGreaterThan(2);
  });

  it("keeps the incumbent against a winner by noise", () => {
    // Better on average by 0.002, but up for half the users and down for the other half.
    const coin = base.map((x, k) => x + (k % 2 === 0 ? 0.1 : -0.096));
    expect(
      chooseLambda(
        new Map([
          [250, base],
          [100, coin],
        ]),
        250,
      ),
    ).toEqual({ lambda: 250, margin: 0 });
  });

  it("needs the incumbent among the λ tried", () => {
    expect(() => chooseLambda(new Map([[100, base]]), 250)).toThrow(/incumbent/);
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
  const storeFit = (lambda: number | null) =>
    db.query(
      `insert into public.recommendation_blend (weights, metric, validation, candidates, ease_lambda)
       values ('{0.5,0.3,0.2,0.7}', 'ndcg@10', '{}', '[]', $1)`,
      [lambda],
    );

  it("is 250 with no fit, the newest fitted λ after one, and the option when given", async () => {
    expect((await runNightly(db)).model.lambda).toBe(250);
    await storeFit(120);
    await storeFit(null);
    expect((await runNightly(db)).model.lambda, "the newest fit that has a λ").toBe(120);
    expect((await runNightly(db, { easeLambda: 40 })).model.lambda).toBe(40);
  });

  it("refuses a λ that is not positive", async () => {
    await expect(storeFit(0)).rejects.toThrow(/check/);
  });
});

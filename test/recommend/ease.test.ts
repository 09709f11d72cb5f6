import { describe, expect, it } from "vitest";
import { easeNeighbours, easeWeights, invertSpd, selectEaseFilms } from "../../functions/lib/recommend/ease";
import { buildBaselines, popularityPercentiles } from "../../node/eval/baselines";

/** A·X for row-major n×n matrices. */
function multiply(a: Float64Array, x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k] * x[k * n + j];
  return out;
}

describe("invertSpd", () => {
  it("inverts a symmetric positive definite matrix (A·A⁻¹ = I)", () => {
    const n = 7;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        const v = i === j ? n + i : ((i * 31 + j * 17) % 5) / 5;
        a[i * n + j] = v;
        a[j * n + i] = v;
      }
    const inverse = invertSpd(a.slice(), n);
    const product = multiply(a, inverse, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) expect(product[i * n + j], `(A·A⁻¹)[${i}][${j}]`).toBeCloseTo(i === j ? 1 : 0, 10);
  });

  it("refuses a matrix that is not positive definite", () => {
    expect(() => invertSpd(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
  });
});

// Films 0..3. "near": 0 and 1 are watched together by everyone who watched either; "far": 3 is watched only by
// users who watched neither 0 nor 1.
const USERS = [[0, 1], [0, 1], [0, 1, 2], [1, 2], [3], [3, 2]];
const input = (() => {
  const offsets = new Int32Array(USERS.length + 1);
  USERS.forEach((u, k) => {
    offsets[k + 1] = offsets[k] + u.length;
  });
  return { offsets, films: Int32Array.from(USERS.flat()), n: 4 };
})();

describe("EASE weights", () => {
  it("weighs a co-watched film ('near') above one never watched with it ('far'), and never a film itself", () => {
    const b = easeWeights(input, 0.5);
    const w = (i: number, j: number) => b[i * 4 + j];
    for (let i = 0; i < 4; i++) expect(w(i, i), `B[${i}][${i}]`).toBe(0);
    expect(w(0, 1), "near: 0 -> 1").toBeGreaterThan(0);
    expect(w(0, 1), "near beats far").toBeGreaterThan(w(0, 3));
    expect(w(3, 1), "far: nobody watched 3 and 1, and 3's only link to 1 runs through 2").toBeLessThan(w(2, 1));
  });

  it("matches the closed form on a 2-film example: B_01 = G_01 / (G_11 + λ)", () => {
    // Two users both watched films 0 and 1; one more watched only 1. G = [[2, 2], [2, 3]].
    const two = { offsets: Int32Array.from([0, 2, 4, 5]), films: Int32Array.from([0, 1, 0, 1, 1]), n: 2 };
    const lambda = 1;
    const b = easeWeights(two, lambda);
    // P = (G + λI)⁻¹; B_01 = -P_01 / P_11 = G_01 / (G_00 + λ) by the 2×2 inverse.
    expect(b[1], "B_01").toBeCloseTo(2 / (2 + lambda), 12);
    expect(b[2], "B_10").toBeCloseTo(2 / (3 + lambda), 12);
  });

  it("prunes to the k largest weights per film and models only the most-watched films", () => {
    const user = Int32Array.from(USERS.flatMap((films, u) => films.map(() => u)));
    const film = Int32Array.from(USERS.flat());
    const model = easeNeighbours(USERS.length, 4, user, film, { films: 3, lambda: 0.5, k: 1, minUsers: 1 });
    expect([...model.filmOf], "the three most-watched films: 1 (4 users), 0 and 2 (3 each)").toEqual([1, 0, 2]);
    const rowOf0 = model.filmOf.indexOf(0);
    const kept = [...model.neighbour.subarray(model.offsets[rowOf0], model.offsets[rowOf0 + 1])];
    expect(kept, "film 0 keeps one neighbour, film 1").toEqual([1]);
    expect(model.support[model.offsets[rowOf0]], "3 users watched both 0 and 1").toBe(3);
  });

  it("keeps the k weights largest in magnitude, negative ones included, stored most positive first", () => {
    const user = Int32Array.from(USERS.flatMap((films, u) => films.map(() => u)));
    const film = Int32Array.from(USERS.flat());
    const all = easeNeighbours(USERS.length, 4, user, film, { films: 4, lambda: 0.5, k: 3, minUsers: 1 });
    expect(
      [...all.weight].some((w) => w < 0),
      "this world has negative EASE weights",
    ).toBe(true);
    for (let m = 0; m < all.filmOf.length; m++) {
      const row = [...all.weight.subarray(all.offsets[m], all.offsets[m + 1])];
      expect(row, "most positive first").toEqual([...row].sort((a, b) => b - a));
    }
    const one = easeNeighbours(USERS.length, 4, user, film, { films: 4, lambda: 0.5, k: 1, minUsers: 1 });
    for (let m = 0; m < all.filmOf.length; m++) {
      const row = [...all.weight.subarray(all.offsets[m], all.offsets[m + 1])];
      const largest = row.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
      expect(one.weight[one.offsets[m]], `film ${all.filmOf[m]} keeps its largest |B|`).toBeCloseTo(largest, 6);
    }
  });

  it("estimates XᵀX from a user sample above maxUsers, with λ scaled to match", () => {
    const user = Int32Array.from(USERS.flatMap((films, u) => films.map(() => u)));
    const film = Int32Array.from(USERS.flat());
    const full = easeNeighbours(USERS.length, 4, user, film, { films: 4, lambda: 0.5, k: 3, minUsers: 1 });
    const sampled = easeNeighbours(USERS.length, 4, user, film, {
      films: 4,
      lambda: 0.5,
      k: 3,
      minUsers: 1,
      maxUsers: 3,
    });
    expect(sampled.filmOf, "the same films are modelled").toEqual(full.filmOf);
    expect(sampled.weight.length, "weights are still produced from the sample").toBeGreaterThan(0);
  });

  it("selectEaseFilms drops films below the minimum and ranks by count", () => {
    const { filmOf, modelOf } = selectEaseFilms(Int32Array.from([5, 1, 9, 5]), 10, 2);
    expect([...filmOf]).toEqual([2, 0, 3]);
    expect(modelOf[1], "a film with one user is not modelled").toBe(-1);
  });
});

describe("eval baselines", () => {
  const train = USERS.flatMap((films, u) => films.map((m) => ({ user: u + 1, movie: 100 + m, rating: 4, time: 0 })));

  it("never recommends a film the user rated ('already rated'), and EASE puts 'near' first", () => {
    const ranker = buildBaselines(train, { easeFilms: 10, lambda: 0.5 });
    // User 5 watched only film 3; user 4 watched 1 and 2, whose nearest film is 0.
    expect(ranker.rank("ease", 4, 1), "user 4's best film is 0 (watched with 1 and 2)").toEqual([100]);
    for (const baseline of ["toppop", "ease"] as const) {
      for (let u = 1; u <= USERS.length; u++) {
        const ranked = ranker.rank(baseline, u, 4);
        for (const m of USERS[u - 1]) expect(ranked, `${baseline} user ${u} rated ${100 + m}`).not.toContain(100 + m);
      }
    }
    expect(ranker.rank("toppop", 5, 2), "most rated first: 101 (4 ratings), then 100 (3, lower id)").toEqual([
      101, 100,
    ]);
  });

  it("popularity percentile: the most rated film is near 100, an unrated one near 0", () => {
    const p = popularityPercentiles(
      [1, 2, 3, 4],
      new Map([
        [1, 10],
        [2, 5],
        [3, 5],
      ]),
    );
    expect(p.get(1)).toBe(87.5);
    expect(p.get(2)).toBe(50);
    expect(p.get(4)).toBe(12.5);
  });
});

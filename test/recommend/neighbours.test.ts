/**
 * The nightly neighbour kernels on typed arrays (functions/lib/recommend/neighbours.ts): the bounded user-user pass
 * gives the exact pass's lists wherever its bounds are not reached, keeps exact figures for what it keeps where they
 * are, and film neighbours are the same as the Map-keyed computation they replaced.
 */
import { describe, expect, it } from "vitest";
import {
  filmNeighbours,
  type ImplicitTriples,
  type NeighbourList,
  type RatingTriples,
  userNeighbours,
  userNeighboursBounded,
  userNeighboursExact,
} from "../../functions/lib/recommend/neighbours";
import { generateSynthetic } from "../../node/eval/synthetic";

/** A small synthetic world (long-tailed films and users), plus one all-5★ user and some half stars. */
function smallWorld(): RatingTriples {
  const { ratings, movies } = generateSynthetic({ users: 150, films: 120, ratings: 4_000, seed: 3, now: 1e9 });
  const users = 151;
  const rows = ratings.map((r) => ({ u: r.user - 1, f: r.movie - 1, s: r.user % 7 === 0 ? r.rating - 0.5 : r.rating }));
  for (let f = 0; f < 30; f++) rows.push({ u: 150, f, s: 5 });
  return {
    user: Int32Array.from(rows, (r) => r.u),
    film: Int32Array.from(rows, (r) => r.f),
    rating: Float32Array.from(rows, (r) => Math.max(0.5, r.s)),
    users,
    films: movies.length,
  };
}

function rows(list: NeighbourList) {
  return Array.from({ length: list.offsets.length - 1 }, (_, r) =>
    Array.from({ length: list.offsets[r + 1] - list.offsets[r] }, (_, i) => {
      const k = list.offsets[r] + i;
      return [list.neighbour[k], list.similarity[k], list.raw[k], list.support[k]];
    }),
  );
}

function maxRaters(data: RatingTriples): number {
  const raters = new Int32Array(data.films);
  for (const f of data.film) raters[f]++;
  return Math.max(...raters);
}

describe("user neighbours", () => {
  const world = smallWorld();
  const exact = userNeighboursExact(world, { k: 20 });

  it("bounded equals exact when no film has more raters than the co-rater bound", () => {
    const bounded = userNeighboursBounded(world, { k: 20, coRaters: maxRaters(world), candidates: world.users });
    expect(rows(bounded)).toEqual(rows(exact));
    expect(exact.neighbour.length, "the fixture gives neighbours to compare").toBeGreaterThan(1_000);
  });

  it("bounded equals exact with few candidates per user, when the co-rater bound is not reached", () => {
    // The candidate ranking is then the exact score, so the k best survive any candidates >= k.
    const bounded = userNeighboursBounded(world, { k: 20, coRaters: maxRaters(world), candidates: 20 });
    expect(rows(bounded)).toEqual(rows(exact));
  });

  it("runs the exact computation under the work budget (the default at this size)", () => {
    expect(rows(userNeighbours(world, { k: 20 }))).toEqual(rows(exact));
  });

  it.each(["heaviest", "shuffled"] as const)(
    "where the bound bites (%s co-raters), every kept pair carries its exact Pearson figures, best first",
    (choose) => {
      const all = rows(userNeighboursExact(world, { k: world.users }));
      const coRaters = 16;
      expect(maxRaters(world), "films with more raters than the bound").toBeGreaterThan(5 * coRaters);
      const bounded = rows(userNeighboursBounded(world, { k: 20, coRaters, userVisits: 0, candidates: 40, choose }));
      let kept = 0;
      for (const [u, list] of bounded.entries()) {
        const truth = new Map(all[u].map((row) => [row[0], row]));
        for (const row of list) {
          expect(truth.get(row[0]), `user ${u}'s neighbour ${row[0]}: exact figures`).toEqual(row);
          kept++;
        }
        const scores = list.map((row) => row[1]);
        expect(scores, `user ${u}: best first`).toEqual([...scores].sort((a, b) => b - a));
      }
      expect(kept, "the bounded pass still finds neighbours").toBeGreaterThan(exact.neighbour.length / 4);
    },
  );

  it("where the bound bites, a twin met through the long tail is kept", () => {
    // Users 0..59 all rated the popular film 0 (3 stars); twin users 60 and 61 also share ten tail films with the
    // same varied stars; the others rate disjoint tail films. A bound of 4 co-raters per film samples film 0.
    const u: number[] = [];
    const f: number[] = [];
    const s: number[] = [];
    const add = (user: number, film: number, stars: number) => {
      u.push(user);
      f.push(film);
      s.push(stars);
    };
    for (let user = 0; user < 62; user++) add(user, 0, 3);
    for (let t = 0; t < 10; t++) {
      add(60, 1 + t, 1 + (t % 5));
      add(61, 1 + t, 1 + (t % 5));
    }
    for (let user = 0; user < 60; user++)
      for (let t = 0; t < 3; t++) add(user, 11 + user * 3 + t, 1 + ((user + t) % 5));
    const data: RatingTriples = {
      user: Int32Array.from(u),
      film: Int32Array.from(f),
      rating: Float32Array.from(s),
      users: 62,
      films: 11 + 180,
    };
    const list = rows(userNeighboursBounded(data, { k: 5, coRaters: 4, userVisits: 0, candidates: 5 }));
    expect(
      list[60].map((row) => row[0]),
      "user 60's neighbours",
    ).toEqual([61]);
    expect(list[60][0][3], "common films counted exactly, film 0 included").toBe(11);
    expect(rows(userNeighboursExact(data, { k: 5 }))[60]).toEqual(list[60]);
  });
});

/** The computation filmNeighbours had before, keyed by a Map of (user, film): the reference. */
function filmNeighboursWithMap(data: RatingTriples, implicit: ImplicitTriples): [number, number, number][][] {
  const value = new Map<number, number>();
  const key = (u: number, f: number) => u * data.films + f;
  for (let r = 0; r < data.user.length; r++) value.set(key(data.user[r], data.film[r]), 1);
  for (let r = 0; r < implicit.user.length; r++) {
    if (implicit.weight[r] <= 0) continue;
    const at = key(implicit.user[r], implicit.film[r]);
    value.set(at, (value.get(at) ?? 0) + implicit.weight[r] / 2);
  }
  const byFilm = new Map<number, Map<number, number>>();
  for (const [packed, v] of value) {
    const f = packed % data.films;
    const u = Math.floor(packed / data.films);
    if (!byFilm.has(f)) byFilm.set(f, new Map());
    byFilm.get(f)?.set(u, v);
  }
  const out: [number, number, number][][] = [];
  for (let f = 0; f < data.films; f++) {
    const mine = byFilm.get(f) ?? new Map<number, number>();
    const normF = Math.sqrt([...mine.values()].reduce((a, v) => a + Math.fround(v) ** 2, 0));
    const scored: [number, number, number][] = [];
    for (let g = 0; g < data.films; g++) {
      if (g === f) continue;
      const other = byFilm.get(g) ?? new Map<number, number>();
      let dot = 0;
      let support = 0;
      for (const [u, v] of mine) {
        const w = other.get(u);
        if (w !== undefined) {
          dot += Math.fround(v) * Math.fround(w);
          support++;
        }
      }
      const normG = Math.sqrt([...other.values()].reduce((a, v) => a + Math.fround(v) ** 2, 0));
      if (support < 2 || normF === 0 || normG === 0) continue;
      const c = dot / (normF * normG);
      scored.push([g, (c * support) / (support + 10), support]);
    }
    scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    out.push(scored.slice(0, 10).map(([g, score, support]) => [g, Math.fround(score), support]));
  }
  return out;
}

describe("film neighbours", () => {
  it("equal the Map-keyed computation, with interactions on rated and unrated films and repeated pairs", () => {
    const world = smallWorld();
    const n = 900;
    const implicit: ImplicitTriples = {
      user: Int32Array.from({ length: n }, (_, i) => (i * 37) % world.users),
      film: Int32Array.from({ length: n }, (_, i) => (i * 11) % 60),
      // like 1, superlike 1.5, watchlist 0.5, seen 0.25, and a non-positive weight that must be ignored.
      weight: Float32Array.from({ length: n }, (_, i) => [1, 1.5, 0.5, 0.25, 0][i % 5]),
    };
    const list = rows(filmNeighbours(world, implicit, { k: 10 }));
    const reference = filmNeighboursWithMap(world, implicit);
    expect(
      list.map((r) => r.map(([g, s, , support]) => [g, s, support])),
      "neighbour, shrunk similarity, support per film",
    ).toEqual(reference);
  });
});

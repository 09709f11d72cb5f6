/**
 * Taste groups: planted clusters are found (k by silhouette), labelled from what each group over-likes, stored by
 * the nightly step and served by GET /v1/taste-groups/{id} and /v1/auth/me/taste.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RatingTriples } from "../../functions/lib/recommend/neighbours";
import { clusterTaste } from "../../functions/lib/recommend/taste-groups";
import { runTasteGroups } from "../../node/jobs/taste-groups";
import { AUTH_TEST_ENV, bearer, createTestUser, type TestUser } from "../support/auth";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

/** Three planted tastes over 30 films: each group loves its own ten films and dislikes the rest. */
function plantedTriples(perGroup: number): { triples: RatingTriples; truth: number[] } {
  const user: number[] = [];
  const film: number[] = [];
  const rating: number[] = [];
  const truth: number[] = [];
  // Noise from a fixed LCG: periodic noise would plant sub-groups of its own.
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let g = 0; g < 3; g++) {
    for (let i = 0; i < perGroup; i++) {
      const u = truth.push(g) - 1;
      for (let f = 0; f < 30; f++) {
        if (random() < 0.3) continue;
        user.push(u);
        film.push(f);
        rating.push(Math.floor(f / 10) === g ? 4 + Math.round(random() * 2) / 2 : 1 + Math.round(random() * 2) / 2);
      }
    }
  }
  return {
    triples: {
      user: Int32Array.from(user),
      film: Int32Array.from(film),
      rating: Float32Array.from(rating),
      users: truth.length,
      films: 30,
    },
    truth,
  };
}

describe("clusterTaste", () => {
  it("finds three planted tastes, choosing k = 3 by silhouette", () => {
    const { triples, truth } = plantedTriples(20);
    const result = clusterTaste(triples, { factors: 4, kMin: 2, kMax: 6 });
    expect(result.k, JSON.stringify(result.tried)).toBe(3);
    expect(result.silhouette).toBeGreaterThan(0.5);
    for (let g = 0; g < 3; g++) {
      const labels = new Set(truth.flatMap((t, u) => (t === g ? [result.assignment[u]] : [])));
      expect(labels.size, `planted group ${g} lands in one cluster`).toBe(1);
    }
    expect(new Set(result.assignment).size).toBe(3);
  });
});

describe("taste groups in the database", () => {
  let db: TestDatabase;
  let server: TestServer;
  let member: TestUser;
  const GENRE = ["Western", "Horror", "Musical"];

  beforeAll(async () => {
    db = await freshDatabase();
    for (let f = 0; f < 30; f++) {
      const g = Math.floor(f / 10);
      await db.query(
        "insert into public.movies (id, title, release_year, genres, director) values ($1, $2, $3, $4, $5)",
        [f + 1, `Film ${f + 1}`, 1950 + g * 20 + (f % 5), [GENRE[g]], `Director ${g}`],
      );
    }
    const { triples } = plantedTriples(8);
    const users: string[] = [];
    for (let u = 0; u < triples.users; u++) users.push((await createTestUser(db)).id);
    for (let i = 0; i < triples.rating.length; i++) {
      await db.query("insert into public.ratings (user_id, movie_id, rating) values ($1, $2, $3)", [
        users[triples.user[i]],
        triples.film[i] + 1,
        triples.rating[i],
      ]);
    }
    member = { ...(await createTestUser(db)), id: users[0] };
    const { signTestToken } = await import("../support/auth");
    member.token = await signTestToken(users[0]);
    server = await startTestServer(db, AUTH_TEST_ENV);
  });
  afterAll(async () => {
    await server?.close();
    await db?.dispose();
  });

  it("stores labelled groups that the API serves, and each member sees their own group", async () => {
    const summary = await runTasteGroups(db, { factors: 4, kMin: 2, kMax: 5 });
    expect(summary.k, JSON.stringify(summary)).toBe(3);
    expect(summary.labels.sort()).toEqual(["1950s western", "1970s horror", "1990s musical"]);

    const mine = await server.get("/v1/auth/me/taste", { headers: bearer(member) });
    const profile = await mine.json();
    expect(mine.status, JSON.stringify(profile)).toBe(200);
    expect(profile.tasteGroup.label).toBe("1950s western");

    const res = await server.get(`/v1/taste-groups/${profile.tasteGroup.id}`);
    const group = await res.json();
    expect(res.status, JSON.stringify(group)).toBe(200);
    expect(group).toMatchObject({ size: 8, k: 3, topGenres: ["Western"], topDirectors: ["Director 0"] });
    expect(group.films.length).toBeGreaterThan(0);
    for (const film of group.films) expect(film.id, "a western film").toBeLessThanOrEqual(10);
    expect((await server.get("/v1/taste-groups/99")).status).toBe(404);

    await runTasteGroups(db, { factors: 4, kMin: 2, kMax: 5 });
    const [{ n }] = await db.query<{ n: number }>("select count(*)::int as n from public.user_taste_groups");
    expect(n, "re-running replaces, never duplicates").toBe(24);
  });

  it("clusters on the rating model's learned user factors when they exist", async () => {
    // The shape of public.rating_model_users (the nightly rating model), built here with factors that put the
    // first twelve users in one direction and the rest in another.
    await db.query(
      "create table if not exists public.rating_model_users (user_id uuid primary key, bias real not null, factors real[] not null)",
    );
    const users = await db.query<{ user_id: string }>("select distinct user_id from public.ratings order by 1");
    for (const [i, u] of users.entries()) {
      await db.query("insert into public.rating_model_users values ($1, 0, $2)", [
        u.user_id,
        i < 12 ? [1, 0.01 * i, 0] : [0, 0.01 * i, 1],
      ]);
    }
    const summary = await runTasteGroups(db, { kMin: 2, kMax: 4 });
    expect(summary, JSON.stringify(summary)).toMatchObject({ factors: "learned", k: 2 });
    const [group] = await db.query<{ factors: string }>("select factors from public.taste_groups limit 1");
    expect(group.factors).toBe("learned");
    await db.query("drop table public.rating_model_users");
  });
});

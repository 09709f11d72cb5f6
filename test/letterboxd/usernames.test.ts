/**
 * The seeds' username endpoints (/api/...): modes, the time budget with a slow database, privacy of usernames,
 * and who may warm or debug a user. Real HTTP on a real database; the slow database is the same database with a
 * delay in front of get_recommendations.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../functions/lib/db/port";
import { AUTH_TEST_ENV, bearer, createTestUser, signTestToken, type TestUser } from "../support/auth";
import { FILMS, loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;
let slow: TestServer;
let ana: TestUser;
let hidden: TestUser;
let stranger: TestUser;
let operator: string;

const SLOW_MS = 1500;

/** The database, with get_recommendations taking SLOW_MS longer (every other call as fast as ever). */
function slowRecommendations(inner: Database): Database {
  return {
    kind: inner.kind,
    close: () => Promise.resolve(),
    async rpc(fn, args, options) {
      if (fn === "get_recommendations") await new Promise((r) => setTimeout(r, SLOW_MS));
      return inner.rpc(fn, args, options);
    },
  };
}

async function makePublic(user: TestUser, username: string) {
  await db.query("update public.users set username = $2, public_profile = true where id = $1", [user.id, username]);
}

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  server = await startTestServer(db, AUTH_TEST_ENV);
  slow = await startTestServer(slowRecommendations(db), { ...AUTH_TEST_ENV, USERNAME_TIME_BUDGET_MS: "300" });
  ana = await createTestUser(db);
  hidden = await createTestUser(db, { username: "hidden_one" });
  stranger = await createTestUser(db);
  await makePublic(ana, "Ana_Boxd");
  for (const [film, stars] of [
    [FILMS.matrix.id, 5],
    [FILMS.arrival.id, 4.5],
    [FILMS.amelie.id, 2],
  ] as const) {
    await db.query("insert into public.ratings (user_id, movie_id, rating) values ($1, $2, $3)", [ana.id, film, stars]);
  }
  // Five other raters, so that popularity and neighbours have something to go on.
  for (let i = 0; i < 5; i++) {
    const rater = await createTestUser(db);
    for (const [film, stars] of [
      [FILMS.matrix.id, 5],
      [FILMS.arrival.id, 4],
      [FILMS.obscure.id, 4],
      [FILMS.undated.id, 3],
      [FILMS.amelie.id, 1 + i * 0.5],
    ] as const) {
      await db.query("insert into public.ratings (user_id, movie_id, rating) values ($1, $2, $3)", [
        rater.id,
        film,
        stars,
      ]);
    }
  }
  operator = await signTestToken("00000000-0000-0000-0000-000000000000", { claims: { role: "service_role" } });
});
afterAll(async () => {
  await slow?.close();
  await server?.close();
  await db?.dispose();
});

async function get(s: TestServer, path: string, token?: string) {
  const res = await s.get(path, token ? { headers: { Authorization: `Bearer ${token}` } } : undefined);
  return { res, body: await res.json() };
}

describe("username endpoints", () => {
  it("answers fallback (popular films) before the list is cached, then ultra_fast after /api/cache", async () => {
    await db.query("delete from public.recommendation_cache where user_id = $1", [ana.id]);
    const before = await get(server, "/api/recomendacoes/ana_boxd?limit=3");
    expect(before.res.status, JSON.stringify(before.body)).toBe(200);
    expect(before.body.mode).toBe("fallback");
    expect(before.body.recommendations.length).toBeGreaterThan(0);
    expect(before.body.recommendations[0].id, "the most popular film first").toBe(FILMS.matrix.id);

    const warm = await get(server, "/api/cache/ana_boxd", ana.token);
    expect(warm.res.status, JSON.stringify(warm.body)).toBe(200);
    expect(warm.body).toMatchObject({ mode: "ultra_fast", cached: true, username: "Ana_Boxd" });

    const after = await get(server, "/api/recomendacoes/ANA_BOXD?limit=3");
    expect(after.body.mode, JSON.stringify(after.body)).toBe("ultra_fast");
    const rated = [FILMS.matrix.id, FILMS.arrival.id, FILMS.amelie.id];
    for (const film of after.body.recommendations) expect(rated, "rated films are left out").not.toContain(film.id);
    expect((await get(server, "/api/test/ana_boxd")).body).toMatchObject({ exists: true, mode: "ultra_fast" });
  });

  it("answers fallback within the budget when the database is slow, and the next call is ultra_fast", async () => {
    await db.query("delete from public.recommendation_cache where user_id = $1", [ana.id]);
    const started = performance.now();
    const first = await get(slow, "/api/recomendacoes/ana_boxd");
    const elapsed = performance.now() - started;
    expect(first.body.mode).toBe("fallback");
    expect(elapsed, "the fallback does not wait for the slow computation").toBeLessThan(SLOW_MS);
    // The computation started by the first call goes on and fills the cache.
    await new Promise((r) => setTimeout(r, SLOW_MS + 800));
    const [state] = await db.query<{ cached: boolean }>("select cached from public.recommendation_cache_state($1)", [
      ana.id,
    ]);
    expect(state.cached, "the background computation stored the list").toBe(true);
    // Cached now, but reading it still passes through the slow path: the budget still holds, marked fallback.
    const second = await get(slow, "/api/recomendacoes/ana_boxd");
    expect(second.body.mode).toBe("fallback");
    expect(second.body.note).toMatch(/time budget/);
    expect((await get(server, "/api/recomendacoes/ana_boxd")).body.mode).toBe("ultra_fast");
  });

  it("answers 404 with mode error for private and unknown usernames alike", async () => {
    for (const path of ["/api/recomendacoes/hidden_one", "/api/test/hidden_one", "/api/test/nobody_here"]) {
      const { res, body } = await get(server, path);
      expect(res.status, path).toBe(404);
      expect(body.mode).toBe("error");
      expect(body.error.code).toBe("NOT_FOUND");
      expect(body.error.requestId).toBeTruthy();
    }
    const bad = await get(server, "/api/test/no spaces!");
    expect(bad.res.status).toBe(400);
  });

  it("lets only the user or an operator warm, preload and debug", async () => {
    expect((await get(server, "/api/cache/ana_boxd")).res.status).toBe(401);
    const other = await get(server, "/api/cache/ana_boxd", stranger.token);
    expect(other.res.status).toBe(403);
    expect(other.body.mode).toBe("error");
    expect((await get(server, "/api/cache/ana_boxd", operator)).res.status).toBe(200);

    expect((await get(server, "/api/debug/ana_boxd")).res.status).toBe(401);
    expect((await get(server, "/api/debug/ana_boxd", stranger.token)).res.status).toBe(403);
    const mine = await get(server, "/api/debug/ana_boxd", ana.token);
    expect(mine.res.status, JSON.stringify(mine.body)).toBe(200);
    expect(mine.body.profile).toMatchObject({ ratings: 3, averageRating: 3.833 });
    expect(mine.body.profile.topGenres).toContain("Science Fiction");
    expect((await get(server, "/api/debug/ana_boxd", operator)).res.status).toBe(200);
    expect((await get(server, "/api/debug/hidden_one", hidden.token)).res.status, "private: 404 even for itself").toBe(
      404,
    );

    expect((await get(server, "/api/preload")).res.status).toBe(401);
    expect((await get(server, "/api/preload", ana.token)).body).toMatchObject({ queued: 1 });
    expect((await get(server, "/api/preload", operator)).body, "the one public profile").toMatchObject({ queued: 1 });
  });

  it("reports memory and cache counts without personal data", async () => {
    const { res, body } = await get(server, "/api/memory");
    expect(res.status).toBe(200);
    expect(body.process.visible).toBe(true);
    expect(body.process.bytes.rssBytes).toBeGreaterThan(0);
    expect(body.cache.cachedUsers).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(body), "no user id or username").not.toMatch(new RegExp(`${ana.id}|ana_boxd`, "i"));
  });

  it("shows my taste profile at /v1/auth/me/taste", async () => {
    const res = await server.get("/v1/auth/me/taste", { headers: bearer(ana) });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ ratings: 3, tasteGroup: null, topDecades: ["1990s", "2010s"] });
    expect((await server.get("/v1/auth/me/taste")).status).toBe(401);
  });
});

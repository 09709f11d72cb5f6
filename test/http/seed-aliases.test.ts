/**
 * The Movie Recommender API's paths (routes/recommendations/seed-aliases.ts) through the Node server on the taste
 * world: each answers as its /v1 counterpart, and a path or body naming another user answers 404.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNightly } from "../../node/jobs/nightly";
import { FILMS, insertUser, loadTasteWorldWithMe, ME_RATINGS, rate } from "../recommend/fixture";
import { AUTH_TEST_ENV, signTestToken } from "../support/auth";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;
let me: { id: string; token: string };
let other: string;

beforeAll(async () => {
  db = await freshDatabase();
  const id = await loadTasteWorldWithMe(db);
  other = await insertUser(db, "other");
  await rate(db, other, ME_RATINGS);
  await runNightly(db);
  me = { id, token: await signTestToken(id) };
  server = await startTestServer(db, {
    ...AUTH_TEST_ENV,
    RECOMMENDATION_BATCH_SIZE: "2",
    RECOMMENDATION_DIVERSITY: "0",
  });
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

const auth = () => ({ Authorization: `Bearer ${me.token}` });

async function call(path: string, init: RequestInit = {}) {
  const res = await server.get(path, {
    ...init,
    headers: { ...auth(), "content-type": "application/json", ...init.headers },
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

describe("Movie Recommender API aliases", () => {
  it("answers 404 on every path and body that names another user", async () => {
    const answers = [
      await call("/api/v1/recommendations/", { method: "POST", body: JSON.stringify({ user_id: other }) }),
      await call(`/api/v1/recommendations/${other}/next?batch_number=2`),
      await call(`/api/v1/recommendations/${other}/matches`),
      await call(`/api/v1/recommendations/${other}/interact`, {
        method: "POST",
        body: JSON.stringify({ movie_id: FILMS.titanic.id, interaction_type: "like" }),
      }),
    ];
    for (const a of answers) {
      expect(a.status, a.text).toBe(404);
      expect(a.body.error.code).toBe("NOT_FOUND");
    }
    const likes = await db.query("select 1 from public.interactions where user_id = $1", [other]);
    expect(likes, "nothing recorded for the other user").toEqual([]);
  });

  it("serves the first batch, then batch 2 without a repeat, and slim films on request", async () => {
    const first = await call("/api/v1/recommendations/", {
      method: "POST",
      body: JSON.stringify({ user_id: me.id, force_refresh: true }),
    });
    expect(first.status, first.text).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.recommendationId).toMatch(/^[0-9a-f-]{36}$/);
    const second = await call(`/api/v1/recommendations/${me.id}/next?batch_number=2`);
    expect(second.status, second.text).toBe(200);
    expect(second.body.batch.number).toBe(2);
    expect(second.body.recommendationId).toBe(first.body.recommendationId);
    const firstIds = first.body.data.map((m: { id: number }) => m.id);
    for (const m of second.body.data) expect(firstIds).not.toContain(m.id);
    const slim = await call("/api/v1/recommendations/", {
      method: "POST",
      body: JSON.stringify({ user_id: me.id, include_movie_details: false }),
    });
    expect(Object.keys(slim.body.data[0]).sort()).toEqual(["id", "score", "title"]);
  });

  it("records an interaction and lists my matches", async () => {
    const liked = await call(`/api/v1/recommendations/${me.id}/interact`, {
      method: "POST",
      body: JSON.stringify({ movie_id: FILMS.paddington.id, interaction_type: "like" }),
    });
    expect(liked.status, liked.text).toBe(201);
    expect(liked.body).toMatchObject({ type: "like", movieId: FILMS.paddington.id });
    const matches = await call(`/api/v1/recommendations/${me.id}/matches`);
    expect(matches.status, matches.text).toBe(200);
    expect(matches.body.matchable).toBe(false);
  });

  it("answers health and database health", async () => {
    const health = await server.get("/api/v1/health/");
    expect(health.status).toBe(200);
    expect((await health.json()).database.ok).toBe(true);
    const dbHealth = await server.get("/api/v1/health/db");
    expect(dbHealth.status).toBe(200);
    expect(await dbHealth.json()).toMatchObject({ ok: true });
  });
});

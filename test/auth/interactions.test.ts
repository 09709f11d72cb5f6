import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH_TEST_ENV, bearer, createTestUser, type TestUser } from "../support/auth";
import { FILMS, loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  server = await startTestServer(db, AUTH_TEST_ENV);
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

function send(method: string, path: string, user: TestUser, body?: unknown) {
  return server.get(path, {
    method,
    headers: { ...bearer(user), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function mine(user: TestUser, query = "") {
  const res = await send("GET", `/v1/interactions/me${query}`, user);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as {
    data: { type: string; movieId: number | null; title: string | null; weight: number; query: string | null }[];
    nextCursor: string | null;
  };
}

describe("interactions", () => {
  it("records each type with the weight the engine will use", async () => {
    const u = await createTestUser(server);
    const posts: [Record<string, unknown>, number][] = [
      [{ type: "view", movieId: FILMS.matrix.id }, 0],
      [{ type: "click", movieId: FILMS.matrix.id }, 0],
      [{ type: "search", query: "  space aliens " }, 0],
      [{ type: "superlike", movieId: FILMS.arrival.id }, 3],
      [{ type: "seen", movieId: FILMS.amelie.id }, 0.5],
      [{ type: "hide", movieId: FILMS.obscure.id }, -3],
      [{ type: "watchlist", movieId: FILMS.undated.id }, 1],
      [{ type: "rate", movieId: FILMS.amelie.id, rating: 4 }, 2],
      [{ type: "rate", movieId: FILMS.matrix.id, rating: 1.5 }, -1.5],
    ];
    for (const [body, weight] of posts) {
      const res = await send("POST", "/v1/interactions", u, body);
      const out = await res.json();
      expect(res.status, `${JSON.stringify(body)}: ${JSON.stringify(out)}`).toBe(201);
      expect(out.weight, JSON.stringify(body)).toBe(weight);
    }
    const list = await mine(u);
    expect(list.data.length).toBe(posts.length);
    expect(list.data[0]).toMatchObject({ type: "rate", movieId: FILMS.matrix.id, title: "The Matrix" });
    expect(list.data.find((i) => i.type === "search")?.query).toBe("space aliens");
    const ratings = await (await send("GET", "/v1/ratings/me", u)).json();
    const stars = ratings.data.map((r: { movieId: number; rating: number }) => [r.movieId, r.rating]).sort();
    expect(stars, "rate also sets the rating").toEqual(
      [
        [FILMS.amelie.id, 4],
        [FILMS.matrix.id, 1.5],
      ].sort(),
    );
  });

  it("keeps a like once, lets the latest opinion replace the previous one, and removes it", async () => {
    const u = await createTestUser(server);
    expect((await send("POST", "/v1/interactions", u, { type: "like", movieId: FILMS.matrix.id })).status).toBe(201);
    expect(
      (await send("POST", "/v1/interactions", u, { type: "like", movieId: FILMS.matrix.id })).status,
      "repeat",
    ).toBe(200);
    expect((await mine(u, "?type=like")).data.length).toBe(1);
    expect((await send("POST", "/v1/interactions", u, { type: "dislike", movieId: FILMS.matrix.id })).status).toBe(201);
    expect(
      (await mine(u)).data.map((i) => i.type),
      "the dislike replaced the like",
    ).toEqual(["dislike"]);
    expect((await send("DELETE", `/v1/interactions/dislike/${FILMS.matrix.id}`, u)).status).toBe(204);
    expect((await mine(u)).data).toEqual([]);
    expect((await send("DELETE", `/v1/interactions/dislike/${FILMS.matrix.id}`, u)).status).toBe(404);
  });

  it("removes hide and watchlist entries, but only the caller's", async () => {
    const a = await createTestUser(server);
    const b = await createTestUser(server);
    await send("POST", "/v1/interactions", a, { type: "hide", movieId: FILMS.obscure.id });
    await send("POST", "/v1/interactions", b, { type: "watchlist", movieId: FILMS.arrival.id });
    expect((await send("DELETE", `/v1/interactions/watchlist/${FILMS.arrival.id}`, a)).status, "B's entry").toBe(404);
    expect((await mine(b)).data.length, "B's watchlist entry survives").toBe(1);
    expect((await mine(a)).data.map((i) => i.type)).toEqual(["hide"]);
    expect((await send("DELETE", `/v1/interactions/hide/${FILMS.obscure.id}`, a)).status).toBe(204);
    expect((await send("DELETE", `/v1/interactions/watchlist/${FILMS.arrival.id}`, b)).status).toBe(204);
    expect((await send("DELETE", `/v1/interactions/view/${FILMS.arrival.id}`, b)).status, "a log type").toBe(400);
  });

  it("validates the fields each type needs", async () => {
    const u = await createTestUser(server);
    for (const body of [
      { type: "like" },
      { type: "search", movieId: FILMS.matrix.id },
      { type: "search", query: "   " },
      { type: "rate", movieId: FILMS.matrix.id },
      { type: "rate", movieId: FILMS.matrix.id, rating: 7 },
      { type: "like", movieId: FILMS.matrix.id, rating: 4 },
      { type: "poke", movieId: FILMS.matrix.id },
      { type: "view", movieId: "603" },
    ]) {
      const res = await send("POST", "/v1/interactions", u, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await send("POST", "/v1/interactions", u, { type: "view", movieId: 424242 })).status).toBe(404);
    expect((await mine(u)).data).toEqual([]);
  });

  it("pages and filters by type", async () => {
    const u = await createTestUser(server);
    for (let k = 0; k < 5; k++) await send("POST", "/v1/interactions", u, { type: "view", movieId: FILMS.matrix.id });
    await send("POST", "/v1/interactions", u, { type: "like", movieId: FILMS.amelie.id });
    const first = await mine(u, "?type=view&limit=3");
    expect(first.data.length).toBe(3);
    const second = await mine(u, `?type=view&limit=3&cursor=${first.nextCursor}`);
    expect(second.data.length).toBe(2);
    expect(second.nextCursor).toBeNull();
    expect((await mine(u, "?type=like")).data.length).toBe(1);
    expect((await send("GET", "/v1/interactions/me?type=poke", u)).status).toBe(400);
  });
});

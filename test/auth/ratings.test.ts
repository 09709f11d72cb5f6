import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH_TEST_ENV, bearer, createTestUser, type TestUser } from "../support/auth";
import { ADULT, FILMS, loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;
let ana: TestUser;
let ben: TestUser;

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  server = await startTestServer(db, AUTH_TEST_ENV);
  ana = await createTestUser(server, { displayName: "Ana" });
  ben = await createTestUser(server, { displayName: "Ben" });
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

function send(method: string, path: string, user: TestUser | null, body?: unknown) {
  return server.get(path, {
    method,
    headers: { ...(user ? bearer(user) : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function myRatings(user: TestUser, query = "") {
  const res = await send("GET", `/v1/ratings/me${query}`, user);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as {
    data: { movieId: number; title: string; year: number | null; rating: number }[];
    nextCursor: string | null;
  };
}

describe("ratings", () => {
  it("creates (201), updates (200), lists newest first with title and year, and deletes (204)", async () => {
    const created = await send("PUT", `/v1/ratings/${FILMS.matrix.id}`, ana, { rating: 4.5 });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ movieId: FILMS.matrix.id, rating: 4.5 });
    expect((await send("PUT", `/v1/ratings/${FILMS.amelie.id}`, ana, { rating: 3 })).status).toBe(201);
    const updated = await send("PUT", `/v1/ratings/${FILMS.matrix.id}`, ana, { rating: 5 });
    expect(updated.status).toBe(200);

    const list = await myRatings(ana);
    expect(list.data.map((r) => [r.title, r.year, r.rating])).toEqual([
      ["The Matrix", 1999, 5],
      ["Amélie", 2001, 3],
    ]);
    expect(list.nextCursor).toBeNull();

    expect((await send("DELETE", `/v1/ratings/${FILMS.matrix.id}`, ana)).status).toBe(204);
    expect((await myRatings(ana)).data.map((r) => r.title)).toEqual(["Amélie"]);
    expect((await send("DELETE", `/v1/ratings/${FILMS.matrix.id}`, ana)).status, "already deleted").toBe(404);
  });

  it("accepts 0.5 to 5.0 in half steps and nothing else", async () => {
    for (const rating of [0.5, 1, 2.5, 5]) {
      const res = await send("PUT", `/v1/ratings/${FILMS.arrival.id}`, ben, { rating });
      expect([200, 201], `rating ${rating}`).toContain(res.status);
    }
    for (const rating of [0, 0.25, 4.75, 5.5, -1, "4", null, 1e308]) {
      const res = await send("PUT", `/v1/ratings/${FILMS.arrival.id}`, ben, { rating });
      const body = await res.json();
      expect(res.status, `rating ${JSON.stringify(rating)}: ${JSON.stringify(body)}`).toBe(400);
      expect(body.error.message).toContain("rating");
    }
    const [row] = await db.query<{ rating: string }>(
      "select rating::text from public.ratings where user_id = $1 and movie_id = $2",
      [ben.id, FILMS.arrival.id],
    );
    expect(row.rating, "the last valid rating stands").toBe("5.0");
  });

  it("answers 404 for an unknown or adult film", async () => {
    expect((await send("PUT", "/v1/ratings/424242", ana, { rating: 3 })).status).toBe(404);
    expect((await send("PUT", `/v1/ratings/${ADULT.id}`, ana, { rating: 3 })).status).toBe(404);
  });

  it("keeps users apart: nobody sees or deletes another user's rating", async () => {
    await send("PUT", `/v1/ratings/${FILMS.obscure.id}`, ben, { rating: 2 });
    expect((await myRatings(ana)).data.some((r) => r.movieId === FILMS.obscure.id)).toBe(false);
    const res = await send("DELETE", `/v1/ratings/${FILMS.obscure.id}`, ana);
    expect(res.status, "another user's rating looks absent").toBe(404);
    expect(
      (await myRatings(ben)).data.some((r) => r.movieId === FILMS.obscure.id),
      "Ben's rating survives",
    ).toBe(true);
  });

  it("pages with a cursor until every rating is seen exactly once", async () => {
    const carl = await createTestUser(server);
    for (const f of Object.values(FILMS)) await send("PUT", `/v1/ratings/${f.id}`, carl, { rating: 3.5 });
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await myRatings(carl, `?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.data.map((r) => r.movieId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.sort()).toEqual(
      Object.values(FILMS)
        .map((f) => f.id)
        .sort(),
    );
    expect(pages).toBe(3);
    expect((await send("GET", "/v1/ratings/me?cursor=bm9wZQ", carl)).status).toBe(400);
    expect((await send("GET", "/v1/ratings/me?limit=101", carl)).status).toBe(400);
  });

  it("answers the CineLibre paths: POST /ratings, GET /ratings/my, DELETE /ratings/{id}", async () => {
    const dora = await createTestUser(server);
    const created = await send("POST", "/ratings", dora, { movie_id: FILMS.amelie.id, rating: 4 });
    expect(created.status).toBe(201);
    const again = await send("POST", "/ratings", dora, { movie_id: FILMS.amelie.id, rating: 3.5 });
    expect(again.status).toBe(200);
    const list = await (await send("GET", "/ratings/my", dora)).json();
    expect(list.data.map((r: { movieId: number; rating: number }) => [r.movieId, r.rating])).toEqual([
      [FILMS.amelie.id, 3.5],
    ]);
    expect((await send("DELETE", `/ratings/${FILMS.amelie.id}`, dora)).status).toBe(204);
    expect((await (await send("GET", "/ratings/my", dora)).json()).data).toEqual([]);
    expect((await send("POST", "/ratings", dora, { movieId: FILMS.amelie.id, rating: 4 })).status).toBe(400);
  });

  it("requires a token on every rating path", async () => {
    for (const [method, path] of [
      ["GET", "/v1/ratings/me"],
      ["PUT", `/v1/ratings/${FILMS.matrix.id}`],
      ["DELETE", `/v1/ratings/${FILMS.matrix.id}`],
      ["POST", "/ratings"],
      ["GET", "/ratings/my"],
      ["DELETE", `/ratings/${FILMS.matrix.id}`],
    ]) {
      const res = await send(method, path, null, method === "PUT" || method === "POST" ? { rating: 3 } : undefined);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
  });
});

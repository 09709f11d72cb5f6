/**
 * Bad input is a 400 with the envelope, never a 5xx and never PostgreSQL's own text: NUL bytes in query strings,
 * a similarity floor below float4 range, and tampered cursors (forged, edited, moved between lists).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toApiError } from "../../functions/app";
import { DatabaseError } from "../../functions/lib/db/port";
import { AUTH_TEST_ENV, bearer, createTestUser, type TestUser } from "../support/auth";
import { loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  server = await startTestServer(db, AUTH_TEST_ENV);
  user = await createTestUser(server);
  for (const movieId of [603, 194, 27205]) {
    await server.get(`/v1/ratings/${movieId}`, {
      method: "PUT",
      headers: { ...bearer(user), "content-type": "application/json" },
      body: JSON.stringify({ rating: 4 }),
    });
  }
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

// Words of PostgreSQL's own error text that must never reach a client.
const POSTGRES_TEXT =
  /invalid input syntax|out of range for type|type real|type integer|timestamp|encoding|0x00|SQLSTATE/i;

async function expect400(path: string, init: RequestInit = {}, what = path) {
  const res = await server.get(path, init);
  const text = await res.text();
  expect(res.status, `${what}: ${text}`).toBe(400);
  const body = JSON.parse(text);
  expect(body.error.code, `${what}: ${text}`).toBe("BAD_REQUEST");
  expect(typeof body.error.requestId).toBe("string");
  expect(body.error.message, `${what} leaks database text`).not.toMatch(POSTGRES_TEXT);
  return body;
}

const b64 = (value: unknown) =>
  btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

describe("NUL bytes in query strings", () => {
  for (const path of [
    "/v1/movies?q=a%00b",
    "/v1/movies?genre=Dra%00ma",
    "/v1/search?q=a%00b",
    "/v1/search?q=batman&genre=a%00",
    "/v1/recommendations/popular?genre=a%00b",
    "/v1/movies/603/similar?genre=a%00b",
    "/v1/recommendations?genre=a%00b",
    "/v1/movies?a%00=1",
  ]) {
    it(`answers 400 to ${path}`, async () => {
      const body = await expect400(path, { headers: bearer(user) });
      expect(body.error.message).toMatch(/NUL/);
    });
  }
});

describe("similarity floor", () => {
  it("answers 200, not 500, to min_similarity=1e-300 (below float4 range)", async () => {
    const res = await server.get("/v1/search?q=matrix&min_similarity=1e-300");
    expect(res.status, await res.clone().text()).toBe(200);
  });
});

describe("tampered cursors", () => {
  async function realCursor(path: string, headers: Record<string, string> = {}) {
    const res = await server.get(path, { headers });
    const body = await res.json();
    expect(body.nextCursor, `${path} should have a next page`).toEqual(expect.any(String));
    return body.nextCursor as string;
  }

  it("follows a cursor it handed out", async () => {
    const cursor = await realCursor("/v1/movies?limit=2");
    const res = await server.get(`/v1/movies?limit=2&cursor=${cursor}`);
    expect(res.status).toBe(200);
    expect((await res.json()).data).toHaveLength(2);
  });

  const forged = [
    ["/v1/movies", b64({ s: "popularity", d: true, k: "1e999", i: 1 })],
    ["/v1/movies?sort=release_date", b64({ s: "release_date", d: true, k: "2016-13-45", i: 1 })],
    ["/v1/movies", b64({ s: "popularity", d: true, k: "1", i: 2 ** 63 })],
    ["/v1/movies?sort=rating", b64({ s: "rating", d: true, k: "abc", i: 1 })],
    ["/v1/ratings/me", b64({ k: "2026-99-99 00:00:00+00", i: 1 })],
    ["/v1/ratings/me", b64({ k: "2026-01-01 00:00:00+00", i: 2 ** 40 })],
    ["/v1/interactions/me", b64({ k: "2026-99-99 00:00:00+00", i: 1 })],
  ] as const;
  for (const [path, cursor] of forged) {
    it(`answers 400 to a forged cursor on ${path}: ${atob(cursor.replaceAll("-", "+").replaceAll("_", "/"))}`, async () => {
      const sep = path.includes("?") ? "&" : "?";
      await expect400(`${path}${sep}cursor=${cursor}`, { headers: bearer(user) });
    });
  }

  it("answers 400 to a real cursor whose position was edited, or that belongs to another list", async () => {
    const cursor = await realCursor("/v1/movies?limit=1");
    const [body, mac] = cursor.split(".");
    const position = JSON.parse(atob(body.replaceAll("-", "+").replaceAll("_", "/")));
    await expect400(`/v1/movies?limit=1&cursor=${b64({ ...position, k: "abc" })}.${mac}`, {}, "edited key");
    await expect400(`/v1/movies?limit=1&cursor=${body}.${mac.slice(0, -2)}AA`, {}, "edited signature");
    const ratings = await realCursor("/v1/ratings/me?limit=1", bearer(user));
    await expect400(
      `/v1/interactions/me?cursor=${ratings}`,
      { headers: bearer(user) },
      "a ratings cursor on interactions",
    );
  });
});

describe("the SQLSTATE table", () => {
  const mapped = (code: string, message: string, routine?: string) =>
    toApiError(new DatabaseError(message, code, undefined, undefined, routine));

  it("maps invalid input (class 22) to 400 with its own words, not PostgreSQL's", () => {
    for (const [code, text, routine] of [
      ["22P02", 'invalid input syntax for type real: "abc"', "float4in_internal"],
      ["22003", '"1e-300" is out of range for type real', "float4in_internal"],
      ["22008", 'date/time field value out of range: "2026-99-99"', "DateTimeParseError"],
      ["22021", 'invalid byte sequence for encoding "UTF8": 0x00', "report_invalid_encoding_int"],
      ["22023", "some builtin complaint", "builtin_routine"],
    ]) {
      const error = mapped(code, text, routine);
      expect(error.status, code).toBe(400);
      expect(error.message, code).not.toContain(text);
    }
  });

  it("lets a message raised on purpose by our SQL functions through", () => {
    expect(mapped("22023", "p_limit must be between 1 and 100", "exec_stmt_raise").message).toBe(
      "p_limit must be between 1 and 100",
    );
    expect(mapped("P0002", "movie 42 not found", "exec_stmt_raise").status).toBe(404);
  });

  it("maps 42501 (recommendation_caller_check) to 403, not 500", () => {
    const error = mapped("42501", "not allowed to read another user's recommendations", "exec_stmt_raise");
    expect(error.status).toBe(403);
    expect(error.code).toBe("FORBIDDEN");
  });

  it("keeps unknown SQLSTATEs as faults", () => {
    expect(mapped("XX000", "internal error in the server").status).toBe(500);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fnv1a64 } from "../../functions/middleware/cache";
import { FILMS, loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  server = await startTestServer(db);
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

describe("publicCache (ETag and Cache-Control on catalogue reads)", () => {
  it("gives different films different ETags and the same film the same ETag", async () => {
    const matrix = await server.get(`/v1/movies/${FILMS.matrix.id}`);
    const again = await server.get(`/v1/movies/${FILMS.matrix.id}`);
    const amelie = await server.get(`/v1/movies/${FILMS.amelie.id}`);
    const tag = matrix.headers.get("etag");
    expect(tag, "strong, quoted ETag").toMatch(/^"[0-9a-f]{17,}"$/);
    expect(again.headers.get("etag")).toBe(tag);
    expect(amelie.headers.get("etag")).not.toBe(tag);
    expect(matrix.headers.get("content-type")).toContain("application/json");
    expect((await matrix.json()).title).toBe("The Matrix");
  });

  it("answers 304 with no body for a matching tag, a weak form of it, a list, or *", async () => {
    const path = `/v1/movies/${FILMS.arrival.id}`;
    const tag = (await server.get(path)).headers.get("etag") as string;
    for (const header of [tag, `W/${tag}`, `"nope", ${tag}`, "*"]) {
      const res = await server.get(path, { headers: { "If-None-Match": header } });
      expect(res.status, `If-None-Match: ${header}`).toBe(304);
      expect(await res.text()).toBe("");
      expect(res.headers.get("etag")).toBe(tag);
      expect(res.headers.get("cache-control")).toContain("max-age=3600");
      expect(res.headers.get("x-request-id"), "every response carries a request id").toBeTruthy();
    }
    const stale = await server.get(path, { headers: { "If-None-Match": '"something-else"' } });
    expect(stale.status).toBe(200);
  });

  it("sends no ETag or public caching on errors", async () => {
    const res = await server.get("/v1/movies/424242");
    expect(res.status).toBe(404);
    expect(res.headers.get("etag")).toBeNull();
    expect(res.headers.get("cache-control") ?? "").not.toContain("public");
  });

  it("hashes any change of the text, including one character", () => {
    expect(fnv1a64('{"a":1}')).not.toBe(fnv1a64('{"a":2}'));
    expect(fnv1a64("")).toMatch(/^[0-9a-f]{16}$/);
  });
});

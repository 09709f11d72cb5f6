import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADULT, FILMS, loadCatalogFixture } from "../support/catalog-fixture";
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

async function titles(path: string): Promise<string[]> {
  const res = await server.get(path);
  const body = await res.json();
  expect(res.status, `${path} -> ${JSON.stringify(body)}`).toBe(200);
  return body.data.map((m: { title: string }) => m.title);
}

describe("GET /v1/movies", () => {
  it("sorts by popularity by default and never lists adult films", async () => {
    expect(await titles("/v1/movies")).toEqual([
      "The Matrix",
      "Arrival",
      "Amélie",
      "Undated_Drama 100%",
      "Tiny Perfect Film",
    ]);
  });

  it("sorts by weighted rating, so 3 votes of 10 do not beat 20,000 votes of 8.2", async () => {
    const list = await titles("/v1/movies?sort=rating");
    expect(list[0]).toBe("The Matrix");
    expect(list.indexOf("Tiny Perfect Film")).toBeGreaterThan(list.indexOf("Arrival"));
  });

  it("sorts by release date with unknown dates last in both directions", async () => {
    expect(await titles("/v1/movies?sort=release_date")).toEqual([
      "Arrival",
      "Tiny Perfect Film",
      "Amélie",
      "The Matrix",
      "Undated_Drama 100%",
    ]);
    expect(await titles("/v1/movies?sort=release_date&order=asc")).toEqual([
      "The Matrix",
      "Amélie",
      "Tiny Perfect Film",
      "Arrival",
      "Undated_Drama 100%",
    ]);
  });

  it("filters by genre (name in any case, or id), year range, language and title text", async () => {
    expect(await titles("/v1/movies?genre=science%20fiction")).toEqual(["The Matrix", "Arrival"]);
    expect(await titles("/v1/movies?genre=878&year_from=2000")).toEqual(["Arrival"]);
    expect(await titles("/v1/movies?language=fr")).toEqual(["Amélie"]);
    expect(await titles("/v1/movies?q=MATRIX")).toEqual(["The Matrix"]);
    expect(await titles("/v1/movies?q=fabuleux")).toEqual(["Amélie"]);
    expect(await titles(`/v1/movies?q=${encodeURIComponent("100%")}`)).toEqual(["Undated_Drama 100%"]);
    expect(await titles("/v1/movies?q=_"), "punctuation alone matches nothing").toEqual([]);
    expect(await titles("/v1/movies?q=amelie"), "accent-folded").toEqual(["Amélie"]);
    expect(await titles("/v1/movies?q=matr"), "the start of a word, for type-ahead").toEqual(["The Matrix"]);
    expect(await titles(`/v1/movies?q=${encodeURIComponent(ADULT.title)}`)).toEqual([]);
  });

  it("pages with a cursor until every film is seen exactly once", async () => {
    for (const sort of ["popularity", "rating", "release_date", "title"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: Response = await server.get(`/v1/movies?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        const body = await res.json();
        expect(res.status, JSON.stringify(body)).toBe(200);
        seen.push(...body.data.map((m: { title: string }) => m.title));
        cursor = body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen.sort(), `sort=${sort}`).toEqual(
        Object.values(FILMS)
          .map((f) => f.title)
          .sort(),
      );
      expect(pages, `sort=${sort}`).toBe(3);
    }
  });

  it("rejects bad input with 400 naming the field", async () => {
    const cases: [string, string][] = [
      ["/v1/movies?limit=101", "limit"],
      ["/v1/movies?limit=-1", "limit"],
      ["/v1/movies?limit=abc", "limit"],
      ["/v1/movies?sort=votes", "sort"],
      ["/v1/movies?year_from=2010&year_to=2000", "year_from"],
      ["/v1/movies?language=english", "language"],
      ["/v1/movies?cursor=garbage", "cursor"],
      ["/v1/movies?genere=Drama", "genere"],
      ["/v1/movies?genre=Western", "unknown genre"],
    ];
    for (const [path, field] of cases) {
      const res = await server.get(path);
      const body = await res.json();
      expect(res.status, `${path}: ${JSON.stringify(body)}`).toBe(400);
      expect(body.error.code).toBe("BAD_REQUEST");
      expect(body.error.message, path).toContain(field);
      expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
    }
  });

  it("refuses a cursor from another sort order", async () => {
    const first = await (await server.get("/v1/movies?limit=1")).json();
    const res = await server.get(`/v1/movies?limit=1&sort=title&cursor=${first.nextCursor}`);
    expect(res.status).toBe(400);
  });

  it("sends Cache-Control and an ETag, and answers If-None-Match with 304", async () => {
    const res = await server.get("/v1/movies?limit=3");
    expect(res.headers.get("cache-control")).toContain("max-age=900");
    const tag = res.headers.get("etag");
    expect(tag).toBeTruthy();
    const again = await server.get("/v1/movies?limit=3", { headers: { "If-None-Match": tag as string } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });
});

describe("GET /v1/movies/{id}", () => {
  it("returns the film with an hour of caching", async () => {
    const res = await server.get(`/v1/movies/${FILMS.amelie.id}`);
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ id: 194, title: "Amélie", year: 2001, language: "fr", genres: ["Comedy"] });
    expect(res.headers.get("cache-control")).toContain("max-age=3600");
  });

  it("answers 404 for a missing or adult film and 400 for a malformed id", async () => {
    for (const [path, status] of [
      ["/v1/movies/424242", 404],
      [`/v1/movies/${ADULT.id}`, 404],
      ["/v1/movies/abc", 400],
      ["/v1/movies/0", 400],
      ["/v1/movies/99999999999", 400],
    ] as const) {
      const res = await server.get(path);
      const body = await res.json();
      expect(res.status, path).toBe(status);
      expect(Object.keys(body)).toEqual(["error"]);
    }
  });
});

describe("GET /v1/genres", () => {
  it("lists genres by name with film counts (adult films not counted)", async () => {
    const body = await (await server.get("/v1/genres")).json();
    expect(body.data).toEqual([
      { id: 28, name: "Action", movieCount: 1 },
      { id: 35, name: "Comedy", movieCount: 1 },
      { id: 18, name: "Drama", movieCount: 3 },
      { id: 878, name: "Science Fiction", movieCount: 2 },
    ]);
  });
});

describe("the error model and request plumbing", () => {
  it("answers unknown paths with a 404 envelope and wrong methods with 405 and Allow", async () => {
    const missing = await server.get("/v2/nothing");
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("NOT_FOUND");
    const wrong = await server.get("/v1/movies", { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toContain("GET");
    expect((await wrong.json()).error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("answers 415 for a non-JSON body and 413 for an oversized one", async () => {
    const text = await server.get("/v1/movies", {
      method: "POST",
      body: "hello",
      headers: { "content-type": "text/plain" },
    });
    expect([405, 415]).toContain(text.status);
    const big = await server.get("/ping", {
      method: "PUT",
      body: JSON.stringify({ x: "y".repeat(70_000) }),
      headers: { "content-type": "application/json" },
    });
    expect([405, 413]).toContain(big.status);
  });

  it("echoes a sane X-Request-Id, replaces a hostile one, and logs one JSON line per request", async () => {
    const mine = await server.get("/ping", { headers: { "X-Request-Id": "client-abc-12345" } });
    expect(mine.headers.get("x-request-id")).toBe("client-abc-12345");
    const hostile = await server.get("/ping", { headers: { "X-Request-Id": 'x"; drop table' } });
    expect(hostile.headers.get("x-request-id")).not.toContain("drop");
    const line = server.logs.find((l) => l.requestId === "client-abc-12345");
    expect(line).toMatchObject({ method: "GET", path: "/ping", status: 200 });
  });

  it("allows CORS preflight from browsers", async () => {
    const res = await server.get("/v1/movies", {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("reports health with database latency and migrations", async () => {
    const body = await (await server.get("/health")).json();
    expect(body.status).toBe("ok");
    expect(body.database.ok).toBe(true);
    expect(body.migrations.upToDate).toBe(true);
    expect(typeof body.database.latencyMs).toBe("number");
  });
});

/** The catalogue and the request plumbing, through the real Worker entry inside workerd, over a real database. */
import { describe, expect, inject, it } from "vitest";
import { ADULT, FILMS } from "../support/catalog-fixture";
import { call, expectJson } from "./support";

interface Page {
  data: { id: number; title: string }[];
  nextCursor: string | null;
}

async function titles(path: string): Promise<string[]> {
  const body = await expectJson<Page>(await call(path), 200);
  return body.data.map((m) => m.title);
}

describe("system endpoints in workerd", () => {
  it("answers /ping without touching the database", async () => {
    const res = await call("/ping");
    expect(await expectJson(res, 200)).toEqual({ pong: true });
    expect(res.headers.get("x-request-id"), "every response carries a request id").toBeTruthy();
  });

  it("reaches the database from /health and reports the applied migrations", async () => {
    const body = await expectJson<{
      status: string;
      database: { ok: boolean; adapter: string; latencyMs: number };
      migrations: { applied: number; latest: string };
    }>(await call("/health"), 200);
    expect(body.status).toBe("ok");
    expect(body.database).toMatchObject({ ok: true, adapter: "postgres" });
    expect(body.database.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.migrations.latest, JSON.stringify(body)).toBe(inject("workerLatestMigration"));
  });
});

describe("GET /v1/movies in workerd", () => {
  it("lists by popularity and never shows adult films", async () => {
    expect(await titles("/v1/movies")).toEqual([
      "The Matrix",
      "Arrival",
      "Amélie",
      "Undated_Drama 100%",
      "Tiny Perfect Film",
    ]);
  });

  it("filters by genre, year range, language and title text", async () => {
    expect(await titles("/v1/movies?genre=science%20fiction")).toEqual(["The Matrix", "Arrival"]);
    expect(await titles("/v1/movies?genre=878&year_from=2000")).toEqual(["Arrival"]);
    expect(await titles("/v1/movies?year_from=1990&year_to=2001")).toEqual(["The Matrix", "Amélie"]);
    expect(await titles("/v1/movies?language=fr")).toEqual(["Amélie"]);
    expect(await titles("/v1/movies?q=fabuleux")).toEqual(["Amélie"]);
    expect(await titles(`/v1/movies?q=${encodeURIComponent(ADULT.title)}`)).toEqual([]);
  });

  it("pages with the next cursor until every film is seen exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await expectJson<Page>(
        await call(`/v1/movies?sort=title&limit=2${cursor ? `&cursor=${cursor}` : ""}`),
        200,
      );
      seen.push(...page.data.map((m) => m.title));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(["Amélie", "Arrival", "The Matrix", "Tiny Perfect Film", "Undated_Drama 100%"]);
    expect(pages, "5 films at 2 per page").toBe(3);
  });

  it("answers 400 naming the bad field", async () => {
    for (const [path, field] of [
      ["/v1/movies?limit=101", "limit"],
      ["/v1/movies?genre=Western", "unknown genre"],
      ["/v1/movies?cursor=garbage", "cursor"],
      ["/v1/movies?colour=red", "colour"],
    ]) {
      const body = await expectJson<{ error: { code: string; message: string } }>(await call(path), 400);
      expect(body.error.code, path).toBe("BAD_REQUEST");
      expect(body.error.message, path).toContain(field);
    }
  });

  it("sends Cache-Control and an ETag, and answers a matching If-None-Match with an empty 304", async () => {
    const res = await call("/v1/movies?limit=3");
    await expectJson(res, 200);
    expect(res.headers.get("cache-control")).toContain("max-age=900");
    const tag = res.headers.get("etag");
    expect(tag, "list responses carry an ETag").toBeTruthy();
    const again = await call("/v1/movies?limit=3", { headers: { "If-None-Match": tag as string } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const other = await call("/v1/movies?limit=3", { headers: { "If-None-Match": '"stale"' } });
    expect(other.status, "a stale tag gets the full page").toBe(200);
    await other.text();
  });
});

describe("GET /v1/movies/{id} in workerd", () => {
  it("returns the film with an hour of caching", async () => {
    const res = await call(`/v1/movies/${FILMS.arrival.id}`);
    expect(await expectJson(res, 200)).toMatchObject({
      id: FILMS.arrival.id,
      title: "Arrival",
      year: 2016,
      genres: ["Drama", "Science Fiction"],
    });
    expect(res.headers.get("cache-control")).toContain("max-age=3600");
    const again = await call(`/v1/movies/${FILMS.arrival.id}`, {
      headers: { "If-None-Match": res.headers.get("etag") as string },
    });
    expect(again.status).toBe(304);
  });

  it("answers 404 for a missing or adult film and 400 for a malformed id, always as the envelope", async () => {
    for (const [path, status, code] of [
      ["/v1/movies/424242", 404, "NOT_FOUND"],
      [`/v1/movies/${ADULT.id}`, 404, "NOT_FOUND"],
      ["/v1/movies/abc", 400, "BAD_REQUEST"],
      ["/v1/movies/0", 400, "BAD_REQUEST"],
    ] as const) {
      const res = await call(path);
      const body = await expectJson<{ error: { code: string; requestId: string } }>(res, status);
      expect(Object.keys(body), path).toEqual(["error"]);
      expect(body.error.code, path).toBe(code);
      expect(body.error.requestId, path).toBe(res.headers.get("x-request-id"));
    }
  });
});

describe("request checks in workerd", () => {
  it("answers a wrong method with 405 and Allow", async () => {
    const res = await call("/v1/movies", { method: "DELETE" });
    expect((await expectJson<{ error: { code: string } }>(res, 405)).error.code).toBe("METHOD_NOT_ALLOWED");
    expect(res.headers.get("allow")).toContain("GET");
  });

  it("answers 413 for a body over MAX_BODY_BYTES, declared or chunked", async () => {
    const big = JSON.stringify({ text: "y".repeat(70_000) });
    const declared = await call("/v1/movies", {
      method: "POST",
      body: big,
      headers: { "content-type": "application/json", "content-length": String(big.length) },
    });
    expect((await expectJson<{ error: { code: string } }>(declared, 413)).error.code).toBe("PAYLOAD_TOO_LARGE");
    const chunks = new TextEncoder().encode(big);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < chunks.length; i += 16_384) controller.enqueue(chunks.slice(i, i + 16_384));
        controller.close();
      },
    });
    const streamed = await call("/v1/movies", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json" },
      // @ts-expect-error: `duplex` is required for a streamed body but missing from the DOM RequestInit type
      duplex: "half",
    });
    expect((await expectJson<{ error: { code: string } }>(streamed, 413)).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers 415 for a body that is not JSON", async () => {
    const res = await call("/v1/movies", { method: "POST", body: "hello", headers: { "content-type": "text/plain" } });
    expect((await expectJson<{ error: { code: string } }>(res, 415)).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});

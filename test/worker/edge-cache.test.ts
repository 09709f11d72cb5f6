/**
 * The edge cache (Workers Cache API) in workerd: a repeat public read is answered from caches.default without the
 * database. "Without the database" is proven by answering the repeat with bindings whose database is unreachable
 * (no HYPERDRIVE, DATABASE_URL on a closed port): anything that reached Postgres would answer 503.
 * Each test uses a host of its own, so entries never leak between tests (or into the rest of the suite).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../functions/worker";
import { FILMS } from "../support/catalog-fixture";
import { suiteBindings } from "./support";

const NOWHERE = "postgres://marquee:marquee@127.0.0.1:1/marquee";
const online = { ...suiteBindings, EDGE_CACHE: "true" };
const offline = { ...online, DATABASE_URL: NOWHERE };

/** What caches.default holds for a URL (workerd's CacheStorage has `default`; the DOM typings do not). */
const storedAt = (url: string) =>
  (caches as unknown as { default: { match(key: Request): Promise<Response | undefined> } }).default.match(
    new Request(url),
  );

let hosts = 0;
const freshHost = () => `https://edge-${++hosts}-${Date.now().toString(36)}.marquee.test`;

/** One request through the Worker entry, waiting for its waitUntil work (the cache put) before returning. */
async function get(bindings: Record<string, string>, url: string, headers: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(url, { headers }), bindings, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, text, cache: /cache;desc=(\w+)/.exec(res.headers.get("Server-Timing") ?? "")?.[1] };
}

describe("edge cache", () => {
  it("stores a film on the first read and answers the repeat without the database", async () => {
    const url = `${freshHost()}/v1/movies/${FILMS.matrix.id}`;
    const first = await get(online, url);
    expect(first.res.status, first.text).toBe(200);
    expect(first.cache, "first read").toBe("miss");
    const repeat = await get(offline, url);
    expect(repeat.res.status, `repeat with the database unreachable: ${repeat.text}`).toBe(200);
    expect(repeat.cache, "repeat read").toBe("hit");
    expect(repeat.text).toBe(first.text);
    expect(repeat.res.headers.get("ETag")).toBe(first.res.headers.get("ETag"));
    expect(repeat.res.headers.get("Content-Type")).toContain("application/json");
    expect(repeat.res.headers.get("X-Request-Id"), "a hit is still a request of its own").toBeTruthy();
    expect(repeat.res.headers.get("Server-Timing")).toMatch(/^db;dur=0,/);
  });

  it("keys by the normalised URL: query parameters in any order are one entry, other values are not", async () => {
    const host = freshHost();
    const first = await get(online, `${host}/v1/movies?sort=rating&genre=Drama&limit=2`);
    expect(first.res.status, first.text).toBe(200);
    const reordered = await get(offline, `${host}/v1/movies?limit=2&genre=Drama&sort=rating`);
    expect(reordered.res.status, reordered.text).toBe(200);
    expect(reordered.text).toBe(first.text);
    const other = await get(offline, `${host}/v1/movies?sort=rating&genre=Drama&limit=3`);
    expect(other.res.status, "a different limit is a different entry, so it reaches the (unreachable) database").toBe(
      503,
    );
  });

  it("stores each answer with its route's max-age and answers If-None-Match from the cache with 304", async () => {
    const host = freshHost();
    const detail = `${host}/v1/movies/${FILMS.arrival.id}`;
    const first = await get(online, detail);
    const stored = await storedAt(detail);
    expect(stored?.headers.get("Cache-Control"), "stored film").toBe("public, max-age=3600");
    await get(online, `${host}/v1/genres`);
    const genres = await storedAt(`${host}/v1/genres`);
    expect(genres?.headers.get("Cache-Control"), "stored genre list").toBe("public, max-age=900");
    const tag = first.res.headers.get("ETag") as string;
    const conditional = await get(offline, detail, { "If-None-Match": tag });
    expect(conditional.res.status, conditional.text).toBe(304);
    expect(conditional.text).toBe("");
    expect(conditional.res.headers.get("ETag")).toBe(tag);
  });

  it("never stores errors, and stores nothing when EDGE_CACHE is false", async () => {
    const host = freshHost();
    const missing = await get(online, `${host}/v1/movies/987654321`);
    expect(missing.res.status).toBe(404);
    expect((await get(offline, `${host}/v1/movies/987654321`)).res.status, "a 404 was not stored").toBe(503);
    const off = { ...online, EDGE_CACHE: "false" };
    const url = `${host}/v1/movies/${FILMS.amelie.id}`;
    const first = await get(off, url);
    expect(first.res.status, first.text).toBe(200);
    expect(first.cache, "no cache, no lookup").toBeUndefined();
    expect(await storedAt(url), "nothing stored").toBeUndefined();
  });
});

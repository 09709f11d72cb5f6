/**
 * The edge cache for public reads: in the Worker, the Workers Cache API (`caches.default`, local to each Cloudflare
 * data centre). publicCache (cache.ts) consults it before the handler runs and stores what the handler answered,
 * so a repeat read within the route's max-age is answered from the data centre without opening a database
 * connection at all.
 *
 * - Key: the request URL with its query parameters sorted (`?b=2&a=1` and `?a=1&b=2` are one entry) and no
 *   fragment; nothing else varies these answers (they are public: no Authorization, no cookies).
 * - Freshness: the route's own max-age (DETAIL_MAX_AGE, LIST_MAX_AGE, POPULAR_MAX_AGE), stored as
 *   `Cache-Control: public, max-age=N`, which the Cache API honours; then the next read goes to the database
 *   and stores the new answer. So new data from the TMDB sync or the nightly job is served everywhere within
 *   that max-age (README, "Edge cache"). Time-based on purpose: versioned keys would need a version read per
 *   request from somewhere shared, which is the round trip the cache exists to avoid.
 * - Stored only: 200 answers to GET whose JSON publicCache saw; errors and 304s are never stored.
 * - A hit answers 304 itself when If-None-Match matches the stored ETag.
 */
import type { Context } from "hono";
import type { AppEnv } from "../context";
import { requestTiming } from "./server-timing";

/** What the edge cache needs of the Cache API (`caches.default` satisfies it). */
export interface EdgeCache {
  match(key: Request): Promise<Response | undefined>;
  put(key: Request, response: Response): Promise<void>;
}

/** The cache key for a request URL: query parameters sorted by name (stable for repeated names), no fragment. */
export function edgeCacheKey(url: string): Request {
  const normalised = new URL(url);
  normalised.hash = "";
  normalised.searchParams.sort();
  if (normalised.search === "?") normalised.search = "";
  return new Request(normalised.toString(), { method: "GET" });
}

export interface EdgeLookup {
  /** The stored answer, or undefined on a miss. */
  hit: Response | undefined;
  /** Seconds since the hit was stored (0 on a miss). */
  ageSeconds: number;
  /** Stores this request's answer (after the response, through waitUntil). */
  store(body: string, etag: string, maxAgeSeconds: number): void;
}

/** Looks the request up in the edge cache, when there is one and the request is a GET; times the lookup. */
export async function edgeLookup(c: Context<AppEnv>): Promise<EdgeLookup | undefined> {
  const { edgeCache, defer } = c.get("services");
  if (!edgeCache || c.req.method !== "GET") return undefined;
  const key = edgeCacheKey(c.req.url);
  const timing = requestTiming(c);
  const started = performance.now();
  // A cache that fails (an outage, a quota) must not fail the read: the database still answers.
  const hit = await edgeCache.match(key).catch(() => undefined);
  timing.cacheMs += performance.now() - started;
  timing.cache = hit ? "hit" : "miss";
  const storedAt = Date.parse(hit?.headers.get("Date") ?? "");
  return {
    hit,
    ageSeconds: Number.isFinite(storedAt) ? Math.max(0, Math.floor((Date.now() - storedAt) / 1000)) : 0,
    store(body, etag, maxAgeSeconds) {
      const stored = new Response(body, {
        headers: {
          "Content-Type": "application/json",
          ETag: etag,
          "Cache-Control": `public, max-age=${maxAgeSeconds}`,
          Date: new Date().toUTCString(),
        },
      });
      const putting = edgeCache.put(key, stored).catch(() => {});
      if (defer) defer(putting);
    },
  };
}

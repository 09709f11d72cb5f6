/**
 * Public caching for catalogue reads: `Cache-Control` with the given max age, a strong ETag over the JSON body,
 * and 304 for a matching If-None-Match.
 *
 * Not hono/etag: it clones the finished Response, re-reads the copy as a stream and hashes it with async Web
 * Crypto, which on the Node server cost more CPU than the database call (`marquee bench catalog`, profiled).
 * Here the middleware sees the JSON text as the handler serialises it (c.json is wrapped for this request) and
 * hashes it synchronously. An ETag is a cache validator, not a signature: a 64-bit FNV-1a plus the length is
 * ample, and it is the same in the Worker and in Node.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { edgeLookup } from "./edge-cache";

/** FNV-1a over UTF-16 code units in two independent 32-bit lanes, as 16 hex digits. */
export function fnv1a64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x0100019d);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/** If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored on both sides. */
function matches(ifNoneMatch: string | undefined, tag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  return ifNoneMatch.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === tag);
}

export function publicCache(maxAgeSeconds: number): MiddlewareHandler<AppEnv> {
  const cacheControl = `public, max-age=${maxAgeSeconds}, stale-while-revalidate=${maxAgeSeconds}`;
  return async (c, next) => {
    const edge = await edgeLookup(c);
    if (edge?.hit) {
      const tag = edge.hit.headers.get("ETag") ?? "";
      // Age tells browsers and proxies how much of max-age the edge copy has used, so they do not keep it longer.
      const headers = { ETag: tag, "Cache-Control": cacheControl, Age: String(edge.ageSeconds) };
      if (tag && matches(c.req.header("If-None-Match"), tag)) return c.body(null, 304, headers);
      return c.body(await edge.hit.text(), 200, { "Content-Type": "application/json", ...headers });
    }
    let body: string | undefined;
    type Json = (object: unknown, arg?: unknown, headers?: Record<string, string>) => Response;
    const send = c.body as unknown as (data: string, arg?: unknown, headers?: Record<string, string>) => Response;
    (c as unknown as { json: Json }).json = (object, arg, headers) => {
      body = JSON.stringify(object);
      return send(body, arg, { "Content-Type": "application/json", ...headers });
    };
    await next();
    if (body === undefined || c.res.status !== 200 || (c.req.method !== "GET" && c.req.method !== "HEAD")) return;
    const tag = `"${fnv1a64(body)}${body.length.toString(16)}"`;
    if (c.req.method === "GET") edge?.store(body, tag, maxAgeSeconds);
    if (matches(c.req.header("If-None-Match"), tag)) {
      notModified(c, tag, cacheControl);
      return;
    }
    // Straight onto the response's headers: c.header() after the handler would rebuild the Response around a
    // stream, and the Node adapter could no longer write the body string directly.
    c.res.headers.set("ETag", tag);
    c.res.headers.set("Cache-Control", cacheControl);
  };
}

function notModified(c: Context<AppEnv>, tag: string, cacheControl: string) {
  c.res = new Response(null, { status: 304, headers: { ETag: tag, "Cache-Control": cacheControl } });
  c.res.headers.delete("Content-Type");
}

export const LIST_MAX_AGE = 15 * 60;
export const DETAIL_MAX_AGE = 60 * 60;

/**
 * Public caching for catalogue reads: `Cache-Control` with the given max age, a strong ETag over the body, and
 * 304 for a matching If-None-Match (hono/etag does the hashing and the comparison).
 */
import type { MiddlewareHandler } from "hono";
import { etag } from "hono/etag";
import type { AppEnv } from "../context";

export function publicCache(maxAgeSeconds: number): MiddlewareHandler<AppEnv> {
  const tag = etag();
  return async (c, next) => {
    await tag(c, next);
    if (c.res.status === 200 || c.res.status === 304) {
      c.header("Cache-Control", `public, max-age=${maxAgeSeconds}, stale-while-revalidate=${maxAgeSeconds}`);
    }
  };
}

export const LIST_MAX_AGE = 15 * 60;
export const DETAIL_MAX_AGE = 60 * 60;

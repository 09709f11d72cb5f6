/**
 * The API-wide rate limit per client address (RATE_LIMIT_PER_MINUTE; 0 turns it off): 429 with Retry-After.
 * - Node: `memoryRateLimiter`, a token bucket per address in this process (the limit refills smoothly, so a
 *   client never waits more than the time one request takes to come back).
 * - Worker: `bindingRateLimiter` over the Workers rate-limiting binding (API_RATE_LIMITER in wrangler.toml),
 *   counted at Cloudflare's edge location. It says only yes or no, not when, so Retry-After is its period.
 * Preflight requests (OPTIONS) are never counted: browsers send them on their own.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv, RateLimiter } from "../context";
import { ApiError } from "../errors";
import { clientAddress } from "../lib/auth/client-address";

interface Bucket {
  tokens: number;
  at: number;
}

/** At most `perMinute` requests per key and minute, in bursts of up to `perMinute`; `now` in milliseconds. */
export function memoryRateLimiter(options: {
  perMinute: number;
  now?: () => number;
  /** Keys kept at most; the least recently seen are forgotten first (each is at most a minute of state). */
  maxKeys?: number;
}): RateLimiter {
  const now = options.now ?? Date.now;
  const ratePerMs = options.perMinute / 60_000;
  const maxKeys = options.maxKeys ?? 100_000;
  const buckets = new Map<string, Bucket>();
  return {
    async limit(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: options.perMinute, at: t };
      buckets.delete(key); // re-inserted below: Map order is then least recently seen first
      bucket.tokens = Math.min(options.perMinute, bucket.tokens + (t - bucket.at) * ratePerMs);
      bucket.at = t;
      let result: Awaited<ReturnType<RateLimiter["limit"]>>;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        result = { ok: true };
      } else {
        result = { ok: false, retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000)) };
      }
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
      return result;
    },
  };
}

/** The Workers rate-limiting binding's interface (https://developers.cloudflare.com/workers/runtime-apis/bindings/rate-limit/). */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export function bindingRateLimiter(binding: RateLimitBinding, periodSeconds: number): RateLimiter {
  return {
    async limit(key) {
      const { success } = await binding.limit({ key });
      return success ? { ok: true } : { ok: false, retryAfter: periodSeconds };
    },
  };
}

export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const limiter = c.get("services").rateLimiter;
  if (!limiter || c.req.method === "OPTIONS") return next();
  const verdict = await limiter.limit(`client:${clientAddress(c)}`);
  if (!verdict.ok) {
    c.get("logFields").rateLimited = true;
    throw new ApiError(
      "TOO_MANY_REQUESTS",
      `too many requests from this client; try again in ${verdict.retryAfter} s`,
      {
        headers: { "Retry-After": String(verdict.retryAfter) },
      },
    );
  }
  return next();
};

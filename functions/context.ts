/** Per-request services on the context (`c.get("services")`), and the app's Env type. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Config } from "./env";
import type { Database } from "./lib/db/port";
import type { EdgeCache } from "./middleware/edge-cache";
import type { RequestTiming } from "./middleware/server-timing";

export interface Services {
  config: Config;
  db: Database;
  /** Name of the newest migration this build ships, when known (Node reads the folder; see /health). */
  expectedMigration?: string;
  /** The clock for throttles and rate limits (tests move it); default Date.now. */
  now?: () => number;
  /** The API-wide per-client rate limit; none: no limit. */
  rateLimiter?: RateLimiter;
  /** The anonymous session recommendations' own per-client limit (SESSION_RATE_LIMIT_PER_MINUTE); none: no limit. */
  sessionRateLimiter?: RateLimiter;
  /** Process memory, where the runtime shows it (Node); the Worker's isolate does not (GET /api/memory). */
  processMemory?: () => Record<string, number>;
  /** The edge cache for public reads (the Worker's `caches.default`); absent in Node (middleware/edge-cache.ts). */
  edgeCache?: EdgeCache;
  /** Runs work after the response without holding it up (the Worker's waitUntil). */
  defer?: (work: Promise<unknown>) => void;
}

export interface RateLimiter {
  /** Counts one request of `key`; `retryAfter` (seconds) when it is over the limit. */
  limit(key: string): Promise<{ ok: true } | { ok: false; retryAfter: number }>;
}

export interface AppEnv {
  Bindings: Record<string, unknown>;
  Variables: {
    services: Services;
    requestId: string;
    /** Set by the auth middleware on authenticated routes. */
    userId?: string;
    /** Anything a handler wants in the request's log line (never secrets). */
    logFields: Record<string, unknown>;
    /** Database, cache and app time of this request (middleware/server-timing.ts). */
    timing?: RequestTiming;
  };
}

export type App = OpenAPIHono<AppEnv>;
export type AppContext = Context<AppEnv>;

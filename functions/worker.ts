/**
 * The Cloudflare Worker entry (wrangler.toml `main`). Each request gets its own database handle: Workers may
 * not share a TCP socket between requests, so a pooled connection cannot outlive the request. Hyperdrive keeps
 * the expensive part warm: bound as HYPERDRIVE (wrangler.toml `[[hyperdrive]]`), the Worker connects through it
 * (a short hop to a pool Cloudflare holds near the database) instead of opening TCP, TLS and SCRAM to Postgres
 * itself on every request.
 */
import { createApp } from "./app";
import { configFrom } from "./env";
import type { EdgeCache } from "./middleware/edge-cache";
import { bindingRateLimiter, type RateLimitBinding } from "./middleware/rate-limit";
import { requestTiming } from "./middleware/server-timing";
import { openRemoteDatabase } from "./services";

/** The part of a Hyperdrive binding the Worker uses (workers-types' `Hyperdrive`). */
interface HyperdriveBinding {
  connectionString: string;
}

const withHyperdrive = new WeakMap<object, Record<string, unknown>>();

/**
 * The env to configure from: with HYPERDRIVE bound, its connection string is the Postgres URL, unless MARQUEE_DB
 * names an HTTP adapter (supabase, neon), which is a deliberate choice and kept. One object per isolate's env, so
 * configFrom still parses once.
 */
export function workerEnv(env: Record<string, unknown>): Record<string, unknown> {
  const hyperdrive = env.HYPERDRIVE as HyperdriveBinding | undefined;
  if (!hyperdrive?.connectionString || env.MARQUEE_DB === "supabase" || env.MARQUEE_DB === "neon") return env;
  let derived = withHyperdrive.get(env);
  if (!derived) {
    derived = { ...env, MARQUEE_DB: "postgres", DATABASE_URL: hyperdrive.connectionString };
    withHyperdrive.set(env, derived);
  }
  return derived;
}

/** The Workers Cache API's shared cache; absent where the runtime has none. */
function defaultCache(): EdgeCache | undefined {
  return (globalThis as { caches?: { default?: EdgeCache } }).caches?.default;
}

const app = createApp({
  services: (c) => {
    const config = configFrom(workerEnv(c.env));
    const binding = c.env.API_RATE_LIMITER as RateLimitBinding | undefined;
    const sessionBinding = c.env.SESSION_RATE_LIMITER as RateLimitBinding | undefined;
    const timing = requestTiming(c);
    const onConnect = (ms: number) => {
      timing.connectMs += ms;
      timing.connects += 1;
    };
    const defer = (work: Promise<unknown>) => {
      try {
        c.executionCtx.waitUntil(work);
      } catch {
        // no execution context (app.request in tests): the work still runs, unawaited
      }
    };
    return {
      config,
      db: openRemoteDatabase(config, { poolSize: 1, onConnect }),
      edgeCache: config.EDGE_CACHE ? defaultCache() : undefined,
      defer,
      // The binding's limit and period are set in wrangler.toml (period 60); RATE_LIMIT_PER_MINUTE=0 turns it off.
      rateLimiter: binding && config.RATE_LIMIT_PER_MINUTE > 0 ? bindingRateLimiter(binding, 60) : undefined,
      sessionRateLimiter:
        sessionBinding && config.SESSION_RATE_LIMIT_PER_MINUTE > 0 ? bindingRateLimiter(sessionBinding, 60) : undefined,
    };
  },
  release: async (services, c) => {
    const closing = services.db.close().catch(() => {});
    try {
      c.executionCtx.waitUntil(closing);
    } catch {
      await closing; // no execution context (app.request in tests)
    }
  },
});

export default app;

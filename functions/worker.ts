/**
 * The Cloudflare Worker entry (wrangler.toml `main`). Each request gets its own database handle: Workers may
 * not share a TCP socket between requests, so a pooled connection cannot outlive the request. In production put
 * Hyperdrive in front of Postgres (DATABASE_URL = the Hyperdrive connection string) to keep connections warm.
 */
import { createApp } from "./app";
import { configFrom } from "./env";
import { bindingRateLimiter, type RateLimitBinding } from "./middleware/rate-limit";
import { openRemoteDatabase } from "./services";

const app = createApp({
  services: (c) => {
    const config = configFrom(c.env);
    const binding = c.env.API_RATE_LIMITER as RateLimitBinding | undefined;
    return {
      config,
      db: openRemoteDatabase(config, { poolSize: 1 }),
      // The binding's limit and period are set in wrangler.toml (period 60); RATE_LIMIT_PER_MINUTE=0 turns it off.
      rateLimiter: binding && config.RATE_LIMIT_PER_MINUTE > 0 ? bindingRateLimiter(binding, 60) : undefined,
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

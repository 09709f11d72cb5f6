/**
 * The Cloudflare Worker entry (wrangler.toml `main`). Each request gets its own database handle: Workers may
 * not share a TCP socket between requests, so a pooled connection cannot outlive the request. In production put
 * Hyperdrive in front of Postgres (DATABASE_URL = the Hyperdrive connection string) to keep connections warm.
 */
import { createApp } from "./app";
import { configFrom } from "./env";
import { requestTiming } from "./middleware/server-timing";
import { openRemoteDatabase } from "./services";

const app = createApp({
  services: (c) => {
    const config = configFrom(c.env);
    const timing = requestTiming(c);
    const onConnect = (ms: number) => {
      timing.connectMs += ms;
      timing.connects += 1;
    };
    return { config, db: openRemoteDatabase(config, { poolSize: 1, onConnect }) };
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

/**
 * Builds the database adapter that the configuration names, for runtimes without a file system (the Worker).
 * The Node entry adds PGlite on top (see node/server.ts): it is never bundled into the Worker.
 */
import type { Config } from "./env";
import { openNeon } from "./lib/db/neon";
import type { Database } from "./lib/db/port";
import { openPostgres } from "./lib/db/postgres";
import { openSupabase } from "./lib/db/supabase";

/** HTTP adapters wait a little longer than a statement may run, so the server's own timeout error wins. */
const httpTimeoutMs = (config: Config) => config.DATABASE_STATEMENT_TIMEOUT_MS + 1000;

export interface RemoteDatabaseOptions {
  poolSize?: number;
  /** Told how long each new Postgres connection took to open (see middleware/server-timing.ts). */
  onConnect?: (ms: number) => void;
}

export function openRemoteDatabase(config: Config, options: RemoteDatabaseOptions = {}): Database {
  switch (config.MARQUEE_DB) {
    case "postgres":
      return openPostgres({
        connectionString: config.DATABASE_URL as string,
        max: options.poolSize ?? config.DATABASE_POOL_SIZE,
        statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
        onConnect: options.onConnect,
      });
    case "neon":
      return openNeon({ connectionString: config.DATABASE_URL as string, timeoutMs: httpTimeoutMs(config) });
    case "supabase":
      return openSupabase({
        url: config.SUPABASE_URL as string,
        key: (config.SUPABASE_SERVICE_ROLE_KEY ?? config.SUPABASE_ANON_KEY) as string,
        timeoutMs: httpTimeoutMs(config),
      });
    case "pglite":
      throw new Error("MARQUEE_DB=pglite runs only in the Node server; set DATABASE_URL or SUPABASE_URL for a Worker");
  }
}

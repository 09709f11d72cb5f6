/**
 * The Node server: the same app as the Worker, served by @hono/node-server, with the embedded PGlite database
 * as the default. Used by `npm start`, the CLI, the benchmarks and the HTTP tests.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "../functions/app";
import type { Services } from "../functions/context";
import type { Config } from "../functions/env";
import type { Database, SqlDatabase } from "../functions/lib/db/port";
import type { LogSink } from "../functions/middleware/log-requests";
import { memoryRateLimiter } from "../functions/middleware/rate-limit";
import { openRemoteDatabase } from "../functions/services";
import { lockDataDir } from "./data-dir-lock";
import { migrate, readMigrations } from "./db/migrate";
import { openPglite } from "./db/pglite";
import { loadWebAssets } from "./web-assets";

/** Opens the configured database for a long-lived Node process; PGlite is persisted to MARQUEE_DATA_DIR. */
export async function openDatabase(config: Config): Promise<Database> {
  if (config.MARQUEE_DB === "pglite") {
    await mkdir(config.MARQUEE_DATA_DIR, { recursive: true });
    const lock = await lockDataDir(config.MARQUEE_DATA_DIR);
    try {
      const db = await openPglite({ dataDir: `${config.MARQUEE_DATA_DIR}/pglite` });
      const close = db.close;
      return Object.assign(db, {
        async close() {
          await close();
          await lock.release();
        },
      });
    } catch (error) {
      await lock.release();
      throw error;
    }
  }
  return openRemoteDatabase(config);
}

/**
 * Node without JWT_SECRET: a random key, generated once and kept in MARQUEE_DATA_DIR/jwt-secret (mode 0600), so
 * that `npm start` needs no configuration and tokens survive restarts. (A Worker must be given JWT_SECRET.)
 */
export async function ensureJwtSecret(config: Config): Promise<Config> {
  if (config.JWT_SECRET) return config;
  const file = `${config.MARQUEE_DATA_DIR}/jwt-secret`;
  let secret = await readFile(file, "utf8").then(
    (s) => s.trim(),
    () => "",
  );
  if (secret.length < 32) {
    await mkdir(config.MARQUEE_DATA_DIR, { recursive: true });
    secret = randomBytes(48).toString("base64url");
    await writeFile(file, `${secret}\n`, { mode: 0o600 });
  }
  return { ...config, JWT_SECRET: secret };
}

export class PortInUseError extends Error {
  override name = "PortInUseError";
  constructor(host: string, port: number) {
    super(`${host}:${port} is already in use (another server is listening there); set PORT to a free port`);
  }
}

/**
 * Fails with PortInUseError when the port cannot be bound, so `npm start` can stop before it opens (or creates)
 * the database. The real listen later can still lose a race for the port; it fails the same way.
 */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new PortInUseError(host, port) : error),
    );
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export function isSqlDatabase(db: Database): db is SqlDatabase {
  return db.kind === "pglite" || db.kind === "postgres";
}

export interface RunningServer {
  url: string;
  port: number;
  db: Database;
  close(): Promise<void>;
}

export async function startServer(options: {
  config: Config;
  db: Database;
  log?: LogSink;
  hostname?: string;
  /** The clock of throttles and the rate limit (tests move it). */
  now?: () => number;
  /** The built web app to serve at `/` (default web/dist; `npm start` builds it first); false for the API only. */
  webDir?: string | false;
}): Promise<RunningServer> {
  const files = await readMigrations();
  // Without a configured or persisted secret (tests, benchmarks), tokens are signed with a per-process key.
  const config = options.config.JWT_SECRET
    ? options.config
    : { ...options.config, JWT_SECRET: randomBytes(48).toString("base64url") };
  const now = options.now ?? Date.now;
  const services: Services = {
    config,
    db: options.db,
    expectedMigration: files.at(-1)?.name,
    now,
    rateLimiter:
      config.RATE_LIMIT_PER_MINUTE > 0
        ? memoryRateLimiter({ perMinute: config.RATE_LIMIT_PER_MINUTE, now })
        : undefined,
    sessionRateLimiter:
      config.SESSION_RATE_LIMIT_PER_MINUTE > 0
        ? memoryRateLimiter({ perMinute: config.SESSION_RATE_LIMIT_PER_MINUTE, now })
        : undefined,
    processMemory: () => {
      const m = process.memoryUsage();
      return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external };
    },
  };
  const app = createApp({ services: () => services, log: options.log });
  const web = options.webDir === false ? undefined : await loadWebAssets(options.webDir);
  const hostname = options.hostname ?? "127.0.0.1";
  const serveApi = async (request: Request, env: unknown) => {
    const response = await app.fetch(request, env as Record<string, unknown>);
    // A refused body may still be arriving: closing the connection stops it, where keep-alive would make Node
    // read (and discard) the rest of it first.
    if (response.status === 413) response.headers.set("Connection", "close");
    return response;
  };
  const fetch = web ? (request: Request, env: unknown) => web(request) ?? serveApi(request, env) : serveApi;
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch, port: options.config.PORT, hostname }, () => resolve(s));
    s.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new PortInUseError(hostname, options.config.PORT) : error),
    );
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${hostname === "0.0.0.0" ? "127.0.0.1" : hostname}:${port}`,
    port,
    db: options.db,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets would hold close() open for their idle timeout.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/** Migrates a SQL database and, when it is empty and demo data is on, loads the demo catalogue and users. */
export async function prepareDatabase(db: Database, config: Config, log: (line: string) => void = () => {}) {
  if (!isSqlDatabase(db)) return;
  const result = await migrate(db, { log });
  let demoLoaded = false;
  if (config.MARQUEE_DEMO) {
    const { loadDemoData } = await import("./demo/load-demo");
    const started = performance.now();
    const demo = await loadDemoData(db);
    if (demo.loaded) {
      demoLoaded = true;
      log(
        `loaded demo data: ${demo.movies} films, ${demo.users} users, ${demo.ratings} ratings ` +
          `in ${Math.round(performance.now() - started)} ms`,
      );
    } else {
      // A demo database from before books: the books and their synthetic readers join it now.
      const { addDemoBooks } = await import("./demo/load-demo");
      const added = await addDemoBooks(db);
      if (added.books > 0) log(`added demo books: ${added.books} books, ${added.bookRatings} reader ratings`);
    }
  }
  if (config.EMBEDDING_PROVIDER === "local") {
    const { embedWithLocalProvider } = await import("./jobs/backfill-embeddings");
    await embedWithLocalProvider(db, log);
  }
  if (config.MARQUEE_DB === "pglite" || demoLoaded) await computeNeighboursOnce(db, config, log);
  return result;
}

/**
 * The embedded database (or a server just given the demo data) has no scheduler running `marquee jobs nightly`, so
 * the first start that finds ratings but no completed nightly run computes the neighbour tables itself: otherwise
 * the item-based source (and the hybrid's share of it) would stay empty on a fresh demo. Later starts leave it to
 * `npx marquee jobs nightly`.
 */
async function computeNeighboursOnce(db: SqlDatabase, config: Config, log: (line: string) => void) {
  const [state] = await db.query<{ ran: boolean; rated: boolean }>(
    `select exists (select 1 from public.recommendation_job_runs where job = 'nightly') as ran,
            exists (select 1 from public.ratings) as rated`,
  );
  if (state.ran && state.rated) {
    // A run from before book co-reading existed (or before the books were added) left its tables empty.
    const [books] = await db.query<{ missing: boolean }>(
      `select exists (select 1 from public.book_ratings) and not exists (select 1 from public.book_neighbours)
         as missing`,
    );
    if (books?.missing) {
      const { refreshBookNeighbours } = await import("./jobs/book-neighbours");
      const row = await refreshBookNeighbours(db);
      log(`computed book co-reading: ${row.bookPairs} book pairs, ${row.filmPairs} film-to-book pairs`);
    }
  }
  if (state.ran || !state.rated) return;
  const { runNightly } = await import("./jobs/nightly");
  const summary = await runNightly(db, {
    match: {
      threshold: config.MATCH_THRESHOLD,
      minOverlap: config.MATCH_MIN_OVERLAP,
      shrinkage: config.MATCH_SHRINKAGE,
      depth: config.MATCH_CANDIDATES,
    },
  });
  log(
    `computed recommendation neighbours: ${summary.userPairs} user pairs, ${summary.filmPairs} film pairs in ` +
      `${(summary.totalMs / 1000).toFixed(1)} s`,
  );
}

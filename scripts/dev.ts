/**
 * `npm run dev`: the Worker itself (functions/worker.ts) in workerd through `wrangler dev`, against a local
 * Postgres this script starts: the same embedded database as `npm start` (MARQUEE_DATA_DIR, migrated, demo data
 * loaded when empty), served on the Postgres wire protocol by pglite-socket. No Docker, no Cloudflare account.
 *
 * With DATABASE_URL set, the embedded database is skipped: that server is migrated (and given the demo data when
 * empty), like `npm start` does, and the Worker uses it directly.
 *
 * PGlite runs one statement at a time, and pglite-socket mixes up the extended-protocol messages of concurrent
 * connections, while the Worker opens one connection per request. So the database is reached through a small
 * loopback proxy that admits one client connection at a time and queues the others: parallel requests from a
 * browser wait their turn instead of failing.
 *
 * Ctrl-C stops wrangler, then the proxy and the socket server, then closes PGlite so everything is flushed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { ConfigError, parseConfig } from "../functions/env";
import { openPostgres } from "../functions/lib/db/postgres";
import { MigrationError } from "../node/db/migrate";
import { openPglite } from "../node/db/pglite";
import { ensureJwtSecret, prepareDatabase } from "../node/server";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
/** A client connection idle this long loses its turn, so one forgotten connection cannot block the queue. */
const SESSION_IDLE_MS = 30_000;

const log = (line: string) => console.log(`[dev] ${line}`);

/** Admits one client at a time to `upstreamPort`; the others wait in arrival order. */
function startSerialProxy(upstreamPort: number): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const waiting: Socket[] = [];
  const open = new Set<Socket>();
  let busy = false;

  const next = () => {
    if (busy) return;
    const client = waiting.shift();
    if (!client) return;
    if (client.destroyed) return next();
    busy = true;
    const upstream = connect(upstreamPort, "127.0.0.1");
    open.add(upstream);
    // Release the turn only once pglite-socket has seen this session close.
    const upstreamClosed = new Promise<void>((resolve) => upstream.once("close", () => resolve()));
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      client.destroy();
      upstream.destroy();
      void upstreamClosed.then(() => {
        open.delete(upstream);
        busy = false;
        setImmediate(next);
      });
    };
    client.setTimeout(SESSION_IDLE_MS, finish);
    for (const socket of [client, upstream]) {
      socket.on("error", finish);
      socket.on("end", finish);
      socket.on("close", finish);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => {});
    waiting.push(client);
    next();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address !== "object") throw new Error("proxy has no address");
      resolve({
        server,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of open) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

async function main() {
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  process.env.WRANGLER_SEND_METRICS ??= "false";
  const external = process.env.DATABASE_URL;
  const config = parseConfig({ ...process.env, MARQUEE_DB: external ? "postgres" : "pglite" });
  const cleanups: (() => Promise<void>)[] = [];
  let databaseUrl = external;

  if (!databaseUrl) {
    await mkdir(config.MARQUEE_DATA_DIR, { recursive: true });
    const db = await openPglite({ dataDir: join(config.MARQUEE_DATA_DIR, "pglite") });
    cleanups.unshift(async () => {
      await db.close();
      log("embedded database closed");
    });
    await prepareDatabase(db, config, log);
    // Two slots: the proxy keeps one session at a time, the spare absorbs a close that is still in flight.
    const socketServer = new PGLiteSocketServer({ db: db.pglite, host: "127.0.0.1", port: 0, maxConnections: 2 });
    await socketServer.start();
    cleanups.unshift(() => socketServer.stop());
    const upstreamPort = Number(socketServer.getServerConn().split(":").at(-1));
    const proxy = await startSerialProxy(upstreamPort);
    cleanups.unshift(proxy.close);
    databaseUrl = `postgres://postgres:postgres@127.0.0.1:${proxy.port}/postgres?sslmode=disable`;
    log(`embedded database ${join(config.MARQUEE_DATA_DIR, "pglite")} on ${databaseUrl}`);
  } else {
    // Same as `npm start` on that server: migrate, and load the demo data when it is empty.
    const db = openPostgres({ connectionString: databaseUrl, max: 1 });
    try {
      await prepareDatabase(db, config, log);
    } finally {
      await db.close();
    }
    log("using DATABASE_URL (embedded database not started)");
  }

  // Secrets go to wrangler in a private env file (not on the command line). With --env-file wrangler ignores
  // .dev.vars, so a developer's .dev.vars is passed first and our values override only what dev must set.
  const secretsDir = await mkdtemp(join(tmpdir(), "marquee-dev-"));
  cleanups.push(() => rm(secretsDir, { recursive: true, force: true }));
  const envFile = join(secretsDir, "dev.env");
  // Same key as `npm start` (JWT_SECRET, else MARQUEE_DATA_DIR/jwt-secret), so tokens work against either.
  const jwtSecret = (await ensureJwtSecret(config)).JWT_SECRET;
  await writeFile(envFile, `DATABASE_URL=${databaseUrl}\nJWT_SECRET=${jwtSecret}\n`, { mode: 0o600 });
  await chmod(envFile, 0o600);
  const envFiles = existsSync(join(ROOT, ".dev.vars")) ? [join(ROOT, ".dev.vars"), envFile] : [envFile];

  const args = ["dev", "--ip", "127.0.0.1", "--port", String(config.PORT), "--show-interactive-dev-session=false"];
  for (const file of envFiles) args.push("--env-file", file);
  const wrangler: ChildProcess = spawn(WRANGLER, args, {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    // wrangler.toml binds HYPERDRIVE, which the Worker prefers over DATABASE_URL: point it at the same database.
    env: { ...process.env, CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: databaseUrl },
  });
  log(`wrangler dev on http://127.0.0.1:${config.PORT} (Ctrl-C stops it and the database)`);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (wrangler.exitCode === null && wrangler.signalCode === null) {
      const exited = new Promise((resolve) => wrangler.once("exit", resolve));
      wrangler.kill("SIGINT");
      const timer = setTimeout(() => wrangler.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    for (const cleanup of cleanups) await cleanup().catch((error) => log(`cleanup failed: ${error}`));
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  wrangler.on("exit", (code, signal) => {
    if (!stopping) {
      log(`wrangler exited (${signal ?? code}); stopping`);
      void stop(code ?? 1);
    }
  });
}

main().catch((error) => {
  console.error(error instanceof ConfigError || error instanceof MigrationError ? `[dev] ${error.message}` : error);
  process.exit(1);
});

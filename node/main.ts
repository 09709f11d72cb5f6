/** `npm start`: migrate, seed demo data when empty, serve on PORT (default 8787). */
import { ConfigError, parseConfig } from "../functions/env";
import { DataDirLockedError } from "./data-dir-lock";
import { checkPortFree, ensureJwtSecret, openDatabase, PortInUseError, prepareDatabase, startServer } from "./server";

async function main() {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`marquee: ${error.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const say = (line: string) => console.error(`marquee: ${line}`);
  const where =
    config.MARQUEE_DB === "pglite" ? `embedded PGlite in ${config.MARQUEE_DATA_DIR}/pglite` : config.MARQUEE_DB;
  // Before anything touches MARQUEE_DATA_DIR: a second `npm start` on a taken port must not open the database.
  await checkPortFree(config.HOST, config.PORT);
  say(`opening ${where}`);
  // The data-dir lock comes first, before even the JWT secret file is written there.
  const db = await openDatabase(config);
  config = await ensureJwtSecret(config);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    await prepareDatabase(db, config, say);
    server = await startServer({ config, db, hostname: config.HOST });
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: shutting down`);
    await server.close().catch(() => {});
    // PGlite flushes to its folder on close; skipping this can lose the last writes.
    try {
      await db.close();
    } catch (error) {
      console.error("marquee: closing the database failed:", error);
      process.exit(1);
    }
    process.exit(0);
  };
  // The handlers go in before "listening" is announced: a signal that arrives before process.on() meets the
  // default action and kills the process without closing the database (a supervisor, or a test, may send SIGTERM
  // the moment it reads that line).
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  say(`listening on ${server.url} (the app at ${server.url}/, the API docs at ${server.url}/docs)`);
}

main().catch((error) => {
  if (error instanceof PortInUseError || error instanceof DataDirLockedError) {
    console.error(`marquee: cannot start: ${error.message}`);
    process.exit(1);
  }
  console.error("marquee: failed to start:", error);
  process.exit(1);
});

/**
 * Node side of the in-workerd suite: starts one real database that the Worker reaches over TCP, and hands its
 * connection string to the pool (see vitest.config.ts) through `provide`.
 * - Default: PGlite served on the Postgres wire protocol by pglite-socket, on a free port.
 * - DATABASE_URL set: a fresh database on that server, dropped afterwards.
 * Either way it is migrated and holds the tiny catalogue fixture (test/support/catalog-fixture.ts).
 */
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { TestProject } from "vitest/node";
import { migrate, readMigrations } from "../../functions/lib/db/migrate";
import { openPglite } from "../../functions/lib/db/pglite";
import { openPostgres } from "../../functions/lib/db/postgres";
import { loadCatalogFixture } from "../support/catalog-fixture";

declare module "vitest" {
  export interface ProvidedContext {
    /** postgres:// URL of the database the Worker under test uses. */
    workerDatabaseUrl: string;
    /** Name of the newest migration file, which /health should report as applied. */
    workerLatestMigration: string;
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `marquee_worker_${process.pid}`;
    const admin = openPostgres({ connectionString: url, max: 1 });
    await admin.exec(`drop database if exists ${name} with (force)`);
    await admin.exec(`create database ${name}`);
    const target = new URL(url);
    target.pathname = `/${name}`;
    const db = openPostgres({ connectionString: target.toString(), max: 1 });
    await migrate(db);
    await loadCatalogFixture(db);
    await db.close();
    project.provide("workerDatabaseUrl", target.toString());
    project.provide("workerLatestMigration", await latestMigration());
    return async () => {
      await admin.exec(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.close();
    };
  }

  const db = await openPglite();
  await migrate(db);
  await loadCatalogFixture(db);
  // PGlite runs one statement at a time and pglite-socket interleaves the extended-protocol messages of
  // concurrent connections, so tests send requests one after another. A few slots (not 1) let the next request
  // connect while the previous request's connection is still closing in waitUntil.
  const server = new PGLiteSocketServer({ db: db.pglite, host: "127.0.0.1", port: 0, maxConnections: 4 });
  await server.start();
  project.provide(
    "workerDatabaseUrl",
    `postgres://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`,
  );
  project.provide("workerLatestMigration", await latestMigration());
  return async () => {
    await server.stop();
    await db.close();
  };
}

async function latestMigration(): Promise<string> {
  return (await readMigrations()).at(-1)?.name ?? "";
}

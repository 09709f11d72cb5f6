/**
 * Node side of the in-workerd suite: starts two real databases that the Worker reaches over TCP, and hands their
 * connection strings to the pool (see vitest.config.ts) and the tests through `provide`.
 * - Default: PGlite served on the Postgres wire protocol by pglite-socket, on a free port (one server each).
 * - DATABASE_URL set: fresh databases on that server, dropped afterwards.
 * Both are migrated. The suite database (the Worker's own DATABASE_URL) holds only the tiny catalogue fixture
 * (test/support/catalog-fixture.ts), which the catalogue tests rely on. The taste database holds the taste world
 * of test/recommend/fixture.ts (films, the other users and their ratings, embeddings by the local embedder, and
 * the nightly neighbours), for the recommendation and search tests; they reach it with `callTaste` (support.ts).
 */
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { TestProject } from "vitest/node";
import type { SqlDatabase } from "../../functions/lib/db/port";
import { openPostgres } from "../../functions/lib/db/postgres";
import { LocalEmbedder } from "../../functions/lib/embed/local";
import { migrate, readMigrations } from "../../node/db/migrate";
import { openPglite } from "../../node/db/pglite";
import { backfillEmbeddings } from "../../node/jobs/backfill-embeddings";
import { refreshBookNeighbours } from "../../node/jobs/book-neighbours";
import { runNightly } from "../../node/jobs/nightly";
import { loadOtherUsers, loadTasteWorld } from "../recommend/fixture";
import { BOOKS, loadBookShelf, loadReaders } from "../support/book-fixture";
import { FILMS, loadCatalogFixture } from "../support/catalog-fixture";

declare module "vitest" {
  export interface ProvidedContext {
    /** postgres:// URL of the database the Worker under test uses (the catalogue fixture). */
    workerDatabaseUrl: string;
    /** postgres:// URL of the taste-world database (recommendations, similar films, search). */
    workerTasteDatabaseUrl: string;
    /** Name of the newest migration file, which /health should report as applied. */
    workerLatestMigration: string;
  }
}

type Loader = (db: SqlDatabase) => Promise<void>;

/** The taste world as the jobs would leave it: embeddings backfilled and the nightly neighbours computed. */
const loadTaste: Loader = async (db) => {
  await loadTasteWorld(db);
  await loadOtherUsers(db);
  await backfillEmbeddings(db, new LocalEmbedder());
  await runNightly(db);
};

/**
 * The catalogue fixture, and the bookshelf of test/support/book-fixture.ts with a few readers (Arrival's fans read
 * Dune; Dune's readers go on to Dune Messiah) and local embeddings of the books, for test/worker/books.test.ts.
 */
const loadSuite: Loader = async (db) => {
  await loadCatalogFixture(db);
  await loadBookShelf(db);
  await loadReaders(db, [
    {
      films: [[FILMS.arrival.id, 5]],
      books: [
        [BOOKS.dune.id, 5],
        [BOOKS.messiah.id, 4],
      ],
    },
    { films: [[FILMS.arrival.id, 4.5]], books: [[BOOKS.dune.id, 4.5]] },
    {
      books: [
        [BOOKS.hobbit.id, 5],
        [BOOKS.fellowship.id, 5],
      ],
    },
  ]);
  await backfillEmbeddings(db, new LocalEmbedder(), { kind: "book" });
  // Co-reading and film-to-book pairs come from the nightly job's books step, as in production.
  await refreshBookNeighbours(db);
};

export default async function setup(project: TestProject) {
  project.provide("workerLatestMigration", await latestMigration());
  const url = process.env.DATABASE_URL;
  const start = url ? (name: string, load: Loader) => onServer(url, name, load) : onPglite;
  const suite = await start(`marquee_worker_${process.pid}`, loadSuite);
  const taste = await start(`marquee_worker_taste_${process.pid}`, loadTaste).catch(async (error) => {
    await suite.stop();
    throw error;
  });
  project.provide("workerDatabaseUrl", suite.url);
  project.provide("workerTasteDatabaseUrl", taste.url);
  return async () => {
    await taste.stop();
    await suite.stop();
  };
}

interface Started {
  url: string;
  stop(): Promise<void>;
}

/** A fresh database on the DATABASE_URL server, migrated and loaded; stop() drops it. */
async function onServer(url: string, name: string, load: Loader): Promise<Started> {
  const admin = openPostgres({ connectionString: url, max: 1 });
  const drop = () => admin.exec(`drop database if exists ${name} with (force)`);
  await drop();
  await admin.exec(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const db = openPostgres({ connectionString: target.toString(), max: 1 });
  try {
    await migrate(db);
    await load(db);
  } catch (error) {
    await db.close();
    await drop().catch(() => {});
    await admin.close();
    throw error;
  }
  await db.close();
  return {
    url: target.toString(),
    async stop() {
      await drop().catch(() => {});
      await admin.close();
    },
  };
}

/** An in-memory PGlite, migrated and loaded, served on a free loopback port. */
async function onPglite(_name: string, load: Loader): Promise<Started> {
  const db = await openPglite();
  try {
    await migrate(db);
    await load(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  // PGlite runs one statement at a time and pglite-socket interleaves the extended-protocol messages of
  // concurrent connections, so tests send requests one after another. A few slots (not 1) let the next request
  // connect while the previous request's connection is still closing in waitUntil.
  const server = new PGLiteSocketServer({ db: db.pglite, host: "127.0.0.1", port: 0, maxConnections: 4 });
  await server.start();
  return {
    url: `postgres://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

async function latestMigration(): Promise<string> {
  return (await readMigrations()).at(-1)?.name ?? "";
}

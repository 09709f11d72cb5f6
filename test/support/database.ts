/**
 * A fresh, migrated, empty database for a test file: PGlite by default, a real PostgreSQL when DATABASE_URL is
 * set (CI runs the suite both ways). Always `await db.dispose()` in afterAll.
 */
import { readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { vector } from "@electric-sql/pglite-pgvector";
import { inject } from "vitest";
import type { SqlDatabase } from "../../functions/lib/db/port";
import { openPostgres } from "../../functions/lib/db/postgres";
import { openPglite } from "../../node/db/pglite";

export type TestDatabase = SqlDatabase & {
  /** Connection string for a real server; undefined on PGlite. */
  url?: string;
  dispose(): Promise<void>;
};

export const onRealPostgres = Boolean(process.env.DATABASE_URL);

export async function freshDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `marquee_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = openPostgres({ connectionString: url, max: 1 });
    await admin.exec(`create database ${name} template ${inject("pgTemplate")}`);
    const target = new URL(url);
    target.pathname = `/${name}`;
    const db = openPostgres({ connectionString: target.toString(), max: options.poolSize ?? 10 });
    return Object.assign(db, {
      url: target.toString(),
      async dispose() {
        await db.close();
        await admin.exec(`drop database if exists ${name} with (force)`);
        await admin.close();
      },
    });
  }
  const dump = await readFile(inject("pgliteDump"));
  const pglite = await PGlite.create({
    loadDataDir: new Blob([new Uint8Array(dump)]),
    extensions: { vector, pg_trgm, unaccent },
  });
  const db = await openPglite({ instance: pglite });
  return Object.assign(db, {
    async dispose() {
      await pglite.close();
    },
  });
}

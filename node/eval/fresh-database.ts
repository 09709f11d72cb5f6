/**
 * A fresh, migrated, empty database for a job that loads its own data (evaluation, benchmark): an in-memory
 * PGlite, or a new database created on the server of DATABASE_URL (dropped by dispose unless kept).
 */

import type { SqlDatabase } from "../../functions/lib/db/port";
import { openPostgres } from "../../functions/lib/db/postgres";
import { migrate } from "../db/migrate";
import { openPglite } from "../db/pglite";

export interface FreshDatabase {
  db: SqlDatabase;
  /** Connection string of the new database (Postgres only). */
  url?: string;
  name: string;
  dispose(options?: { keep?: boolean }): Promise<void>;
}

export async function openFreshDatabase(
  prefix: string,
  databaseUrl: string | undefined,
  poolSize = 8,
): Promise<FreshDatabase> {
  if (!databaseUrl) {
    const db = await openPglite();
    await migrate(db);
    return { db, name: "pglite (in memory)", dispose: () => db.close() };
  }
  const name = `${prefix}_${Date.now().toString(36)}`;
  const admin = openPostgres({ connectionString: databaseUrl, max: 1 });
  await admin.exec(`create database ${name}`);
  const target = new URL(databaseUrl);
  target.pathname = `/${name}`;
  const db = openPostgres({ connectionString: target.toString(), max: poolSize });
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    await admin.exec(`drop database if exists ${name}`);
    await admin.close();
    throw error;
  }
  return {
    db,
    url: target.toString(),
    name,
    async dispose(options = {}) {
      await db.close();
      if (!options.keep) await admin.exec(`drop database if exists ${name} with (force)`);
      await admin.close();
    },
  };
}

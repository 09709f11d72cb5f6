/**
 * A brand-new database with nothing applied, for tests of the migration runner itself: in-memory PGlite, or a
 * new empty database on the server DATABASE_URL names. Several connections (`connections()`) on a real server,
 * so that concurrent runners really run concurrently.
 */

import type { SqlDatabase } from "../../functions/lib/db/port";
import { openPostgres } from "../../functions/lib/db/postgres";
import { openPglite } from "../../node/db/pglite";

export interface EmptyDatabase {
  db: SqlDatabase;
  /** Another independent handle on the same database (PGlite: the same instance, it has one connection). */
  another(): SqlDatabase;
  dispose(): Promise<void>;
}

export async function emptyDatabase(): Promise<EmptyDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openPglite();
    return { db, another: () => db, dispose: () => db.close() };
  }
  const name = `marquee_e_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = openPostgres({ connectionString: url, max: 1 });
  await admin.exec(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const handles: SqlDatabase[] = [];
  const open = () => {
    const handle = openPostgres({ connectionString: target.toString(), max: 4 });
    handles.push(handle);
    return handle;
  };
  return {
    db: open(),
    another: open,
    async dispose() {
      for (const handle of handles) await handle.close();
      await admin.exec(`drop database if exists ${name} with (force)`);
      await admin.close();
    },
  };
}

/**
 * Migration runner. Applies `migrations/*.sql` in file-name order (names start with a UTC timestamp), all
 * pending files in one transaction together with their records in `public.marquee_migrations`, so a failure
 * leaves the database as it was. Idempotent: applied files are skipped. Safe: an applied file whose content changed since stops the run, because the database no longer
 * matches the repository and silently continuing would hide that. Concurrent runners serialise on an advisory
 * lock. Node-only (reads the folder); the Worker never migrates.
 */
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { SqlDatabase, SqlExecutor } from "../../functions/lib/db/port";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));
const NAME = /^(\d{14})_[a-z0-9_]+\.sql$/;
// Any constant works; it only has to be the same for every runner.
const LOCK_KEY = 7_204_611_001;

export interface MigrationFile {
  name: string;
  sql: string;
}

export interface MigrationStatus {
  name: string;
  checksum: string;
  appliedAt: string | null;
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    if (!NAME.test(name)) {
      throw new MigrationError(`migration file name must be <YYYYMMDDHHMMSS>_<snake_case>.sql: ${name}`);
    }
    files.push({ name, sql: await readFile(`${dir}/${name}`, "utf8") });
  }
  return files;
}

const CREATE_LEDGER = `
create table if not exists public.marquee_migrations (
  name text primary key,
  checksum text not null,
  applied_at timestamptz not null default now()
);
alter table public.marquee_migrations enable row level security;
comment on table public.marquee_migrations is 'Migrations applied by the marquee migration runner (file name, SHA-256 of its content). Do not edit by hand.';
`;

async function applied(db: SqlExecutor): Promise<Map<string, string>> {
  const rows = await db.query<{ name: string; checksum: string }>(
    "select name, checksum from public.marquee_migrations order by name",
  );
  return new Map(rows.map((r) => [r.name, r.checksum]));
}

/** Applies pending migrations; returns the names applied now. */
export async function migrate(
  db: SqlDatabase,
  options: { dir?: string; files?: MigrationFile[]; log?: (line: string) => void } = {},
): Promise<{ applied: string[]; total: number }> {
  const files = options.files ?? (await readMigrations(options.dir));
  // Transaction-level lock: a second runner waits here, then finds everything applied. The ledger is created
  // under the lock too: two `create table if not exists` racing on a new database collide in the catalogue.
  return db.transaction(async (lockTx) => {
    await lockTx.query("select pg_advisory_xact_lock($1)", [LOCK_KEY]);
    await lockTx.exec(CREATE_LEDGER);
    const done = await applied(lockTx);
    const checksums = await Promise.all(files.map((f) => sha256Hex(f.sql)));
    files.forEach((file, i) => {
      const recorded = done.get(file.name);
      if (recorded !== undefined && recorded !== checksums[i]) {
        throw new MigrationError(
          `migration ${file.name} was changed after it was applied (recorded ${recorded.slice(0, 12)}, ` +
            `file ${checksums[i].slice(0, 12)}). Add a new migration instead of editing an applied one.`,
        );
      }
    });
    const appliedNow: string[] = [];
    for (const [i, file] of files.entries()) {
      if (done.has(file.name)) continue;
      try {
        await lockTx.exec(file.sql);
      } catch (error) {
        throw new MigrationError(`migration ${file.name} failed: ${(error as Error).message}`);
      }
      await lockTx.query("insert into public.marquee_migrations (name, checksum) values ($1, $2)", [
        file.name,
        checksums[i],
      ]);
      appliedNow.push(file.name);
      options.log?.(`applied ${file.name}`);
    }
    return { applied: appliedNow, total: files.length };
  });
}

/** What /health reports: every known file and whether it is applied. */
export async function migrationStatus(db: SqlExecutor, files: MigrationFile[]): Promise<MigrationStatus[]> {
  const rows = await db
    .query<{ name: string; checksum: string; applied_at: string }>(
      "select name, checksum, applied_at::text from public.marquee_migrations",
    )
    .catch(() => []);
  const byName = new Map(rows.map((r) => [r.name, r]));
  return Promise.all(
    files.map(async (f) => ({
      name: f.name,
      checksum: await sha256Hex(f.sql),
      appliedAt: byName.get(f.name)?.applied_at ?? null,
    })),
  );
}

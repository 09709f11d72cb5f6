/**
 * Migrates one database for the whole run, so each test file can start from a copy in milliseconds:
 * - PGlite (default): migrate in memory once and dump the data directory to a temp file; tests load the dump.
 * - PostgreSQL (DATABASE_URL set): migrate a template database; tests `create database ... template` it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { openPostgres } from "../../functions/lib/db/postgres";
import { migrate } from "../../node/db/migrate";
import { openPglite } from "../../node/db/pglite";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteDump: string;
    pgTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL;
  if (url) {
    const template = `marquee_template_${process.pid}`;
    const admin = openPostgres({ connectionString: url, max: 1 });
    await admin.exec(`drop database if exists ${template}`);
    await admin.exec(`create database ${template}`);
    const target = new URL(url);
    target.pathname = `/${template}`;
    const db = openPostgres({ connectionString: target.toString(), max: 1 });
    await migrate(db);
    await db.close();
    project.provide("pgTemplate", template);
    project.provide("pgliteDump", "");
    return async () => {
      await admin.exec(`drop database if exists ${template} with (force)`).catch(() => {});
      await admin.close();
    };
  }
  const dir = await mkdtemp(join(tmpdir(), "marquee-test-"));
  const db = await openPglite();
  await migrate(db);
  const dump = await db.pglite.dumpDataDir("none");
  await db.close();
  const file = join(dir, "migrated.tar");
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide("pgliteDump", file);
  project.provide("pgTemplate", "");
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}

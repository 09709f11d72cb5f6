/**
 * The migration runner (node/db/migrate.ts) on a real database: idempotent, refuses edited history,
 * all-or-nothing, and safe when two runners race. Tiny named migrations keep each case fast and obvious; the
 * repository's own files are checked for idempotence on the suite's migrated database.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MigrationError, type MigrationFile, migrate, readMigrations, sha256Hex } from "../../node/db/migrate";
import { freshDatabase } from "../support/database";
import { type EmptyDatabase, emptyDatabase } from "./empty-database";

const PEOPLE: MigrationFile = {
  name: "20000101000000_people.sql",
  sql: "create table public.people (id integer primary key, name text not null);",
};
const PETS: MigrationFile = {
  name: "20000101000100_pets.sql",
  sql: "create table public.pets (id integer primary key, owner integer references public.people (id));",
};
// No "if not exists": applying it twice fails, so a double application cannot go unnoticed.
const PROBE: MigrationFile = { name: "20000101000200_probe.sql", sql: "create table public.probe (id integer);" };
const BROKEN: MigrationFile = {
  name: "20000101000300_broken.sql",
  sql: "create table public.probe2 (id integer); select 1/0;",
};

// One empty database for the file (a PGlite cold start is seconds); each test starts without ledger or tables.
let current: EmptyDatabase;
beforeAll(async () => {
  current = await emptyDatabase();
});
afterEach(async () => {
  await current.db.exec(
    "drop table if exists public.marquee_migrations, public.pets, public.people, public.probe, public.probe2 cascade",
  );
});
afterAll(async () => {
  await current?.dispose();
});

const fresh = () => current;

const ledger = (db: EmptyDatabase["db"]) =>
  db.query<{ name: string; checksum: string }>("select name, checksum from public.marquee_migrations order by name");

const exists = async (db: EmptyDatabase["db"], table: string) =>
  (await db.query<{ t: string | null }>("select to_regclass($1)::text as t", [table]))[0].t !== null;

describe("migrate()", () => {
  it("applies the repository's migrations so that a second run applies nothing", async () => {
    const db = await freshDatabase(); // migrated once for the whole suite by test/support/global-setup.ts
    try {
      const files = await readMigrations();
      expect(await migrate(db)).toEqual({ applied: [], total: files.length });
      expect((await ledger(db)).map((r) => r.name)).toEqual(files.map((f) => f.name));
    } finally {
      await db.dispose();
    }
  });

  it("applies files in name order, records each checksum, and is idempotent", async () => {
    const { db } = fresh();
    expect((await migrate(db, { files: [PETS, PEOPLE].sort((a, b) => a.name.localeCompare(b.name)) })).applied).toEqual(
      [PEOPLE.name, PETS.name],
    );
    expect(await migrate(db, { files: [PEOPLE, PETS] }), "a second run must apply nothing").toEqual({
      applied: [],
      total: 2,
    });
    expect(await ledger(db)).toEqual([
      { name: PEOPLE.name, checksum: await sha256Hex(PEOPLE.sql) },
      { name: PETS.name, checksum: await sha256Hex(PETS.sql) },
    ]);
  });

  it("refuses to run when an applied file was changed, naming the file and what to do", async () => {
    const { db } = fresh();
    await migrate(db, { files: [PEOPLE, PETS] });
    const edited = { ...PEOPLE, sql: `${PEOPLE.sql}\n-- an innocent-looking edit\n` };
    const error = await migrate(db, { files: [edited, PETS, PROBE] }).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.message).toContain(`migration ${PEOPLE.name} was changed after it was applied`);
    expect(error.message).toContain("Add a new migration");
    expect(await exists(db, "public.probe"), "nothing else runs after the refusal").toBe(false);
  });

  it("is all or nothing: a failing file leaves neither its run's effects nor their records", async () => {
    const { db } = fresh();
    await migrate(db, { files: [PEOPLE] });
    const error = await migrate(db, { files: [PEOPLE, PETS, BROKEN] }).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.message).toContain(`migration ${BROKEN.name} failed`);
    expect((await ledger(db)).map((r) => r.name)).toEqual([PEOPLE.name]);
    expect(await exists(db, "public.pets"), "the good file of the failed run was rolled back too").toBe(false);
    expect((await migrate(db, { files: [PEOPLE, PETS] })).applied).toEqual([PETS.name]);
  });

  it("lets two runners race on a new database without applying anything twice", async () => {
    const handle = fresh();
    const files = [PEOPLE, PETS, PROBE];
    const runs = await Promise.all([migrate(handle.db, { files }), migrate(handle.another(), { files })]);
    const applied = runs.map((r) => r.applied);
    expect(applied.flat().sort(), JSON.stringify(applied)).toEqual(files.map((f) => f.name));
    expect(
      applied.some((a) => a.length === 0),
      `one runner found everything applied: ${JSON.stringify(applied)}`,
    ).toBe(true);
    expect((await ledger(handle.db)).length).toBe(files.length);
  });
});

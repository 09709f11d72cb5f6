/**
 * The declared schema (supabase/schemas/) and the migration history (migrations/) must describe one database:
 * a reader opens supabase/schemas/ to see today's functions, and Supabase applies migrations/. Both are built on
 * the same server (PGlite, or the PostgreSQL of DATABASE_URL) and their catalogs compared object by object.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogSnapshot, diffCatalogs } from "../../node/db/catalog";
import { applyDeclaredSchema, planMigration, readDeclaredSchema } from "../../node/db/declared-schema";
import { generateRpcTypes } from "../../node/db/rpc-types";
import { freshDatabase, type TestDatabase } from "../support/database";
import { type EmptyDatabase, emptyDatabase } from "./empty-database";

let migrated: TestDatabase;
let declared: EmptyDatabase;
beforeAll(async () => {
  migrated = await freshDatabase({ poolSize: 1 });
  declared = await emptyDatabase();
  await applyDeclaredSchema(declared.db, await readDeclaredSchema());
}, 120_000);
afterAll(async () => {
  await migrated?.dispose();
  await declared?.dispose();
});

describe("the declared schema", () => {
  it("builds the same catalog as replaying every migration", async () => {
    const fromMigrations = await catalogSnapshot(migrated);
    const fromDeclared = await catalogSnapshot(declared.db);
    const differences = diffCatalogs(fromMigrations, fromDeclared);
    expect(
      differences.map((d) => `${d.kind} ${d.key} ${d.fields.join(",")}`),
      "edit supabase/schemas/ and run `npx marquee schema diff <name>` to write the migration (README: Changing the schema)",
    ).toEqual([]);
    expect(fromMigrations.size, "the snapshot covers the schema").toBeGreaterThan(200);
  });

  it("would generate nothing: no migration is missing", async () => {
    const plan = planMigration(
      await catalogSnapshot(migrated),
      await catalogSnapshot(declared.db),
      await readDeclaredSchema(),
    );
    expect(plan.sql).toBe("");
    expect(plan.manual).toEqual([]);
  });

  it("turns an edited function and a new column comment into a migration that closes the gap", async () => {
    const files = await readDeclaredSchema();
    const edited = files.map((f) =>
      f.name.includes("catalogue")
        ? {
            ...f,
            sql: `${f.sql.replace(
              "comment on function public.list_genres is 'All genres",
              "comment on function public.list_genres is 'Every genre",
            )}\ncomment on column public.genres.name is 'Edited comment.';\n`,
          }
        : f,
    );
    const scratch = await emptyDatabase();
    try {
      await applyDeclaredSchema(scratch.db, edited);
      const target = await catalogSnapshot(scratch.db);
      const plan = planMigration(await catalogSnapshot(migrated), target, edited);
      expect(plan.manual).toEqual([]);
      expect(plan.sql, "the function is restated as declared, with its comment").toContain(
        "create or replace function public.list_genres()",
      );
      expect(plan.sql).toContain("comment on function public.list_genres is 'Every genre");
      expect(plan.sql).toContain("comment on column public.genres.name is 'Edited comment.'");
      await migrated
        .transaction(async (tx) => {
          await tx.exec(plan.sql);
          const left = diffCatalogs(await catalogSnapshot(tx), target);
          expect(left.map((d) => d.key)).toEqual([]);
          throw new Rollback();
        })
        .catch((error) => {
          if (!(error instanceof Rollback)) throw error;
        });
    } finally {
      await scratch.dispose();
    }
  });
});

class Rollback extends Error {}

describe("the typed RPC boundary (functions/lib/db/rpc-types.ts)", () => {
  it("is what the database's catalog generates: a renamed argument or column fails tsc, not a user", async () => {
    const committed = await readFile(
      fileURLToPath(new URL("../../functions/lib/db/rpc-types.ts", import.meta.url)),
      "utf8",
    );
    expect(await generateRpcTypes(migrated), "stale: run `npx marquee schema types`").toBe(committed);
  });
});

/**
 * The platform migration: Supabase's API roles and the auth.uid()/auth.role()/auth.jwt() helpers, reading the JWT
 * claims exactly as PostgREST publishes them, and never replacing the ones Supabase already has.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlExecutor } from "../../functions/lib/db/port";
import { migrate, readMigrations } from "../../node/db/migrate";
import { ADULT, FILMS, loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { emptyDatabase } from "./empty-database";

const ALICE = "5b0e7c5e-3d0a-4c1f-9a63-1b2c3d4e5f60";

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
});
afterAll(async () => {
  await db?.dispose();
});

/** Runs fn as PostgREST runs a request: one transaction, `set local role`, claims in request.jwt.claims. */
async function asPostgrest<T>(
  role: string,
  claims: Record<string, unknown> | null,
  fn: (tx: SqlExecutor) => Promise<T>,
) {
  return db
    .transaction(async (tx) => {
      await tx.query("select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)", [
        role,
        claims ? JSON.stringify(claims) : "",
      ]);
      const result = await fn(tx);
      throw Object.assign(new Error("rollback"), { result });
    })
    .catch((e) => {
      if (e.message === "rollback") return e.result as T;
      throw e;
    });
}

describe("roles", () => {
  it("has anon, authenticated and service_role, and only service_role bypasses RLS", async () => {
    const rows = await db.query<{ rolname: string; rolbypassrls: boolean; rolcanlogin: boolean }>(
      "select rolname, rolbypassrls, rolcanlogin from pg_roles where rolname in ('anon', 'authenticated', 'service_role') order by rolname",
    );
    expect(rows.map((r) => r.rolname)).toEqual(["anon", "authenticated", "service_role"]);
    expect(rows.find((r) => r.rolname === "anon")?.rolbypassrls).toBe(false);
    expect(rows.find((r) => r.rolname === "authenticated")?.rolbypassrls).toBe(false);
    expect(rows.find((r) => r.rolname === "service_role")?.rolbypassrls).toBe(true);
  });

  it("lets anon read the public catalogue under RLS (no adult films) but not the users table", async () => {
    const titles = await asPostgrest("anon", null, (tx) =>
      tx.query<{ title: string }>("select title from public.movies order by id"),
    );
    expect(titles.map((t) => t.title)).not.toContain(ADULT.title);
    expect(titles).toHaveLength(Object.keys(FILMS).length);
    const denied = await asPostgrest("anon", null, (tx) => tx.query("select * from public.users")).catch((e) => e);
    expect(denied.code, "no grant on users for anon").toBe("42501");
  });
});

describe("auth helpers", () => {
  it("auth.uid(), auth.role() and auth.jwt() read request.jwt.claims as PostgREST sets it", async () => {
    const claims = { sub: ALICE, role: "authenticated", email: "alice@example.test", aud: "authenticated" };
    const [row] = await asPostgrest("authenticated", claims, (tx) =>
      tx.query<{ uid: string; role: string; email: string; who: string }>(
        "select auth.uid()::text as uid, auth.role() as role, auth.jwt() ->> 'email' as email, current_user::text as who",
      ),
    );
    expect(row).toEqual({ uid: ALICE, role: "authenticated", email: "alice@example.test", who: "authenticated" });
  });

  it("also reads the per-claim settings of older PostgREST versions", async () => {
    const [row] = await db.transaction((tx) =>
      tx
        .query(
          "select set_config('request.jwt.claim.sub', $1, true), set_config('request.jwt.claim.role', 'authenticated', true)",
          [ALICE],
        )
        .then(() => tx.query<{ uid: string; role: string }>("select auth.uid()::text as uid, auth.role() as role")),
    );
    expect(row).toEqual({ uid: ALICE, role: "authenticated" });
  });

  it("gives null for an anonymous request (no claims, or claims without sub)", async () => {
    for (const claims of [null, { role: "anon" }]) {
      const [row] = await asPostgrest("anon", claims, (tx) =>
        tx.query<{ uid: string | null; jwt: unknown }>("select auth.uid() as uid, auth.jwt() as jwt"),
      );
      expect(row.uid, JSON.stringify(claims)).toBeNull();
      expect(row.jwt).toEqual(claims ?? {});
    }
  });

  it("leaves an existing auth.uid() alone (Supabase's own), and still creates what is missing", async () => {
    const empty = await emptyDatabase();
    try {
      await empty.db.exec(`
        create schema auth;
        create function auth.uid() returns uuid language sql stable
          as $$ select '00000000-0000-0000-0000-00000000abcd'::uuid $$;`);
      const [platform] = await readMigrations();
      expect(platform.name).toMatch(/_platform\.sql$/);
      await migrate(empty.db, { files: [platform] });
      await migrate(empty.db, { files: [platform] }); // and again: still a no-op
      const [row] = await empty.db.query<{ uid: string; role: string | null; uids: number }>(
        `select auth.uid()::text as uid, auth.role() as role,
                (select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = 'auth' and p.proname = 'uid') as uids`,
      );
      expect(row).toEqual({ uid: "00000000-0000-0000-0000-00000000abcd", role: null, uids: 1 });
    } finally {
      await empty.dispose();
    }
  }, 120_000); // a second, empty database: a PGlite cold start on a busy machine takes a while
});

/** Schema rules every migration must keep (checked in the catalogue, so later migrations are held to them too). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../support/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db?.dispose();
});

const names = async (sql: string, params: unknown[] = []) =>
  (await db.query<{ name: string }>(sql, params)).map((r) => r.name);

describe("the public schema", () => {
  it("has row level security enabled on every table", async () => {
    const open = await names(`
      select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity order by 1`);
    expect(open, "tables without RLS are readable by any role with a grant").toEqual([]);
  });

  it("has a comment on every table", async () => {
    const bare = await names(`
      select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and obj_description(c.oid, 'pg_class') is null
      order by 1`);
    expect(bare, "operators read table comments in the Supabase dashboard").toEqual([]);
  });

  it("has a comment on every column of movies", async () => {
    const bare = await names(`
      select a.attname as name from pg_attribute a
      where a.attrelid = 'public.movies'::regclass and a.attnum > 0 and not a.attisdropped
        and col_description(a.attrelid, a.attnum) is null
      order by a.attnum`);
    expect(bare).toEqual([]);
  });

  it("pins search_path on every function it defines (extensions' own functions aside)", async () => {
    const unpinned = await names(`
      select p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as name
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public'
        and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
        and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')
      order by 1`);
    expect(unpinned, "a function without a pinned search_path resolves names through the caller's").toEqual([]);
  });

  it("plans every query function for its arguments (no generic plans after five calls on a connection), but the stored list's readers", async () => {
    const generic = await names(`
      select p.proname as name
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
      where n.nspname = 'public' and l.lanname in ('sql', 'plpgsql')
        and p.prorettype <> 'trigger'::regtype and p.provolatile <> 'i'
        and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
        and not ('plan_cache_mode=force_custom_plan' = any(coalesce(p.proconfig, '{}')))
      order by 1`);
    // The exceptions say so in their definition (plan_cache_mode = auto): the functions a cached first batch runs
    // through (with the fingerprints and expiry they check), whose every statement reads one user's rows by key, so a generic plan is the custom one without
    // planning it each call (a third of recommendation_list's time on the ML-1M bench data). What they call that
    // does real work (get_recommendations_live, film_book_evidence, match_evidence_of) keeps custom plans.
    expect(
      generic,
      "see migrations/20261201000100_custom_plans.sql: generic plans made recommend_items 100x slower",
    ).toEqual([
      "excluded_movies",
      "match_evidence_key",
      "match_fingerprint",
      "recommendation_caller_check",
      "recommendation_fingerprint",
      "recommendation_items",
      "recommendation_list",
      "recommendation_list_expiry",
      "refresh_recommendation_cache",
      "stored_match_evidence",
    ]);
    const unmarked = await names(
      `
      select p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.proname = any ($1)
        and not ('plan_cache_mode=auto' = any(coalesce(p.proconfig, '{}')))`,
      [generic],
    );
    expect(unmarked, "an exception is explicit in its definition").toEqual([]);
  });

  it("never lets PUBLIC execute a security definer function", async () => {
    const exposed = await names(`
      select p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.prosecdef
        and has_function_privilege('public', p.oid, 'execute')
        and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
      order by 1`);
    expect(exposed, "security definer functions are granted to the API roles explicitly").toEqual([]);
  });

  it("lists every column that holds a user id in personal_data_columns, so deleting an account reaches it", async () => {
    // A user id is a uuid or uuid[] column, or any column referencing users; a uuid that is another table's own
    // key, or a reference to another table's key (an import's id), is that row's id, not a person's.
    const holding = await names(`
      select c.relname || '.' || a.attname as name
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
        and (a.atttypid in ('uuid'::regtype, 'uuid[]'::regtype)
             or exists (select 1 from pg_constraint k where k.contype = 'f' and k.conrelid = c.oid
                          and k.confrelid = 'public.users'::regclass and a.attnum = any (k.conkey)))
        and not exists (select 1 from pg_constraint k where k.conrelid = c.oid and a.attnum = any (k.conkey)
                          and k.contype = 'f' and k.confrelid <> 'public.users'::regclass)
        and not (c.oid <> 'public.users'::regclass
                 and exists (select 1 from pg_constraint k where k.contype = 'f' and k.confrelid = c.oid
                               and a.attnum = any (k.confkey)))
        and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
      order by 1`);
    const listed = await names(
      "select table_name || '.' || column_name as name from public.personal_data_columns order by 1",
    );
    expect(
      holding.filter((column) => !listed.includes(column)),
      "add these to personal_data_columns (supabase/schemas/03_accounts.sql, or beside the table, with a migration) so delete_account deletes them",
    ).toEqual([]);
    expect(
      listed.filter((column) => !holding.includes(column)),
      "personal_data_columns names columns that do not exist (or hold no user id)",
    ).toEqual([]);
  });
});

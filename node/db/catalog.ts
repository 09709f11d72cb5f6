/**
 * A comparable snapshot of what a database's schema *is*: every function (signature, result, language,
 * volatility, security, settings, body, privileges, comment), table, view and materialised view (columns, types,
 * defaults, privileges, row level security, comments, definitions), index, constraint, trigger, policy, type,
 * extension, and the rows of the small configuration tables. Two databases with equal snapshots behave the same
 * for every caller. Used to prove that replaying `migrations/` and applying the declared schema
 * (`supabase/schemas/`) give the same database, and by `marquee schema` to find what a new migration must change.
 *
 * Compare snapshots from the same server version: pg_get_*def output differs between majors.
 */
import type { SqlExecutor } from "../../functions/lib/db/port";

/** Schemas we own. `auth` holds the Supabase-compatible helpers when Supabase does not provide them. */
const SCHEMAS = ["public", "auth", "extensions"];
/** Bookkeeping of the migration runner: present only on a migrated database. */
const IGNORED_TABLES = ["marquee_migrations"];

export type CatalogObject = Record<string, unknown>;
/** Object key (`function public.get_movie(integer)`) -> its description. */
export type CatalogSnapshot = Map<string, CatalogObject>;

const ownObject = (oidExpr: string) =>
  `not exists (select 1 from pg_depend d where d.objid = ${oidExpr} and d.deptype = 'e')`;

export async function catalogSnapshot(db: SqlExecutor): Promise<CatalogSnapshot> {
  const snapshot: CatalogSnapshot = new Map();
  const add = (key: string, value: CatalogObject) => snapshot.set(key, value);
  const schemas = `(${SCHEMAS.map((s) => `'${s}'`).join(", ")})`;

  for (const r of await db.query<CatalogObject & { key: string }>(`
    select format('function %s.%s(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) as key,
           pg_get_function_arguments(p.oid) as arguments, pg_get_function_result(p.oid) as result,
           l.lanname as language, p.provolatile as volatility, p.prosecdef as security_definer,
           p.proisstrict as strict, p.proparallel as parallel, p.procost as cost, p.prorows as rows,
           (select array_agg(c order by c) from unnest(p.proconfig) c) as settings,
           regexp_replace(p.prosrc, '\\s+$', '') as body,
           (select array_agg(a::text order by a::text) from unnest(p.proacl) a) as privileges,
           obj_description(p.oid, 'pg_proc') as comment
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
    where n.nspname in ${schemas} and ${ownObject("p.oid")}`)) {
    const { key, ...rest } = r;
    add(key, rest);
  }

  for (const r of await db.query<CatalogObject & { key: string; oid: number; relkind: string }>(
    `
    select format('relation %s.%s', n.nspname, c.relname) as key, c.oid::int as oid, c.relkind::text as relkind,
           c.relrowsecurity as rls, c.relforcerowsecurity as force_rls,
           (select array_agg(a::text order by a::text) from unnest(c.relacl) a) as privileges,
           obj_description(c.oid, 'pg_class') as comment,
           case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end as definition,
           (select json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_get_expr(ad.adbin, ad.adrelid), col_description(c.oid, a.attnum),
                   (select array_agg(x::text order by x::text) from unnest(a.attacl) x), a.attidentity,
                   a.attgenerated) order by a.attnum)
            from pg_attribute a left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
            where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ${schemas} and c.relkind in ('r', 'p', 'v', 'm', 'c', 'f', 'S') and ${ownObject("c.oid")}
      and not (c.relkind = 'c' and exists (select 1 from pg_type t where t.typrelid = c.oid and ${ownObject("t.oid")} = false))
      and c.relname <> all ($1)`,
    [IGNORED_TABLES],
  )) {
    const { key, oid: _oid, ...rest } = r;
    add(key, rest);
  }

  for (const r of await db.query<{ key: string; definition: string; comment: string | null }>(
    `
    select format('index %s.%s', n.nspname, c.relname) as key, pg_get_indexdef(c.oid) as definition,
           obj_description(c.oid, 'pg_class') as comment
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
    join pg_class t on t.oid = i.indrelid
    where n.nspname in ${schemas} and t.relname <> all ($1) and ${ownObject("t.oid")}`,
    [IGNORED_TABLES],
  )) {
    add(r.key, { definition: r.definition, comment: r.comment });
  }

  for (const r of await db.query<{ key: string; definition: string; comment: string | null }>(
    `
    select format('constraint %s.%s.%s', n.nspname, t.relname, co.conname) as key,
           pg_get_constraintdef(co.oid) as definition, obj_description(co.oid, 'pg_constraint') as comment
    from pg_constraint co join pg_class t on t.oid = co.conrelid join pg_namespace n on n.oid = t.relnamespace
    where n.nspname in ${schemas} and t.relname <> all ($1)`,
    [IGNORED_TABLES],
  )) {
    add(r.key, { definition: r.definition, comment: r.comment });
  }

  for (const r of await db.query<{ key: string; definition: string }>(`
    select format('trigger %s.%s.%s', n.nspname, c.relname, tg.tgname) as key, pg_get_triggerdef(tg.oid) as definition
    from pg_trigger tg join pg_class c on c.oid = tg.tgrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ${schemas} and not tg.tgisinternal`)) {
    add(r.key, { definition: r.definition });
  }

  for (const r of await db.query<CatalogObject & { key: string }>(`
    select format('policy %s.%s.%s', schemaname, tablename, policyname) as key, permissive, roles::text[] as roles,
           cmd, qual, with_check
    from pg_policies where schemaname in ${schemas}`)) {
    const { key, ...rest } = r;
    add(key, rest);
  }

  for (const r of await db.query<CatalogObject & { key: string }>(`
    select format('type %s.%s', n.nspname, t.typname) as key, t.typtype::text as kind,
           (select array_agg(e.enumlabel order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid) as labels,
           obj_description(t.oid, 'pg_type') as comment
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname in ${schemas} and t.typtype in ('c', 'e', 'd') and ${ownObject("t.oid")}
      and (t.typtype <> 'c' or exists (select 1 from pg_class c where c.oid = t.typrelid and c.relkind = 'c'))`)) {
    const { key, ...rest } = r;
    add(key, rest);
  }

  for (const r of await db.query<{ name: string; schema: string }>(
    "select e.extname as name, n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace",
  )) {
    add(`extension ${r.name}`, { schema: r.schema });
  }
  for (const r of await db.query<{ name: string; privileges: string[] | null; comment: string | null }>(`
    select n.nspname as name, (select array_agg(a::text order by a::text) from unnest(n.nspacl) a) as privileges,
           obj_description(n.oid, 'pg_namespace') as comment
    from pg_namespace n where n.nspname in ${schemas}`)) {
    add(`schema ${r.name}`, { privileges: r.privileges, comment: r.comment });
  }

  // Rows of tables that a schema seeds (configuration such as signal weights); empty tables hash the same.
  for (const t of await db.query<{ name: string }>(
    `
    select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' and c.relname <> all ($1) order by 1`,
    [IGNORED_TABLES],
  )) {
    const [row] = await db.query<{ rows: number; digest: string | null }>(
      `select count(*)::int as rows, md5(string_agg(t::text, E'\\n' order by t::text)) as digest from ${t.name} t`,
    );
    if (row.rows > 0) add(`rows ${t.name}`, row);
  }
  return snapshot;
}

export interface CatalogDifference {
  key: string;
  /** Only in the first snapshot, only in the second, or in both with different descriptions. */
  kind: "only-left" | "only-right" | "changed";
  fields: string[];
}

export function diffCatalogs(left: CatalogSnapshot, right: CatalogSnapshot): CatalogDifference[] {
  const out: CatalogDifference[] = [];
  for (const [key, value] of left) {
    const other = right.get(key);
    if (!other) {
      out.push({ key, kind: "only-left", fields: [] });
      continue;
    }
    const fields = Object.keys({ ...value, ...other }).filter(
      (f) => JSON.stringify(value[f]) !== JSON.stringify(other[f]),
    );
    if (fields.length) out.push({ key, kind: "changed", fields });
  }
  for (const key of right.keys()) if (!left.has(key)) out.push({ key, kind: "only-right", fields: [] });
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * The declared schema: `supabase/schemas/*.sql` holds the current definition of every table, view, type, policy
 * and SQL function, by domain, applied in file-name order to an empty database. `migrations/` is the history
 * that takes any earlier database to the same state; Supabase (`supabase db push`) and `marquee migrate` apply
 * only migrations.
 *
 * `marquee schema diff` turns an edit of the declared files into the next migration: it replays the migrations
 * into one scratch database, applies the declared files to another, compares their catalogs (catalog.ts), and
 * writes the statements that close the gap for functions, views, types and comments, taken verbatim from the
 * declared files (so a function's migration restates its contract header and body as declared). Changes to
 * tables, indexes, constraints, policies or grants on relations are reported for a hand-written migration:
 * generating ALTER TABLE safely needs judgement about data. Either way the command then applies its output to
 * the replayed database and checks that nothing differs, and says so when something still does.
 */
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { SqlExecutor } from "../../functions/lib/db/port";
import { type CatalogDifference, type CatalogSnapshot, catalogSnapshot, diffCatalogs } from "./catalog";
import { type SqlStatement, splitSql } from "./sql-statements";

export const SCHEMA_DIR = fileURLToPath(new URL("../../supabase/schemas/", import.meta.url));

export interface DeclaredFile {
  name: string;
  sql: string;
}

export async function readDeclaredSchema(dir = SCHEMA_DIR): Promise<DeclaredFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".sql")).sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(`${dir}/${name}`, "utf8") })));
}

/** Applies the declared files, in order, to an empty database. */
export async function applyDeclaredSchema(db: SqlExecutor, files: DeclaredFile[]): Promise<void> {
  for (const file of files) {
    try {
      await db.exec(file.sql);
    } catch (error) {
      throw new Error(`supabase/schemas/${file.name}: ${(error as Error).message}`);
    }
  }
}

interface Target {
  kind: "function" | "relation" | "type" | "other";
  names: string[];
  /** The statement creates its object (rather than commenting on it or granting on it). */
  defines: boolean;
}

const FN_LIST = /^(?:grant|revoke)\s+execute\s+on\s+function\s+(.+?)\s+(?:to|from)\s/is;

/** Statement patterns, first match wins: what kind of object the statement is about and whether it creates it. */
const TARGETS: { pattern: RegExp; kind: Target["kind"]; defines: boolean }[] = [
  { pattern: /^create (?:or replace )?function public\.(\w+)/, kind: "function", defines: true },
  { pattern: /^(?:comment on|alter) function public\.(\w+)/, kind: "function", defines: false },
  { pattern: /^create (?:or replace )?(?:materialized )?view public\.(\w+)/, kind: "relation", defines: true },
  { pattern: /^create type public\.(\w+)/, kind: "type", defines: true },
  { pattern: /^comment on type public\.(\w+)/, kind: "type", defines: false },
  { pattern: /^comment on (?:table|view|materialized view|column) public\.(\w+)/, kind: "relation", defines: false },
  { pattern: /^create (?:unique )?index (?:if not exists )?\w+ on public\.(\w+)/, kind: "relation", defines: false },
];

/** Which object(s) a declared statement is about. */
export function statementTarget(sql: string): Target {
  const s = sql.replace(/\s+/g, " ").trim().toLowerCase();
  const list = FN_LIST.exec(s);
  if (list)
    return { kind: "function", names: [...list[1].matchAll(/public\.(\w+)/g)].map((x) => x[1]), defines: false };
  for (const t of TARGETS) {
    const m = t.pattern.exec(s);
    if (m) return { kind: t.kind, names: [m[1]], defines: t.defines };
  }
  return { kind: "other", names: [], defines: false };
}

const text = (st: SqlStatement) => `${st.comment ? `${st.comment}\n` : ""}${st.sql};`;

export interface GeneratedMigration {
  /** The migration's SQL, or "" when the databases already agree. */
  sql: string;
  /** Differences the generator does not write (tables, indexes, policies...): a migration must be written by hand. */
  manual: CatalogDifference[];
}

/**
 * What a new migration must hold so that `migrated` (today's migrations replayed) becomes `declared`.
 * `files` are the declared files `declared` was built from.
 */
export async function generateMigration(
  migrated: SqlExecutor,
  declared: SqlExecutor,
  files: DeclaredFile[],
): Promise<GeneratedMigration> {
  const before = await catalogSnapshot(migrated);
  const after = await catalogSnapshot(declared);
  return planMigration(before, after, files);
}

export function planMigration(
  before: CatalogSnapshot,
  after: CatalogSnapshot,
  files: DeclaredFile[],
): GeneratedMigration {
  const statements = files.flatMap((f) => splitSql(f.sql));
  const differences = diffCatalogs(before, after);
  const drops: string[] = [];
  const changedFunctions = new Set<string>();
  const changedViews = new Set<string>();
  const newTypes = new Set<string>();
  const commentOnly: SqlStatement[] = [];
  const manual: CatalogDifference[] = [];

  for (const d of differences) {
    const fn = /^function public\.(\w+)\((.*)\)$/.exec(d.key);
    const rel = /^relation public\.(\w+)$/.exec(d.key);
    const typ = /^type public\.(\w+)$/.exec(d.key);
    if (fn) {
      // The key holds pg_get_function_identity_arguments, which DROP FUNCTION accepts as it is.
      const [, name, identity] = fn;
      if (d.kind === "only-left") {
        drops.push(`drop function public.${name}(${identity});`);
        continue;
      }
      changedFunctions.add(name);
      // A changed result or argument list cannot be replaced in place.
      if (d.kind === "changed" && (d.fields.includes("result") || d.fields.includes("arguments"))) {
        drops.push(`drop function public.${name}(${identity});`);
      }
      // A new signature for an existing name: the old overloads go unless still declared.
      for (const key of before.keys()) {
        if (key.startsWith(`function public.${name}(`) && !after.has(key) && d.kind === "only-right") {
          drops.push(`drop function ${key.slice("function ".length)};`);
        }
      }
    } else if (rel && String((after.get(d.key) ?? before.get(d.key))?.relkind) === "c") {
      // A composite type's attributes: handled with its type (created with its comments, or changed by hand).
      const typeKey = `type public.${rel[1]}`;
      if (d.kind === "only-right" && !before.has(typeKey)) newTypes.add(rel[1]);
      else if (d.kind === "changed" && onlyCommentsDiffer(before.get(d.key), after.get(d.key))) {
        commentOnly.push(
          ...statements.filter(
            (s) => /^comment on column/i.test(s.sql) && statementTarget(s.sql).names.includes(rel[1]),
          ),
        );
      } else manual.push(d);
    } else if (rel && ["v", "m"].includes(String((after.get(d.key) ?? before.get(d.key))?.relkind))) {
      if (d.kind === "only-left")
        drops.push(`drop ${before.get(d.key)?.relkind === "m" ? "materialized " : ""}view public.${rel[1]};`);
      else if (
        d.fields.every((f) => f === "comment" || f === "columns") &&
        onlyCommentsDiffer(before.get(d.key), after.get(d.key))
      ) {
        commentOnly.push(
          ...statements.filter((s) => /^comment on/i.test(s.sql) && statementTarget(s.sql).names.includes(rel[1])),
        );
      } else {
        if (d.kind === "changed")
          drops.push(`drop ${before.get(d.key)?.relkind === "m" ? "materialized " : ""}view public.${rel[1]};`);
        changedViews.add(rel[1]);
      }
    } else if (typ && d.kind === "only-right") {
      newTypes.add(typ[1]);
    } else if (rel && d.kind === "changed" && onlyCommentsDiffer(before.get(d.key), after.get(d.key))) {
      commentOnly.push(
        ...statements.filter(
          (s) => /^comment on (table|column)/i.test(s.sql) && statementTarget(s.sql).names.includes(rel[1]),
        ),
      );
    } else if (typ && d.kind === "changed" && d.fields.every((f) => f === "comment")) {
      commentOnly.push(
        ...statements.filter((s) => /^comment on type/i.test(s.sql) && statementTarget(s.sql).names.includes(typ[1])),
      );
    } else {
      manual.push(d);
    }
  }

  const out: string[] = [];
  const emitted = new Set<SqlStatement>();
  const emit = (st: SqlStatement) => {
    if (emitted.has(st)) return;
    emitted.add(st);
    out.push(text(st));
  };
  if (drops.length) out.push(...new Set(drops));
  for (const st of statements) {
    const t = statementTarget(st.sql);
    if (t.kind === "type" && t.names.some((n) => newTypes.has(n))) emit(st);
    // ...and the comments on a new type's attributes.
    if (/^comment on column/i.test(st.sql) && t.names.some((n) => newTypes.has(n))) emit(st);
  }
  for (const st of statements) {
    const t = statementTarget(st.sql);
    if (t.kind === "relation" && t.names.some((n) => changedViews.has(n))) emit(st);
    if (t.kind === "function" && t.names.some((n) => changedFunctions.has(n))) {
      // Multi-function grants are re-issued whole: granting again is harmless.
      emit(t.defines ? { ...st, sql: st.sql.replace(/^create\s+function/i, "create or replace function") } : st);
    }
  }
  for (const st of commentOnly) emit(st);
  return { sql: out.length ? `${out.join("\n\n")}\n` : "", manual };
}

function onlyCommentsDiffer(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  if (!a || !b) return false;
  const strip = (v: Record<string, unknown>) => ({
    ...v,
    comment: null,
    columns: (v.columns as unknown[][] | null)?.map((c) => c.filter((_, i) => i !== 4)),
  });
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

export function describeDifferences(differences: CatalogDifference[]): string {
  return differences
    .map(
      (d) =>
        `  ${d.kind === "changed" ? `${d.key}: ${d.fields.join(", ")}` : `${d.key} (${d.kind === "only-left" ? "only in migrations" : "only declared"})`}`,
    )
    .join("\n");
}

export { catalogSnapshot, diffCatalogs };

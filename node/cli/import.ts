/**
 * `marquee import letterboxd FILE --user EMAIL`: an operator imports a Letterboxd export for an account, through
 * the same code as POST /v1/imports/letterboxd (functions/lib/letterboxd/import.ts). FILE is the export ZIP, one
 * of its CSV files, or the folder it extracts to.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import type { SqlDatabase } from "../../functions/lib/db/port";
import { ExportError } from "../../functions/lib/letterboxd/export";
import { type ImportReport, importLetterboxdExport } from "../../functions/lib/letterboxd/import";
import { TmdbClient } from "../../functions/lib/tmdb/client";
import { resolveLetterboxdFilms } from "../jobs/letterboxd-resolve";
import { type Command, loadConfig, openJobDatabase, parseOptions } from "./command";

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.name.toLowerCase().endsWith(".csv")) out.push(full);
  }
  return out;
}

export interface CliImportOptions {
  file: string;
  email: string;
  username?: string;
  publicProfile?: boolean;
  maxRows: number;
  maxEntryBytes: number;
}

/** Imports FILE for the account with this email; throws when there is none. */
export async function importForEmail(db: SqlDatabase, o: CliImportOptions): Promise<ImportReport> {
  const [user] = await db.query<{ id: string }>("select id from public.users where email = $1 and deleted_at is null", [
    o.email.trim().toLowerCase(),
  ]);
  if (!user) throw new Error(`no live account has the email ${o.email}`);
  const limits = { maxRows: o.maxRows, maxEntryBytes: o.maxEntryBytes };
  const common = { userId: user.id, limits, username: o.username, publicProfile: o.publicProfile };
  if ((await stat(o.file)).isDirectory()) {
    const paths = await filesUnder(o.file);
    const files = await Promise.all(
      paths.map(async (p) => ({ path: relative(o.file, p).split("\\").join("/"), bytes: await readFile(p) })),
    );
    return importLetterboxdExport(db, { ...common, files });
  }
  return importLetterboxdExport(db, { ...common, fileName: basename(o.file), bytes: await readFile(o.file) });
}

export function formatImportReport(r: ImportReport, ms: number): string {
  const matched = Number(r.matched);
  const unmatched = Number(r.unmatched);
  const total = matched + Number(r.added) + unmatched;
  const films = (r.unmatched_films ?? []) as { name: string; year: number | null }[];
  return [
    `import ${r.id}: ${r.status}, ${r.rows_read} rows from ${(r.files ?? []).join(", ")} in ${(ms / 1000).toFixed(2)} s`,
    `  films: ${matched} matched, ${r.added} added, ${unmatched} unmatched of ${total} (match rate ${total ? ((100 * (matched + Number(r.added))) / total).toFixed(1) : "-"}%)`,
    ...films.slice(0, 20).map((f) => `  unmatched: ${f.name} (${f.year ?? "no year"})`),
    ...(films.length > 20 ? [`  ... and ${unmatched - 20} more (GET /v1/imports/${r.id})`] : []),
  ].join("\n");
}

export const importCommand: Command = {
  name: "import letterboxd",
  summary: "Import a Letterboxd export (ZIP, CSV or extracted folder) for an account",
  usage: "FILE --user EMAIL [--username NAME] [--public] [--json]",
  help: [
    "options:",
    "  --user EMAIL       the account to import into (required)",
    "  --username NAME    also set the account's public username",
    "  --public           make the username reachable by the /api/... username endpoints",
    "  --json             print the import's report as JSON",
    "",
    "Matches films by title and year against the catalogue; unmatched films are listed (and resolved later through",
    "TMDB when TMDB_API_TOKEN is set). Safe to re-run: importing the same export again changes nothing.",
    "Uses DATABASE_URL, or the embedded database in MARQUEE_DATA_DIR. Limits: IMPORT_MAX_ROWS, IMPORT_MAX_ENTRY_BYTES.",
  ].join("\n"),
  async run(args) {
    const file = args.find((a, i) => !a.startsWith("--") && !["--user", "--username"].includes(args[i - 1] ?? ""));
    const o = parseOptions(
      args.filter((a) => a !== file),
      {
        user: { type: "string" },
        username: { type: "string" },
        public: { type: "boolean" },
        json: { type: "boolean" },
      },
    );
    if (!file || !o.user) {
      console.error("usage: marquee import letterboxd FILE --user EMAIL [--username NAME] [--public] [--json]");
      return 2;
    }
    const config = loadConfig();
    const db = await openJobDatabase(config);
    try {
      const started = performance.now();
      const report = await importForEmail(db, {
        file,
        email: o.user,
        username: o.username,
        publicProfile: o.public ? true : undefined,
        maxRows: config.IMPORT_MAX_ROWS,
        maxEntryBytes: config.IMPORT_MAX_ENTRY_BYTES,
      });
      const ms = performance.now() - started;
      console.log(o.json ? JSON.stringify({ ...report, ms: Math.round(ms) }, null, 2) : formatImportReport(report, ms));
      return 0;
    } catch (error) {
      if (error instanceof ExportError) {
        console.error(`marquee import: ${error.message}`);
        return 1;
      }
      throw error;
    } finally {
      await db.close();
    }
  },
};

export const importResolveCommand: Command = {
  name: "import resolve",
  summary: "Resolve imported films the catalogue lacked: TMDB search, fetch with the sync, apply kept signals",
  usage: "[--limit 500]",
  help: [
    "options:",
    "  --limit N   pending films handled in this run (default 500)",
    "",
    "Needs TMDB_API_TOKEN (without it, unmatched films stay reported as unmatched and this exits 0). Safe to re-run.",
  ].join("\n"),
  async run(args) {
    const o = parseOptions(args, { limit: { type: "string" } });
    const config = loadConfig();
    const db = await openJobDatabase(config);
    try {
      if (!config.TMDB_API_TOKEN) {
        const pending = await db.rpc("list_pending_letterboxd_films", { p_limit: 10_000 });
        console.log(`import resolve: no TMDB_API_TOKEN; ${pending.length} imported films stay unmatched`);
        return 0;
      }
      const client = new TmdbClient({
        baseUrl: config.TMDB_BASE_URL,
        token: config.TMDB_API_TOKEN,
        requestsPerSecond: config.TMDB_RPS,
        retry: { timeoutMs: config.TMDB_TIMEOUT_MS },
        deadline: performance.now() + config.TMDB_TIME_BUDGET_S * 1000,
      });
      const s = await resolveLetterboxdFilms(db, client, {
        limit: o.limit ? Number(o.limit) : undefined,
        sync: { concurrency: config.TMDB_CONCURRENCY, maxFailureRate: 0.5 },
      });
      console.log(
        `import resolve: ${s.pending} pending, ${s.searched} searches, ${s.found} found on TMDB, ${s.fetched} fetched, ` +
          `${s.resolved} resolved, ${s.applied} signals applied`,
      );
      return 0;
    } finally {
      await db.close();
    }
  },
};

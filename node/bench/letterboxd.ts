/**
 * `marquee bench letterboxd`: imports a real Letterboxd export into a scratch database whose catalogue is the
 * TMDB 5000 dataset, and prints the import time, rows per second, the match rate, how matches were made, and
 * the time of a second (idempotent) import of the same export. Datasets are given by path; nothing is shipped.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { SqlDatabase } from "../../functions/lib/db/port";
import { openPostgres } from "../../functions/lib/db/postgres";
import { formatImportReport, importForEmail } from "../cli/import";
import { migrate } from "../db/migrate";
import { openPglite } from "../db/pglite";
import { buildFixture } from "../demo/build-fixture";
import { loadDemoData } from "../demo/load-demo";
import { scratchDatabase } from "./harness";
import type { BenchSuite } from "./index";

export const letterboxdBench: BenchSuite = {
  name: "letterboxd",
  summary: "Import a Letterboxd export against the TMDB 5000 catalogue: time, rows/s, match rate, re-import",
  help: [
    "options:",
    "  --export PATH   the export: ZIP, one CSV, or the extracted folder (required)",
    "  --tmdb DIR      folder with tmdb_5000_movies.csv and tmdb_5000_credits.csv (required)",
    "",
    "PGlite in a temporary folder, or a scratch database on DATABASE_URL's server when it is set.",
  ].join("\n"),
  async run(args) {
    const { values } = parseArgs({ args, options: { export: { type: "string" }, tmdb: { type: "string" } } });
    if (!values.export || !values.tmdb) {
      console.error("marquee bench letterboxd: --export and --tmdb are required");
      return 2;
    }
    const dir = await mkdtemp(join(tmpdir(), "marquee-letterboxd-"));
    let db: SqlDatabase;
    let cleanup = async () => {};
    if (process.env.DATABASE_URL) {
      const scratch = await scratchDatabase(process.env.DATABASE_URL, "marquee_bench_letterboxd");
      db = openPostgres({ connectionString: scratch.url, max: 2 });
      cleanup = scratch.drop;
    } else {
      db = await openPglite({ dataDir: join(dir, "db") });
    }
    try {
      await migrate(db);
      const fixture = join(dir, "films.json");
      const built = await buildFixture(values.tmdb, fixture, 5000);
      await loadDemoData(db, { fixtureFile: fixture, users: 1 });
      await db.query(
        "insert into public.users (email, display_name) values ('letterboxd-bench@marquee.dev', 'Letterboxd bench')",
      );
      console.log(`catalogue: ${built.films} films from TMDB 5000 (${db.kind})`);
      const options = {
        file: values.export,
        email: "letterboxd-bench@marquee.dev",
        maxRows: 1_000_000,
        maxEntryBytes: 256 * 1024 * 1024,
      };
      let started = performance.now();
      const report = await importForEmail(db, options);
      const firstMs = performance.now() - started;
      console.log(formatImportReport(report, firstMs));
      console.log(`  ${(Number(report.rows_read) / (firstMs / 1000)).toFixed(0)} rows/s`);
      const how = await db.query<{ match: string; n: number }>(
        "select match, count(*)::int as n from public.letterboxd_import_films where import_id = $1 group by 1 order by 2 desc",
        [report.id],
      );
      console.log(`  matched by: ${how.map((h) => `${h.match} ${h.n}`).join(", ")}`);
      const before = await db.query<{ n: string }>(
        "select (select count(*) from public.ratings) + (select count(*) from public.interactions) + (select count(*) from public.watch_history) as n",
      );
      started = performance.now();
      await importForEmail(db, options);
      const secondMs = performance.now() - started;
      const after = await db.query<{ n: string }>(
        "select (select count(*) from public.ratings) + (select count(*) from public.interactions) + (select count(*) from public.watch_history) as n",
      );
      console.log(
        `re-import of the same export: ${(secondMs / 1000).toFixed(2)} s, signal rows ${before[0].n} -> ${after[0].n}`,
      );
      return 0;
    } finally {
      await db.close();
      await cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

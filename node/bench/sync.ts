/**
 * `marquee bench sync`: the TMDB sync in real time against the local fake TMDB over HTTP with the stand-in's fault
 * profile (by default 15% of requests on every path: 429 with Retry-After, 500/504, 15-second stalls, truncated
 * JSON, resets; 4,753 films plus 50 listed ids that 404). Runs an initial sync, then a daily changes run that is
 * killed mid-window and resumed, and prints exit codes, time, films/s and the peak requests in any sliding second
 * as the fake TMDB saw them.
 */
import { setMaxListeners } from "node:events";
import type { SqlDatabase } from "../../functions/lib/db/port";
import { openPostgres } from "../../functions/lib/db/postgres";
import { TmdbClient } from "../../functions/lib/tmdb/client";
import { parseOptions } from "../cli/command";
import { migrate } from "../db/migrate";
import { openPglite } from "../db/pglite";
import { peakPerSecond, startFakeTmdb, syntheticCatalogue } from "../fakes/tmdb-server";
import { formatSummary, type SyncSummary, syncTmdb } from "../jobs/tmdb-sync";
import type { BenchSuite } from ".";

const SCRATCH = "marquee_bench_sync";

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export const syncBench: BenchSuite = {
  name: "sync",
  summary: "TMDB sync in real time against the fake TMDB with 15% faults: initial load, killed and resumed changes",
  help: [
    "options:",
    "  --films N          films with details (default 4753; 50 more listed ids answer 404)",
    "  --fault-rate R     share of requests faulted, on every path (default 0.15)",
    "  --changes N        films changed for the changes run (default 300)",
    "  --concurrency N    films fetched at once (default 24)",
    "",
    `On DATABASE_URL when set (a scratch database ${SCRATCH} is created and dropped), else an in-memory PGlite.`,
    "Takes about as long as TMDB would: the limiter holds 38 req/s. Figures are printed, never asserted.",
  ].join("\n"),
  async run(args) {
    const o = parseOptions(args, {
      films: { type: "string", default: "4753" },
      "fault-rate": { type: "string", default: "0.15" },
      changes: { type: "string", default: "300" },
      concurrency: { type: "string", default: "24" },
    });
    const films = Number(o.films);
    const changesCount = Math.min(films, Number(o.changes));
    const concurrency = Number(o.concurrency);
    const url = process.env.DATABASE_URL;
    let db: SqlDatabase;
    let cleanup = async () => {};
    if (url) {
      const admin = openPostgres({ connectionString: url, max: 1 });
      await admin.exec(`drop database if exists ${SCRATCH} with (force)`);
      await admin.exec(`create database ${SCRATCH}`);
      const target = new URL(url);
      target.pathname = `/${SCRATCH}`;
      const pg = openPostgres({ connectionString: target.toString(), max: 8 });
      db = pg;
      cleanup = async () => {
        await pg.close();
        await admin.exec(`drop database if exists ${SCRATCH} with (force)`).catch(() => {});
        await admin.close();
      };
    } else {
      const lite = await openPglite();
      db = lite;
      cleanup = () => lite.close();
    }
    const gone = Array.from({ length: 50 }, (_, i) => 9_000_001 + i);
    const catalogue = { ...syntheticCatalogue(films), popularExtra: gone };
    const fake = await startFakeTmdb(catalogue, {
      faultRate: Number(o["fault-rate"]),
      seed: 4803,
      stallMs: 15_000,
      retryAfter: "1",
    });
    const rows: string[][] = [];
    try {
      await migrate(db);
      const invoke = async (label: string, params: Parameters<typeof syncTmdb>[2], killAfterFilms?: number) => {
        const controller = new AbortController();
        setMaxListeners(500, controller.signal);
        const client = new TmdbClient({
          baseUrl: fake.url,
          token: "test-token",
          requestsPerSecond: 40,
          retry: { timeoutMs: 10_000 },
          signal: controller.signal,
        });
        const logStart = fake.log.length;
        let filmRequests = 0;
        const watch = killAfterFilms
          ? setInterval(() => {
              filmRequests = fake.log.slice(logStart).filter((r) => /^\/3\/movie\/\d+$/.test(r.path)).length;
              if (filmRequests >= killAfterFilms) controller.abort(new Error("killed"));
            }, 20)
          : undefined;
        const started = performance.now();
        let summaries: SyncSummary[] = [];
        let exit: string;
        try {
          summaries = await syncTmdb(db, client, params, {
            concurrency,
            maxFailureRate: 0.02,
            today: () => "2026-11-20",
            signal: controller.signal,
            onSummary: (s) => console.log(`  ${formatSummary(s)}`),
          });
          exit = summaries.every((s) => s.status === "succeeded") ? "0" : "1";
        } catch (error) {
          if (!controller.signal.aborted) throw error;
          exit = "killed";
        } finally {
          if (watch) clearInterval(watch);
        }
        const seconds = (performance.now() - started) / 1000;
        const log = fake.log.slice(logStart);
        const fetched = summaries.reduce((n, s) => n + s.fetched, 0);
        const faulted = log.filter((r) => r.fault).length;
        rows.push([
          label,
          exit,
          seconds.toFixed(1),
          exit === "killed" ? "-" : String(fetched),
          exit === "killed" ? "-" : (fetched / seconds).toFixed(1),
          String(log.length),
          `${((faulted / Math.max(1, log.length)) * 100).toFixed(1)}%`,
          String(peakPerSecond(log.map((r) => r.at))),
        ]);
      };

      console.log(`initial sync of ${films + gone.length} listed ids (${gone.length} answer 404):`);
      await invoke("initial", { mode: "initial", limit: films + gone.length });
      const [{ n }] = await db.query<{ n: number }>("select count(*)::int as n from public.movies");
      console.log(`  films stored: ${n} of ${films}`);

      const changed = Array.from({ length: changesCount }, (_, i) => 1 + Math.floor((i * films) / changesCount));
      for (const id of changed) catalogue.movies[id - 1].vote_count = (catalogue.movies[id - 1].vote_count ?? 0) + 1;
      const killAt = Math.max(1, Math.round(changesCount * 0.37)); // the stand-in's resumed run lost 190 of 300
      const days = ["2026-10-25", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-19"];
      catalogue.changes = changed.map((id, i) => ({ id, date: days[i % days.length] }));
      await db.query(
        `insert into public.tmdb_sync_state (key, value) values ('changes_cursor', '2026-10-20')
         on conflict (key) do update set value = excluded.value`,
      );
      console.log(
        `changes run: ${changesCount} films changed over 31 days (3 windows), killed after ${killAt} film requests:`,
      );
      await invoke("changes, killed", { mode: "changes" }, killAt);
      await new Promise((r) => setTimeout(r, 1000)); // a new process's start
      await invoke("changes, resumed", { mode: "changes" });
      const [{ applied }] = await db.query<{ applied: number }>(
        `select count(*)::int as applied from unnest($1::int[], $2::int[]) as c(id, v)
         join public.movies m on m.id = c.id and m.vote_count = c.v`,
        [changed, changed.map((id) => catalogue.movies[id - 1].vote_count)],
      );
      // served counts include the initial sync's one answer per film
      const byChanges = changed.map((id) => (fake.served.get(`/3/movie/${id}`) ?? 0) - 1);
      console.log(
        `  changes applied: ${applied} of ${changesCount}; changed films never fetched by the changes runs: ` +
          `${byChanges.filter((k) => k < 1).length}; fetched twice (in flight at the kill): ` +
          `${byChanges.filter((k) => k > 1).length}`,
      );
      console.log("");
      console.log(
        table(["run", "exit", "seconds", "films", "films/s", "requests", "faulted", "peak req/s (sliding 1 s)"], rows),
      );
      console.log("peak: most requests the fake TMDB received in any sliding one-second window; TMDB's cap is 40");
      return 0;
    } finally {
      await fake.close();
      await cleanup();
    }
  },
};

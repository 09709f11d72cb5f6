/** `marquee sync tmdb`: the TMDB sync job (node/jobs/tmdb-sync.ts) with its options. */
import { setMaxListeners } from "node:events";
import { terminalProgress } from "../../functions/lib/jobs/progress";
import { TmdbClient } from "../../functions/lib/tmdb/client";
import { formatSummary, type SyncParams, syncTmdb } from "../jobs/tmdb-sync";
import { type Command, loadConfig, openJobDatabase, parseOptions } from "./command";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const syncCommand: Command = {
  name: "sync tmdb",
  summary: "Load or refresh the catalogue from TMDB (initial load, daily changes, or explicit ids); resumable",
  usage: "[--mode initial|changes|ids] [--limit N] [--source popular|discover] [--ids 1,2] [--since D] [--until D]",
  help: [
    "options:",
    "  --mode changes        films changed since the stored cursor, in 14-day windows, all pages (default)",
    "  --mode initial        the most popular --limit films (default 1000) from --source popular|discover",
    "  --mode ids            the films named by --ids 603,27205",
    "  --since/--until D     changes mode: date range YYYY-MM-DD (default: cursor, or yesterday .. today UTC)",
    "  --concurrency N       films fetched at once (default TMDB_CONCURRENCY=24); requests stay under TMDB_RPS",
    "  --max-failure-rate R  exit 1 when failed films exceed this share of films fetched (default 0.02)",
    "",
    "environment: TMDB_API_TOKEN (required), TMDB_BASE_URL, TMDB_RPS, TMDB_TIMEOUT_MS, TMDB_TIME_BUDGET_S,",
    "DATABASE_URL.",
    "Transient faults (429, 5xx, timeouts, resets, truncated bodies) are retried within the run until the time",
    "budget ends. A run killed or stopped midway is resumed by the next invocation of the same mode (exit 1 until",
    "then); unfinished runs of other modes are left for their own mode. Failed films are retried by later runs.",
  ].join("\n"),
  async run(args) {
    const o = parseOptions(args, {
      mode: { type: "string", default: "changes" },
      limit: { type: "string" },
      source: { type: "string", default: "popular" },
      ids: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      concurrency: { type: "string" },
      "max-failure-rate": { type: "string", default: "0.02" },
    });
    const mode = o.mode as SyncParams["mode"];
    if (!["initial", "changes", "ids"].includes(mode)) throw new Error("--mode must be initial, changes or ids");
    if (o.source !== "popular" && o.source !== "discover") throw new Error("--source must be popular or discover");
    for (const d of [o.since, o.until]) if (d !== undefined && !DATE.test(d)) throw new Error(`not a date: ${d}`);
    const ids = o.ids?.split(",").map((s) => Number(s.trim()));
    if (mode === "ids" && (!ids?.length || !ids.every((n) => Number.isInteger(n) && n > 0))) {
      throw new Error("--mode ids needs --ids with positive integers, e.g. --ids 603,27205");
    }
    const limit = o.limit === undefined ? undefined : Number(o.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0 && limit <= 10_000)) {
      throw new Error("--limit must be 1..10000 (TMDB lists stop at 500 pages)");
    }
    const config = loadConfig();
    if (!config.TMDB_API_TOKEN) throw new Error("TMDB_API_TOKEN is not set (a TMDB API read access token)");
    const controller = new AbortController();
    // Every request in flight, limiter waiter and timer listens to it: dozens at once are expected.
    setMaxListeners(0, controller.signal);
    process.once("SIGINT", () => controller.abort(new Error("interrupted; run again to resume")));
    const client = new TmdbClient({
      baseUrl: config.TMDB_BASE_URL,
      token: config.TMDB_API_TOKEN,
      requestsPerSecond: config.TMDB_RPS,
      retry: { timeoutMs: config.TMDB_TIMEOUT_MS },
      signal: controller.signal,
      deadline: performance.now() + config.TMDB_TIME_BUDGET_S * 1000,
    });
    const db = await openJobDatabase(config);
    try {
      const summaries = await syncTmdb(
        db,
        client,
        { mode, limit, source: o.source, ids, since: o.since, until: o.until },
        {
          concurrency: Number(o.concurrency ?? config.TMDB_CONCURRENCY),
          maxFailureRate: Number(o["max-failure-rate"]),
          progress: terminalProgress("sync tmdb", process.stderr),
          log: (line) => console.error(`sync tmdb: ${line}`),
          signal: controller.signal,
          onSummary: (s) => console.log(formatSummary(s)),
        },
      );
      return summaries.every((s) => s.status === "succeeded") ? 0 : 1;
    } finally {
      await db.close();
    }
  },
};

/** `marquee sync books`: the Open Library book sync (node/jobs/openlibrary-sync.ts) with its options. */
import { setMaxListeners } from "node:events";
import { terminalProgress } from "../../functions/lib/jobs/progress";
import { OpenLibraryClient } from "../../functions/lib/openlibrary/client";
import { formatBookSyncSummary, syncBooks } from "../jobs/openlibrary-sync";
import { type Command, loadConfig, openJobDatabase, parseOptions } from "./command";

/** What the scheduled sync refreshes when no query is given: the subjects of the demo's readers' tastes. */
export const DEFAULT_QUERIES = [
  "subject:fantasy",
  "subject:science fiction",
  "subject:mystery",
  "subject:romance",
  "subject:historical fiction",
  "subject:classics",
];

export const syncBooksCommand: Command = {
  name: "sync books",
  summary: "Load or refresh the book catalogue from Open Library (search, works, editions; CC0); resumable",
  usage: "[--query Q]... [--ids OL45883W,...] [--limit N] [--concurrency N]",
  help: [
    "options:",
    "  --query Q            an Open Library search (repeatable): subject:fantasy, words of a title or author",
    `                       (default: ${DEFAULT_QUERIES.join(", ")})`,
    "  --ids LIST           Open Library work ids to fetch, comma-separated (instead of queries)",
    "  --limit N            works taken from each query, most-rated first (default 200)",
    "  --concurrency N      works fetched at once (default 4); requests stay under OPENLIBRARY_RPS",
    "  --max-failure-rate R exit 1 when failed works exceed this share of works listed (default 0.02)",
    "",
    "environment: OPENLIBRARY_BASE_URL, OPENLIBRARY_RPS, OPENLIBRARY_TIMEOUT_MS, OPENLIBRARY_TIME_BUDGET_S,",
    "OPENLIBRARY_CONTACT (sent in the User-Agent, as Open Library asks), DATABASE_URL.",
    "Transient faults (429 after Retry-After, 5xx, timeouts, resets, truncated or non-JSON bodies) are retried. A run",
    "killed or stopped midway is resumed by the next invocation (exit 1 until then); failed works are retried by",
    "later runs. Embeddings of new or changed books come from `marquee backfill embeddings`.",
  ].join("\n"),
  async run(args) {
    const queries: string[] = [];
    const rest: string[] = [];
    for (let k = 0; k < args.length; k++) {
      if (args[k] === "--query" && args[k + 1] !== undefined) queries.push(args[++k] as string);
      else rest.push(args[k] as string);
    }
    const o = parseOptions(rest, {
      ids: { type: "string" },
      limit: { type: "string", default: "200" },
      concurrency: { type: "string", default: "4" },
      "max-failure-rate": { type: "string", default: "0.02" },
    });
    const ids = o.ids?.split(",").map((s) => s.trim());
    if (ids && !ids.every((id) => /^OL\d+W$/.test(id)))
      throw new Error("--ids takes Open Library work ids like OL45883W");
    if (ids && queries.length > 0) throw new Error("give --ids or --query, not both");
    const limit = Number(o.limit);
    if (!(Number.isInteger(limit) && limit > 0 && limit <= 10_000)) throw new Error("--limit must be 1..10000");
    const concurrency = Number(o.concurrency);
    if (!(Number.isInteger(concurrency) && concurrency > 0 && concurrency <= 32))
      throw new Error("--concurrency must be 1..32");
    const maxFailureRate = Number(o["max-failure-rate"]);
    if (!(maxFailureRate >= 0 && maxFailureRate <= 1)) throw new Error("--max-failure-rate must be 0..1");
    const config = loadConfig();
    if (!config.OPENLIBRARY_CONTACT) {
      console.error("sync books: OPENLIBRARY_CONTACT is not set; Open Library asks API clients for a contact");
    }
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    process.once("SIGINT", () => controller.abort(new Error("interrupted; run again to resume")));
    const client = new OpenLibraryClient({
      baseUrl: config.OPENLIBRARY_BASE_URL,
      requestsPerSecond: config.OPENLIBRARY_RPS,
      userAgent: `Marquee/${config.APP_VERSION}${config.OPENLIBRARY_CONTACT ? ` (${config.OPENLIBRARY_CONTACT})` : ""}`,
      retry: { timeoutMs: config.OPENLIBRARY_TIMEOUT_MS },
      signal: controller.signal,
      deadline: performance.now() + config.OPENLIBRARY_TIME_BUDGET_S * 1000,
    });
    const db = await openJobDatabase(config);
    try {
      const summaries = await syncBooks(
        db,
        client,
        {
          queries: ids ? ids.map((id) => `key:/works/${id}`) : queries.length > 0 ? queries : DEFAULT_QUERIES,
          limitPerQuery: ids ? 1 : limit,
        },
        {
          concurrency,
          progress: terminalProgress("sync books", process.stderr),
          log: (line) => console.error(`sync books: ${line}`),
          signal: controller.signal,
          onSummary: (s) => console.log(formatBookSyncSummary(s)),
        },
      );
      const failing = summaries.some(
        (s) => s.status !== "succeeded" || s.failed > maxFailureRate * Math.max(1, s.listed),
      );
      return failing ? 1 : 0;
    } finally {
      await db.close();
    }
  },
};

/** `marquee backfill embeddings`: the embedding backfill (node/jobs/backfill-embeddings.ts). */

import { createEmbedder } from "../../functions/lib/embed";
import { RateLimiter } from "../../functions/lib/http/polite-fetch";
import { terminalProgress } from "../../functions/lib/jobs/progress";
import { backfillEmbeddings, type EmbeddedKind, formatBackfillSummary } from "../jobs/backfill-embeddings";
import { type Command, loadConfig, openJobDatabase, parseOptions } from "./command";

export const backfillCommand: Command = {
  name: "backfill embeddings",
  summary: "Embed films and books whose text changed or whose model differs from EMBEDDING_PROVIDER's; resumable",
  usage: "[--kind movie|book|all] [--batch-size N] [--limit N]",
  help: [
    "options:",
    "  --kind KIND     movie, book or all (default all: films, then books)",
    "  --batch-size N  texts per embedding call (default 64; capped by the provider)",
    "  --limit N       stop after N films, and after N books (default: all that need it)",
    "  --bulk          drop the HNSW index while writing and rebuild it after (first loads; search is slow meanwhile)",
    "",
    "environment: EMBEDDING_PROVIDER (local | workers-ai | openai), CLOUDFLARE_ACCOUNT_ID + CLOUDFLARE_API_TOKEN",
    "(workers-ai), OPENAI_BASE_URL + OPENAI_API_KEY + EMBEDDING_MODEL (openai), EMBEDDING_RPS, DATABASE_URL.",
    "Exits 1 when some films could not be embedded (they are retried by the next run).",
  ].join("\n"),
  async run(args) {
    const o = parseOptions(args, {
      "batch-size": { type: "string", default: "64" },
      limit: { type: "string" },
      bulk: { type: "boolean", default: false },
      kind: { type: "string", default: "all" },
    });
    const kinds: readonly EmbeddedKind[] | null =
      o.kind === "all" ? ["movie", "book"] : o.kind === "movie" || o.kind === "book" ? [o.kind] : null;
    if (!kinds) throw new Error("--kind must be movie, book or all");
    const batchSize = Number(o["batch-size"]);
    const limit = o.limit === undefined ? 0 : Number(o.limit);
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error("--batch-size must be a positive integer");
    if (!(Number.isInteger(limit) && limit >= 0)) throw new Error("--limit must be a positive integer");
    const config = loadConfig();
    const embedder = createEmbedder(config, undefined, { limiter: new RateLimiter(config.EMBEDDING_RPS) });
    const controller = new AbortController();
    process.once("SIGINT", () => controller.abort(new Error("interrupted; run again to resume")));
    const db = await openJobDatabase(config);
    try {
      let failed = 0;
      for (const kind of kinds) {
        const summary = await backfillEmbeddings(db, embedder, {
          kind,
          batchSize,
          limit,
          bulkThreshold: o.bulk ? 1 : undefined,
          progress: terminalProgress(`backfill embeddings (${kind})`, process.stderr),
          log: (line) => console.error(`backfill embeddings: ${line}`),
          signal: controller.signal,
        });
        console.log(formatBackfillSummary(summary));
        failed += summary.failed;
      }
      return failed > 0 ? 1 : 0;
    } finally {
      await db.close();
    }
  },
};

/**
 * The embedding backfill (`marquee backfill embeddings`, and demo films and books on first start): embeds every film
 * (or book, with kind "book") whose
 * embedding is missing, from another model, or computed from text that has since changed (content hash), in
 * batches by id. Each batch is written as it completes, so a killed run loses at most one batch of work and a
 * re-run picks up exactly what is left; running it with nothing to do costs one query.
 */
import type { SqlExecutor } from "../../functions/lib/db/port";
import { type Embedder, toVectorLiteral } from "../../functions/lib/embed/embedder";
import { RateLimiter } from "../../functions/lib/http/polite-fetch";
import { type ProgressSink, silentProgress } from "../../functions/lib/jobs/progress";

/** The catalogues that carry embeddings, and the SQL functions each one's backfill goes through. */
export const EMBEDDED_CATALOGUES = {
  movie: {
    noun: "films",
    backlog: "embedding_backlog",
    needing: "movies_needing_embedding",
    store: "store_movie_embeddings",
    index: "set_embedding_index",
  },
  book: {
    noun: "books",
    backlog: "book_embedding_backlog",
    needing: "books_needing_embedding",
    store: "store_book_embeddings",
    index: "set_book_embedding_index",
  },
} as const;

export type EmbeddedKind = keyof typeof EMBEDDED_CATALOGUES;

export interface BackfillOptions {
  /** Which catalogue (default movie). */
  kind?: EmbeddedKind;
  batchSize?: number;
  /** Embedding calls per second (remote providers). */
  requestsPerSecond?: number;
  /** Stop after this many films (0: all). */
  limit?: number;
  progress?: ProgressSink;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Drop the HNSW index while writing and rebuild it after, when at least this many films need embedding. */
  bulkThreshold?: number;
}

export interface BackfillSummary {
  kind: EmbeddedKind;
  model: string;
  embedded: number;
  failed: number;
  remaining: number;
  batches: number;
  /** Whole run, the index rebuild of --bulk included. */
  durationMs: number;
  /** --bulk: time to rebuild the HNSW index after writing (0 otherwise). */
  indexRebuildMs: number;
}

export async function backfillEmbeddings(
  db: SqlExecutor,
  embedder: Embedder,
  options: BackfillOptions = {},
): Promise<BackfillSummary> {
  const started = performance.now();
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 100, embedder.maxBatch));
  const limiter = options.requestsPerSecond ? new RateLimiter(options.requestsPerSecond) : undefined;
  const progress = options.progress ?? silentProgress;
  const kind = options.kind ?? "movie";
  const fn = EMBEDDED_CATALOGUES[kind];
  const [{ pending }] = await db.query<{ pending: number }>(`select pending from public.${fn.backlog}($1)`, [
    embedder.model,
  ]);
  const total = options.limit ? Math.min(options.limit, pending) : pending;
  const bulk = options.bulkThreshold !== undefined && total >= options.bulkThreshold;
  let indexRebuildMs = 0;
  if (bulk) await db.query(`select public.${fn.index}(false)`);
  let summary: BackfillSummary;
  try {
    summary = await embedAll();
  } finally {
    // Always restore: a failed or aborted bulk run must not leave search without its index.
    if (bulk) {
      const rebuild = performance.now();
      await db.query(`select public.${fn.index}(true)`);
      indexRebuildMs = performance.now() - rebuild;
    }
  }
  return { ...summary, indexRebuildMs, durationMs: performance.now() - started };

  async function embedAll(): Promise<BackfillSummary> {
    let afterId = 0;
    let embedded = 0;
    let failed = 0;
    let batches = 0;
    while (embedded + failed < total) {
      options.signal?.throwIfAborted();
      const rows = await db.query<{ id: number; document: string; content_hash: string }>(
        `select id, document, content_hash from public.${fn.needing}($1, $2, $3)`,
        [embedder.model, afterId, Math.min(batchSize, total - embedded - failed)],
      );
      if (rows.length === 0) break;
      afterId = rows[rows.length - 1].id;
      await limiter?.take(options.signal);
      let vectors: number[][];
      try {
        vectors = await embedder.embed(
          rows.map((r) => r.document),
          options.signal,
        );
      } catch (error) {
        if (options.signal?.aborted) throw error;
        // One bad batch (after the provider's own retries) is skipped, not fatal; the next run retries it.
        failed += rows.length;
        options.log?.(`${fn.noun} ${rows[0].id}..${afterId}: ${(error as Error).message}`);
        progress.update(embedded + failed, total, `(${failed} failed)`);
        continue;
      }
      const payload = rows.map((r, k) => ({
        id: r.id,
        embedding: toVectorLiteral(vectors[k]),
        content_hash: r.content_hash,
      }));
      await db.query(`select public.${fn.store}($1, $2::jsonb)`, [embedder.model, JSON.stringify(payload)]);
      embedded += rows.length;
      batches++;
      progress.update(embedded + failed, total, failed > 0 ? `(${failed} failed)` : "");
    }
    progress.finish();
    return {
      kind,
      model: embedder.model,
      embedded,
      failed,
      remaining: pending - embedded,
      batches,
      durationMs: performance.now() - started,
      indexRebuildMs: 0,
    };
  }
}

export function formatBackfillSummary(s: BackfillSummary): string {
  return (
    `embedding backfill (${s.model}, ${EMBEDDED_CATALOGUES[s.kind].noun}): embedded ${s.embedded}, failed ${s.failed}, remaining ${s.remaining}, ` +
    `${s.batches} batches in ${(s.durationMs / 1000).toFixed(1)} s` +
    (s.indexRebuildMs > 0 ? ` (of which index rebuild ${(s.indexRebuildMs / 1000).toFixed(1)} s)` : "")
  );
}

/**
 * On start with EMBEDDING_PROVIDER=local: embeds every film and book that lacks a current local embedding (the demo
 * catalogues on first start), so search works on a fresh clone; later starts find nothing to do in two queries.
 */
export async function embedWithLocalProvider(db: SqlExecutor, log: (line: string) => void): Promise<void> {
  const { LocalEmbedder } = await import("../../functions/lib/embed/local");
  for (const kind of ["movie", "book"] as const) {
    const summary = await backfillEmbeddings(db, new LocalEmbedder(), { kind, batchSize: 500, bulkThreshold: 200 });
    if (summary.embedded > 0 || summary.failed > 0) log(formatBackfillSummary(summary));
  }
}

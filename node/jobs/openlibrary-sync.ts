/**
 * `marquee sync books`: the book catalogue from Open Library (data CC0), polite and resumable like the TMDB sync
 * (tmdb-sync.ts), on the same machinery: the polite fetch (rate cap, retries with backoff, Retry-After, timeouts,
 * malformed bodies), a run row whose cursor (the query and its last listed page) is saved with each listed page,
 * a queue row per work that is done once its book row is written, a time budget, progress and summary lines.
 *
 * A run lists the works of each search query (`subject:fantasy`, `key:/works/OL45883W`, or plain words) up to a
 * limit per query, then fetches each work and its editions, maps them (lib/openlibrary/map.ts) and writes them
 * through upsert_openlibrary_books, which matches a demo row by Goodreads id or title and first author before it
 * inserts. At most one run is unfinished: an invocation resumes it first (same queries, same cursor), then starts
 * the requested run unless the resumed one was the same request. Works that failed are retried by later runs
 * while they have fewer than MAX_ATTEMPTS failures. A search page that still fails after its retries, or the time
 * budget, stops the run as incomplete (exit 1) with its cursor saved.
 */
import type { SqlDatabase } from "../../functions/lib/db/port";
import { BudgetExhausted } from "../../functions/lib/http/polite-fetch";
import { type ProgressSink, silentProgress } from "../../functions/lib/jobs/progress";
import { type OpenLibraryClient, OpenLibraryError, type SearchDoc } from "../../functions/lib/openlibrary/client";
import { mapWork, type OpenLibraryBookRow } from "../../functions/lib/openlibrary/map";

export interface BookSyncParams {
  /** Open Library search queries, listed in order. */
  queries: string[];
  /** Works taken from each query, most-rated first (Open Library's own order). */
  limitPerQuery: number;
}

export interface BookSyncOptions {
  /** Works fetched at once (each is two requests: the work and its editions). */
  concurrency?: number;
  /** Search page size (Open Library allows up to 1000; 100 keeps answers small). */
  pageSize?: number;
  progress?: ProgressSink;
  log?: (line: string) => void;
  signal?: AbortSignal;
  onSummary?: (summary: BookSyncSummary) => void;
}

export interface BookSyncSummary {
  runId: number;
  resumed: boolean;
  status: "succeeded" | "incomplete";
  listed: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  requests: number;
  durationMs: number;
  error?: string;
}

export const MAX_ATTEMPTS = 3;

interface RunRow {
  id: number;
  params: BookSyncParams;
  listing_done: boolean;
  query_index: number;
  listing_page: number;
}

const RUN_COLUMNS = "id, params, listing_done, query_index, listing_page";
const sameRequest = (a: BookSyncParams, b: BookSyncParams) =>
  a.limitPerQuery === b.limitPerQuery && JSON.stringify(a.queries) === JSON.stringify(b.queries);

export async function syncBooks(
  db: SqlDatabase,
  client: OpenLibraryClient,
  params: BookSyncParams,
  options: BookSyncOptions = {},
): Promise<BookSyncSummary[]> {
  const summaries: BookSyncSummary[] = [];
  const emit = (s: BookSyncSummary) => {
    summaries.push(s);
    options.onSummary?.(s);
    return s;
  };
  const [unfinished] = await db.query<RunRow>(
    `select ${RUN_COLUMNS} from public.book_sync_runs where status = 'running' order by id limit 1`,
  );
  if (unfinished) {
    options.log?.(`resuming interrupted run #${unfinished.id}`);
    const s = emit(await attemptRun(db, client, unfinished, true, options));
    if (s.status === "incomplete" || sameRequest(unfinished.params, params)) return summaries;
  }
  const run = await db.transaction(async (tx) => {
    const [row] = await tx.query<RunRow>(
      `insert into public.book_sync_runs (params) values ($1::jsonb) returning ${RUN_COLUMNS}`,
      [JSON.stringify(params)],
    );
    // Works that failed in finished runs and may still succeed join this run.
    await tx.query(
      `insert into public.book_sync_queue (run_id, ol_work_id, listing, attempts)
       select distinct on (q.ol_work_id) $1, q.ol_work_id, q.listing, q.attempts
       from public.book_sync_queue q join public.book_sync_runs r on r.id = q.run_id
       where r.status <> 'running' and q.status = 'failed' and q.attempts < $2
         and not exists (select 1 from public.book_sync_queue d
                         where d.ol_work_id = q.ol_work_id and d.status in ('inserted', 'updated', 'unchanged', 'skipped')
                           and d.updated_at > q.updated_at)
       order by q.ol_work_id, q.updated_at desc
       on conflict do nothing`,
      [row.id, MAX_ATTEMPTS],
    );
    return row;
  });
  emit(await attemptRun(db, client, run, false, options));
  return summaries;
}

async function attemptRun(
  db: SqlDatabase,
  client: OpenLibraryClient,
  run: RunRow,
  resumed: boolean,
  options: BookSyncOptions,
): Promise<BookSyncSummary> {
  const started = client.clock.now();
  const requestsBefore = client.requests;
  const finish = async (status: BookSyncSummary["status"], error?: string): Promise<BookSyncSummary> => {
    const counts = await db.query<{ status: string; n: number }>(
      "select status, count(*)::int as n from public.book_sync_queue where run_id = $1 group by status",
      [run.id],
    );
    const n = (s: string) => counts.find((c) => c.status === s)?.n ?? 0;
    return {
      runId: Number(run.id),
      resumed,
      status,
      listed: counts.reduce((sum, c) => sum + c.n, 0),
      inserted: n("inserted"),
      updated: n("updated"),
      unchanged: n("unchanged"),
      skipped: n("skipped"),
      failed: n("failed"),
      requests: client.requests - requestsBefore,
      durationMs: client.clock.now() - started,
      ...(error ? { error } : {}),
    };
  };
  try {
    if (!run.listing_done) await listRun(db, client, run, options);
    await fetchWorks(db, client, run, options);
    await db.query(
      "update public.book_sync_runs set status = 'succeeded', finished_at = now(), error = null where id = $1",
      [run.id],
    );
    return await finish("succeeded");
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const why =
      error instanceof BudgetExhausted
        ? "the time budget (OPENLIBRARY_TIME_BUDGET_S) ran out"
        : error instanceof OpenLibraryError
          ? error.message
          : `${(error as Error).name}: ${(error as Error).message}`;
    await db.query("update public.book_sync_runs set error = $2 where id = $1", [run.id, why]);
    return await finish("incomplete", `${why}; run again to resume`);
  }
}

/** Lists every query's works page by page from the saved cursor, saving the cursor with each page's works. */
async function listRun(db: SqlDatabase, client: OpenLibraryClient, run: RunRow, options: BookSyncOptions) {
  const pageSize = options.pageSize ?? 100;
  const { queries, limitPerQuery } = run.params;
  for (let qi = run.query_index; qi < queries.length; qi++) {
    const q = queries[qi] as string;
    for (let page = (qi === run.query_index ? run.listing_page : 0) + 1; ; page++) {
      options.signal?.throwIfAborted();
      const { numFound, docs } = await client.search(q, page, pageSize);
      const room = Math.max(0, limitPerQuery - (page - 1) * pageSize);
      const kept = docs.slice(0, room);
      const last = page * pageSize >= Math.min(numFound, limitPerQuery) || docs.length === 0;
      await db.transaction(async (tx) => {
        if (kept.length > 0) {
          await tx.query(
            `insert into public.book_sync_queue (run_id, ol_work_id, listing)
             select $1, x.id, x.listing from jsonb_to_recordset($2::jsonb) as x(id text, listing jsonb)
             on conflict (run_id, ol_work_id) do nothing`,
            [run.id, JSON.stringify(kept.map((d) => ({ id: d.key.slice("/works/".length), listing: d })))],
          );
        }
        await tx.query("update public.book_sync_runs set query_index = $2, listing_page = $3 where id = $1", [
          run.id,
          last ? qi + 1 : qi,
          last ? 0 : page,
        ]);
      });
      if (last) break;
    }
  }
  await db.query("update public.book_sync_runs set listing_done = true where id = $1", [run.id]);
}

interface Outcome {
  id: string;
  row?: OpenLibraryBookRow;
  status?: "skipped" | "failed";
  detail?: string;
}

/** Fetches the run's pending works, `concurrency` at a time, writing each batch of books and outcomes at once. */
async function fetchWorks(db: SqlDatabase, client: OpenLibraryClient, run: RunRow, options: BookSyncOptions) {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const progress = options.progress ?? silentProgress;
  const [{ total, done }] = await db.query<{ total: number; done: number }>(
    `select count(*)::int as total, count(*) filter (where status <> 'pending')::int as done
     from public.book_sync_queue where run_id = $1`,
    [run.id],
  );
  let finished = done;
  for (;;) {
    options.signal?.throwIfAborted();
    const batch = await db.query<{ ol_work_id: string; listing: Partial<SearchDoc> }>(
      `select ol_work_id, listing from public.book_sync_queue where run_id = $1 and status = 'pending'
       order by ol_work_id limit $2`,
      [run.id, concurrency * 4],
    );
    if (batch.length === 0) break;
    const outcomes: Outcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const item = batch[next++] as (typeof batch)[number];
        const result = await client.work(item.ol_work_id);
        if (result.kind === "not_found") {
          outcomes.push({ id: item.ol_work_id, status: "skipped", detail: "HTTP 404: gone from Open Library" });
        } else if (result.kind === "failed") {
          outcomes.push({ id: item.ol_work_id, status: "failed", detail: result.detail });
        } else {
          // A merged work answers with the work it moved to: the book is written under that id.
          const workId = /\/works\/(OL\d+W)$/.exec(result.work.key)?.[1] ?? item.ol_work_id;
          const row = mapWork(workId, item.listing, result.work, result.editions);
          outcomes.push(
            row ? { id: item.ol_work_id, row } : { id: item.ol_work_id, status: "skipped", detail: "no usable title" },
          );
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
    } finally {
      // What was fetched before a stop (budget, abort) is written, so a resumed run does not fetch it again.
      if (outcomes.length > 0) await writeOutcomes(db, run.id, outcomes);
      finished += outcomes.length;
      progress.update(finished, total);
    }
  }
  progress.finish();
}

async function writeOutcomes(db: SqlDatabase, runId: number, outcomes: Outcome[]) {
  await db.transaction(async (tx) => {
    // One row per work: a merged work and the work it moved to, listed in one batch, are written once.
    const rows = [...new Map(outcomes.flatMap((o) => (o.row ? [[o.row.ol_work_id, o.row] as const] : []))).values()];
    const written =
      rows.length > 0
        ? await tx.query<{ ol_work_id: string; outcome: string }>(
            "select ol_work_id, outcome from public.upsert_openlibrary_books($1::jsonb)",
            [JSON.stringify(rows)],
          )
        : [];
    // Keyed by the work written, which differs from the queued id when a merged work was followed.
    const outcomeOf = new Map(written.map((w) => [w.ol_work_id, w.outcome]));
    const statuses = outcomes.map((o) =>
      o.row
        ? {
            id: o.id,
            status: outcomeOf.get(o.row.ol_work_id) ?? "failed",
            detail: o.row.ol_work_id === o.id ? null : `merged into ${o.row.ol_work_id}`,
          }
        : { id: o.id, status: o.status ?? "failed", detail: o.detail ?? null },
    );
    await tx.query(
      `update public.book_sync_queue q
          set status = x.status, detail = x.detail, updated_at = now(),
              attempts = q.attempts + case when x.status = 'failed' then 1 else 0 end
         from jsonb_to_recordset($2::jsonb) as x(id text, status text, detail text)
        where q.run_id = $1 and q.ol_work_id = x.id`,
      [runId, JSON.stringify(statuses)],
    );
  });
}

export function formatBookSyncSummary(s: BookSyncSummary): string {
  const rate = s.durationMs > 0 ? ((s.inserted + s.updated + s.unchanged) / (s.durationMs / 1000)).toFixed(1) : "0";
  return (
    `sync books run #${s.runId}${s.resumed ? " (resumed)" : ""}: ${s.status}; listed ${s.listed}, inserted ` +
    `${s.inserted}, updated ${s.updated}, unchanged ${s.unchanged}, skipped ${s.skipped}, failed ${s.failed}; ` +
    `${s.requests} requests in ${(s.durationMs / 1000).toFixed(1)} s (${rate} works/s)` +
    (s.error ? `; ${s.error}` : "")
  );
}

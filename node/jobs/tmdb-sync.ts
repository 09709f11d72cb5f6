/**
 * The TMDB sync job (`marquee sync tmdb`): lists the film ids a run must fetch into tmdb_sync_queue, then fetches
 * each film's details and upserts it, with bounded concurrency under the client's rate limit.
 *
 * Resumable by construction: the run row records how far listing got (page, and window for changes), and each
 * film's write and the completion of its queue row happen in one SQL statement. A run killed anywhere is found
 * still "running" by the next invocation, which finishes it (skipping listed pages and written films) before
 * starting the requested one. The change cursor advances only when a changes run finishes.
 */
import type { SqlDatabase } from "../../functions/lib/db/port";
import { type ProgressSink, silentProgress } from "../../functions/lib/jobs/progress";
import type { ListSource, TmdbClient } from "../../functions/lib/tmdb/client";

export type SyncMode = "initial" | "changes" | "ids";

export interface SyncParams {
  mode: SyncMode;
  /** initial: how many of the most popular films. */
  limit?: number;
  /** initial: which list to walk. */
  source?: ListSource;
  /** ids: the films to fetch. */
  ids?: number[];
  /** changes: first day (YYYY-MM-DD); default the stored cursor, or yesterday on a first run. */
  since?: string;
  /** changes: last day; default today (UTC). */
  until?: string;
}

export interface SyncOptions {
  concurrency: number;
  /** The run fails (non-zero exit) when failed films exceed this share of the films processed. */
  maxFailureRate: number;
  progress?: ProgressSink;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** For tests: "today". */
  today?: () => string;
}

export interface SyncSummary {
  runId: number;
  mode: SyncMode;
  resumed: boolean;
  status: "succeeded" | "failed";
  fetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  requests: number;
  durationMs: number;
  changesCursor?: string;
}

interface RunRow {
  id: number;
  mode: SyncMode;
  params: SyncParams;
  listing_done: boolean;
  listing_window_start: string | Date | null;
  listing_page: number;
  changes_until: string | Date | null;
}

export const MAX_PAGES = 500; // TMDB serves at most 500 pages of any list
export const WINDOW_DAYS = 14;
export const MAX_ATTEMPTS = 3;

const day = (d: string | Date) => (typeof d === "string" ? d.slice(0, 10) : d.toISOString().slice(0, 10));
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const utcToday = () => new Date().toISOString().slice(0, 10);
// Dates as text: drivers turn `date` into a local-time Date, which can shift a day away from UTC.
const RUN_COLUMNS =
  "id, mode, params, listing_done, listing_window_start::text as listing_window_start, listing_page, changes_until::text as changes_until";

/** Finishes an interrupted run if there is one, then runs the requested one. Returns one summary per run. */
export async function syncTmdb(
  db: SqlDatabase,
  client: TmdbClient,
  params: SyncParams,
  options: SyncOptions,
): Promise<SyncSummary[]> {
  const summaries: SyncSummary[] = [];
  const [interrupted] = await db.query<RunRow>(
    `select ${RUN_COLUMNS} from public.tmdb_sync_runs where status = 'running'`,
  );
  if (interrupted) {
    options.log?.(`resuming interrupted run #${interrupted.id} (${interrupted.mode})`);
    summaries.push(await executeRun(db, client, interrupted, true, options));
  }
  summaries.push(await executeRun(db, client, await startRun(db, params, options), false, options));
  return summaries;
}

async function startRun(db: SqlDatabase, params: SyncParams, options: SyncOptions): Promise<RunRow> {
  return db.transaction(async (tx) => {
    let changesUntil: string | null = null;
    let windowStart: string | null = null;
    if (params.mode === "changes") {
      const [cursor] = await tx.query<{ value: string }>(
        "select value from public.tmdb_sync_state where key = 'changes_cursor'",
      );
      const today = (options.today ?? utcToday)();
      changesUntil = params.until ?? today;
      windowStart = params.since ?? cursor?.value ?? addDays(today, -1);
    }
    const [run] = await tx.query<RunRow>(
      `insert into public.tmdb_sync_runs (mode, params, listing_window_start, changes_until)
       values ($1, $2::jsonb, $3::date, $4::date) returning ${RUN_COLUMNS}`,
      [params.mode, JSON.stringify(params), windowStart, changesUntil],
    );
    // Finished rows of earlier runs are history; failed films still worth a try join this run.
    await tx.query("delete from public.tmdb_sync_queue where status not in ('pending', 'failed')");
    await tx.query(
      `update public.tmdb_sync_queue set run_id = $1, status = 'pending', updated_at = now()
       where status = 'failed' and attempts < $2`,
      [run.id, MAX_ATTEMPTS],
    );
    return run;
  });
}

async function listRun(db: SqlDatabase, client: TmdbClient, run: RunRow, options: SyncOptions): Promise<void> {
  const enqueue = (ids: number[]) => db.rpc("tmdb_enqueue_movies", { p_run_id: run.id, p_ids: ids });
  const params = run.params;
  if (params.mode === "ids") {
    await enqueue(params.ids ?? []);
  } else if (params.mode === "initial") {
    const limit = params.limit ?? 1000;
    let pages = Math.min(MAX_PAGES, Math.ceil(limit / 20));
    for (let page = run.listing_page + 1; page <= pages; page++) {
      options.signal?.throwIfAborted();
      const { ids, totalPages } = await client.listPage(params.source ?? "popular", page);
      pages = Math.min(pages, totalPages);
      await db.transaction(async (tx) => {
        await tx.query("select public.tmdb_enqueue_movies($1, $2)", [run.id, ids.slice(0, limit - (page - 1) * 20)]);
        await tx.query("update public.tmdb_sync_runs set listing_page = $2 where id = $1", [run.id, page]);
      });
      options.progress?.update(page, pages, "listing");
    }
  } else {
    const until = day(run.changes_until as string | Date);
    let start = run.listing_window_start ? day(run.listing_window_start) : until;
    let firstPage = run.listing_page + 1;
    while (start <= until) {
      const end = [addDays(start, WINDOW_DAYS), until].sort()[0]; // ISO dates sort as text
      let pages = 1;
      for (let page = firstPage; page <= pages; page++) {
        options.signal?.throwIfAborted();
        const result = await client.changesPage(start, end, page);
        pages = Math.min(MAX_PAGES, result.totalPages);
        await db.transaction(async (tx) => {
          await tx.query("select public.tmdb_enqueue_movies($1, $2)", [run.id, result.ids]);
          await tx.query("update public.tmdb_sync_runs set listing_page = $2 where id = $1", [run.id, page]);
        });
      }
      start = addDays(end, 1);
      firstPage = 1;
      await db.query("update public.tmdb_sync_runs set listing_window_start = $2, listing_page = 0 where id = $1", [
        run.id,
        start,
      ]);
    }
  }
  await db.query("update public.tmdb_sync_runs set listing_done = true where id = $1", [run.id]);
}

interface Counts {
  pending: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
}

async function countsOf(db: SqlDatabase, runId: number): Promise<Counts> {
  const [c] = await db.rpc("tmdb_sync_counts", { p_run_id: runId });
  return {
    pending: c?.pending ?? 0,
    inserted: c?.inserted ?? 0,
    updated: c?.updated ?? 0,
    unchanged: c?.unchanged ?? 0,
    skipped: c?.skipped ?? 0,
    failed: c?.failed ?? 0,
  };
}

async function executeRun(
  db: SqlDatabase,
  client: TmdbClient,
  run: RunRow,
  resumed: boolean,
  options: SyncOptions,
): Promise<SyncSummary> {
  const started = performance.now();
  const requestsBefore = client.requests;
  const progress = options.progress ?? silentProgress;
  // The genre list is one small request; refreshing it every run keeps renamed genres right.
  await db.rpc("tmdb_upsert_genres", { p_genres: JSON.stringify(await client.genres()) });
  if (!run.listing_done) await listRun(db, client, run, options);

  const initial = await countsOf(db, run.id);
  const total =
    initial.pending + initial.inserted + initial.updated + initial.unchanged + initial.skipped + initial.failed;
  let done = total - initial.pending;
  let failedNow = initial.failed;
  for (;;) {
    const batch = await db.query<{ movie_id: number }>(
      `select movie_id from public.tmdb_sync_queue where run_id = $1 and status = 'pending' order by movie_id limit 500`,
      [run.id],
    );
    if (batch.length === 0) break;
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        options.signal?.throwIfAborted();
        const id = batch[next++].movie_id;
        const result = await client.movie(id);
        options.signal?.throwIfAborted();
        if (result.kind === "ok") {
          await db.rpc("tmdb_upsert_movie", { p_run_id: run.id, p_movie: JSON.stringify(result.movie) });
        } else if (result.kind === "not_found") {
          await db.rpc("tmdb_forget_movie", { p_run_id: run.id, p_movie_id: id });
        } else {
          failedNow++;
          options.log?.(`film ${id}: ${result.detail}`);
          await db.rpc("tmdb_fail_movie", { p_run_id: run.id, p_movie_id: id, p_detail: result.detail });
        }
        done++;
        progress.update(done, total, failedNow > 0 ? `(${failedNow} failed)` : "");
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  }
  progress.finish();

  const c = await countsOf(db, run.id);
  const fetched = c.inserted + c.updated + c.unchanged + c.skipped + c.failed;
  const status = c.failed > options.maxFailureRate * Math.max(1, fetched) ? "failed" : "succeeded";
  let changesCursor: string | undefined;
  await db.transaction(async (tx) => {
    await tx.query("update public.tmdb_sync_runs set status = $2, finished_at = now() where id = $1", [run.id, status]);
    // Failed films stay queued for the next run, so the cursor may move on even when some failed.
    if (run.mode === "changes" && run.changes_until) {
      changesCursor = day(run.changes_until);
      await tx.query(
        `insert into public.tmdb_sync_state (key, value) values ('changes_cursor', $1)
         on conflict (key) do update set value = excluded.value, updated_at = now()`,
        [changesCursor],
      );
    }
  });
  return {
    runId: Number(run.id),
    mode: run.mode,
    resumed,
    status,
    fetched,
    inserted: c.inserted,
    updated: c.updated,
    unchanged: c.unchanged,
    skipped: c.skipped,
    failed: c.failed,
    requests: client.requests - requestsBefore,
    durationMs: performance.now() - started,
    changesCursor,
  };
}

export function formatSummary(s: SyncSummary): string {
  return (
    `tmdb sync run #${s.runId} (${s.mode}${s.resumed ? ", resumed" : ""}) ${s.status}: fetched ${s.fetched}, ` +
    `inserted ${s.inserted}, updated ${s.updated}, unchanged ${s.unchanged}, skipped ${s.skipped}, failed ${s.failed}, ` +
    `${s.requests} requests in ${(s.durationMs / 1000).toFixed(1)} s` +
    (s.changesCursor ? `, changes cursor ${s.changesCursor}` : "")
  );
}

/**
 * The TMDB sync job (`marquee sync tmdb`): lists the film ids a run must fetch into tmdb_sync_queue, and fetches
 * each film's details and upserts it as soon as it is listed, with bounded concurrency under the client's rate
 * limit.
 *
 * Resumable by construction: the run row records how far listing got (window, page and the window's page count),
 * and each film's write and the completion of its queue row happen in one SQL statement; a page's ids and the
 * page number are saved in one transaction. A run killed anywhere is found still "running" by the next invocation
 * of its mode, which walks the rest of the window from the next page and fetches only films not yet written.
 * The change cursor advances only when a changes run finishes.
 *
 * Rules for unfinished runs (one per mode may exist):
 * - An invocation resumes the unfinished run of the mode it was asked for, then starts the requested run unless
 *   the resumed one already covers it (initial: always covered; changes: when it reached the requested end date;
 *   ids: the same ids).
 * - Unfinished runs of other modes are left alone (their queue rows are their own) and named in the log; the next
 *   invocation of that mode resumes them.
 * - A run that fails before any progress (HTTP 401 on its first requests) is closed as failed, so it is not
 *   resumed forever; a run stopped later (a list page that kept failing, the time budget, a 401 midway) stays
 *   running and resumable, and its summary says "incomplete".
 * - Transient faults are retried within the run: by the client per request, then by passes over the films that
 *   still failed, until the client's time budget (deadline) ends.
 */
import type { SqlDatabase } from "../../functions/lib/db/port";
import { BudgetExhausted, type Clock } from "../../functions/lib/http/polite-fetch";
import { type ProgressSink, silentProgress } from "../../functions/lib/jobs/progress";
import { type ListSource, TmdbAuthError, type TmdbClient, TmdbError } from "../../functions/lib/tmdb/client";

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
  /** Called as each run ends, so its summary is printed even when a later run of the invocation fails. */
  onSummary?: (summary: SyncSummary) => void;
  /** Passes over a film whose fetch keeps failing transiently, within one run (default 4). */
  filmPasses?: number;
  /** Wait before a film's next pass, times the pass number (default 5 s). */
  filmRetryDelayMs?: number;
  /** List pages requested ahead of the one being saved (default 4). */
  listLookahead?: number;
}

export interface SyncSummary {
  runId: number;
  mode: SyncMode;
  resumed: boolean;
  /** incomplete: stopped unfinished (see error) and resumable; failed: finished with too many failed films, or
   * closed without progress (e.g. HTTP 401). */
  status: "succeeded" | "failed" | "incomplete";
  fetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  requests: number;
  durationMs: number;
  changesCursor?: string;
  error?: string;
}

interface RunRow {
  id: number;
  mode: SyncMode;
  params: SyncParams;
  listing_done: boolean;
  listing_window_start: string | Date | null;
  listing_page: number;
  listing_total_pages: number | null;
  changes_until: string | Date | null;
}

export const MAX_PAGES = 500; // TMDB serves at most 500 pages of any list
export const WINDOW_DAYS = 14;
/** Runs a film may fail in before later runs stop retrying it. */
export const MAX_ATTEMPTS = 3;
const PAGE_SIZE = 20;

const day = (d: string | Date) => (typeof d === "string" ? d.slice(0, 10) : d.toISOString().slice(0, 10));
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const utcToday = () => new Date().toISOString().slice(0, 10);
// Dates as text: drivers turn `date` into a local-time Date, which can shift a day away from UTC.
const RUN_COLUMNS =
  "id, mode, params, listing_done, listing_window_start::text as listing_window_start, listing_page, " +
  "listing_total_pages, changes_until::text as changes_until";

/**
 * Resumes the unfinished run of the requested mode if there is one, then starts the requested run unless the
 * resumed one covers it (see the rules above). Returns one summary per run; a run that stops unfinished ends the
 * invocation (its summary says why). Throws only on abort (the signal's reason).
 */
export async function syncTmdb(
  db: SqlDatabase,
  client: TmdbClient,
  params: SyncParams,
  options: SyncOptions,
): Promise<SyncSummary[]> {
  const summaries: SyncSummary[] = [];
  const emit = (s: SyncSummary) => {
    summaries.push(s);
    options.onSummary?.(s);
    return s;
  };
  const unfinished = await db.query<RunRow>(
    `select ${RUN_COLUMNS} from public.tmdb_sync_runs where status = 'running' order by id`,
  );
  for (const other of unfinished.filter((r) => r.mode !== params.mode)) {
    options.log?.(
      `run #${other.id} (${other.mode}) is unfinished; it is left for the next --mode ${other.mode} invocation`,
    );
  }
  const interrupted = unfinished.find((r) => r.mode === params.mode);
  if (interrupted) {
    options.log?.(`resuming interrupted run #${interrupted.id} (${interrupted.mode})`);
    const s = emit(await attemptRun(db, client, interrupted, true, options));
    // A run that stopped unfinished, or a token TMDB rejects, would stop the next run the same way.
    const rejected = s.status === "failed" && /HTTP 401/.test(s.error ?? "");
    if (s.status === "incomplete" || rejected || covers(interrupted, params, options)) return summaries;
  }
  emit(await attemptRun(db, client, await startRun(db, params, options), false, options));
  return summaries;
}

function covers(resumed: RunRow, requested: SyncParams, options: SyncOptions): boolean {
  if (requested.mode === "initial") return true;
  if (requested.mode === "changes") {
    const until = requested.until ?? (options.today ?? utcToday)();
    return requested.since === undefined && resumed.changes_until !== null && until <= day(resumed.changes_until);
  }
  const key = (ids: number[] | undefined) => [...new Set(ids ?? [])].sort((a, b) => a - b).join(",");
  return key(resumed.params.ids) === key(requested.ids);
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
    // Failed films of finished runs still worth a try join this run; finished runs' rows are history.
    await tx.query("select public.tmdb_start_run_queue($1, $2)", [run.id, MAX_ATTEMPTS]);
    return run;
  });
}

/** Runs one run to its end; a stop other than an abort becomes the summary's status and error. */
async function attemptRun(
  db: SqlDatabase,
  client: TmdbClient,
  run: RunRow,
  resumed: boolean,
  options: SyncOptions,
): Promise<SyncSummary> {
  const started = client.clock.now();
  const requestsBefore = client.requests;
  const summary = (status: SyncSummary["status"], extra: Partial<SyncSummary>) =>
    summarize(
      db,
      run,
      resumed,
      status,
      { ...extra, durationMs: client.clock.now() - started },
      client.requests - requestsBefore,
    );
  try {
    const { status, changesCursor, error } = await executeRun(db, client, run, options);
    return await summary(status, { changesCursor, error });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const message = (error as Error).message;
    if (error instanceof TmdbAuthError && !(await hasProgress(db, run))) {
      await db.query(
        "update public.tmdb_sync_runs set status = 'failed', finished_at = now(), error = $2 where id = $1",
        [run.id, message],
      );
      return summary("failed", { error: `${message}; the run made no progress and is closed` });
    }
    const why =
      error instanceof BudgetExhausted
        ? "the time budget (TMDB_TIME_BUDGET_S) ran out"
        : error instanceof TmdbError
          ? message
          : `${(error as Error).name}: ${message}`;
    await db.query("update public.tmdb_sync_runs set error = $2 where id = $1", [run.id, why]);
    return summary("incomplete", { error: `${why}; run again to resume` });
  }
}

async function hasProgress(db: SqlDatabase, run: RunRow): Promise<boolean> {
  const [row] = await db.query<{ progress: boolean }>(
    `select r.listing_page > 0 or r.listing_done or exists (
       select 1 from public.tmdb_sync_queue q where q.run_id = r.id and (q.status <> 'pending' or r.mode <> 'ids')
     ) as progress
     from public.tmdb_sync_runs r where r.id = $1`,
    [run.id],
  );
  return Boolean(row?.progress);
}

/** Walks pages first..total of one list, requesting up to `lookahead` ahead, saving each page in order. */
async function walkPages(
  fetchPage: (page: number) => Promise<{ ids: number[]; totalPages: number }>,
  first: number,
  savedTotal: number | null,
  cap: number,
  save: (page: number, total: number, ids: number[]) => Promise<void>,
  lookahead: number,
  signal?: AbortSignal,
): Promise<void> {
  const inflight = new Map<number, Promise<{ ids: number[]; totalPages: number }>>();
  const request = (page: number) => {
    let p = inflight.get(page);
    if (!p) {
      p = fetchPage(page);
      p.catch(() => {}); // awaited in order below; a later page's failure must not surface unhandled first
      inflight.set(page, p);
    }
    return p;
  };
  let total = savedTotal ?? undefined;
  for (let page = first; total === undefined || page <= total; page++) {
    signal?.throwIfAborted();
    if (total !== undefined) for (let q = page + 1; q < page + lookahead && q <= total; q++) request(q);
    const result = await request(page);
    inflight.delete(page);
    total = Math.min(cap, result.totalPages);
    if (page <= total) await save(page, total, result.ids);
  }
}

async function listRun(
  db: SqlDatabase,
  client: TmdbClient,
  run: RunRow,
  options: SyncOptions,
  queued: (ids: number[]) => void,
): Promise<void> {
  const params = run.params;
  const lookahead = Math.max(1, options.listLookahead ?? 4);
  const enqueue = async (ids: number[], cursor?: { page: number; total: number }) => {
    const rows = await db.transaction(async (tx) => {
      const added = await tx.query<{ movie_id: number }>("select movie_id from public.tmdb_queue_movies($1, $2)", [
        run.id,
        ids,
      ]);
      if (cursor) {
        await tx.query("update public.tmdb_sync_runs set listing_page = $2, listing_total_pages = $3 where id = $1", [
          run.id,
          cursor.page,
          cursor.total,
        ]);
      }
      return added;
    });
    queued(rows.map((r) => r.movie_id));
  };
  if (params.mode === "ids") {
    await enqueue(params.ids ?? []);
  } else if (params.mode === "initial") {
    const limit = params.limit ?? 1000;
    await walkPages(
      (page) => client.listPage(params.source ?? "popular", page),
      run.listing_page + 1,
      run.listing_total_pages,
      Math.min(MAX_PAGES, Math.ceil(limit / PAGE_SIZE)),
      (page, total, ids) => enqueue(ids.slice(0, Math.max(0, limit - (page - 1) * PAGE_SIZE)), { page, total }),
      lookahead,
      options.signal,
    );
  } else {
    const until = day(run.changes_until as string | Date);
    let start = run.listing_window_start ? day(run.listing_window_start) : until;
    let first = run.listing_page + 1;
    let savedTotal = run.listing_total_pages;
    while (start <= until) {
      const from = start;
      const end = [addDays(from, WINDOW_DAYS), until].sort()[0]; // ISO dates sort as text
      await walkPages(
        (page) => client.changesPage(from, end, page),
        first,
        savedTotal,
        MAX_PAGES,
        (page, total, ids) => enqueue(ids, { page, total }),
        lookahead,
        options.signal,
      );
      start = addDays(end, 1);
      first = 1;
      savedTotal = null;
      await db.query(
        `update public.tmdb_sync_runs set listing_window_start = $2, listing_page = 0, listing_total_pages = null
         where id = $1`,
        [run.id, start],
      );
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

interface Film {
  id: number;
  pass: number;
  notBefore: number;
}

/**
 * The films a run still has to fetch, fed by the listing as it goes: workers take films as they come, and a film
 * that failed transiently comes back after a delay for another pass. Ends when listing is over and every film is
 * done, or when stopped.
 */
class FilmQueue {
  private ready: Film[] = [];
  private later: Film[] = [];
  private outstanding = 0;
  private listing = true;
  private stopped = false;
  private wakers: (() => void)[] = [];

  constructor(private readonly clock: Clock) {}

  add(ids: number[]) {
    for (const id of ids) this.ready.push({ id, pass: 1, notBefore: 0 });
    this.wake();
  }
  /** No more films will be listed. */
  listed() {
    this.listing = false;
    this.wake();
  }
  stop() {
    this.stopped = true;
    this.wake();
  }
  retryLater(film: Film, delayMs: number) {
    this.later.push({ id: film.id, pass: film.pass + 1, notBefore: this.clock.now() + delayMs });
  }
  done() {
    this.outstanding--;
    this.wake();
  }

  async next(signal?: AbortSignal): Promise<Film | undefined> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.stopped) return undefined;
      const now = this.clock.now();
      const due = this.later.findIndex((f) => f.notBefore <= now);
      const film = this.ready.shift() ?? (due >= 0 ? this.later.splice(due, 1)[0] : undefined);
      if (film) {
        this.outstanding++;
        return film;
      }
      if (!this.listing && this.outstanding === 0 && this.later.length === 0) return undefined;
      const timer = new AbortController();
      const woken = new Promise<void>((resolve) => this.wakers.push(resolve));
      const waits = [woken];
      if (this.later.length > 0) {
        const at = Math.min(...this.later.map((f) => f.notBefore));
        waits.push(this.clock.sleep(at - now, timer.signal).catch(() => {}));
      }
      await Promise.race(waits);
      timer.abort();
    }
  }

  private wake() {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }
}

async function executeRun(
  db: SqlDatabase,
  client: TmdbClient,
  run: RunRow,
  options: SyncOptions,
): Promise<{ status: "succeeded" | "failed"; changesCursor?: string; error?: string }> {
  const progress = options.progress ?? silentProgress;
  const passes = Math.max(1, options.filmPasses ?? 4);
  const retryDelay = options.filmRetryDelayMs ?? 5000;
  try {
    // The genre list is one small request; refreshing it every run keeps renamed genres right. Films carry their
    // genre names, so a genre list that keeps failing is logged, not fatal.
    await db.rpc("tmdb_upsert_genres", { p_genres: JSON.stringify(await client.genres()) });
  } catch (error) {
    if (!(error instanceof TmdbError) || error instanceof TmdbAuthError) throw error;
    options.log?.(`genres not refreshed: ${error.message}`);
  }

  const queue = new FilmQueue(client.clock);
  const before = await countsOf(db, run.id);
  let total = before.pending + before.inserted + before.updated + before.unchanged + before.skipped + before.failed;
  let done = total - before.pending;
  let failedNow = before.failed;
  const pending = await db.query<{ movie_id: number }>(
    "select movie_id from public.tmdb_sync_queue where run_id = $1 and status = 'pending' order by movie_id",
    [run.id],
  );
  queue.add(pending.map((r) => r.movie_id));

  let stopError: unknown;
  const halt = new AbortController();
  const stop = (error: unknown) => {
    stopError ??= error;
    queue.stop();
    halt.abort(error);
  };
  const listingSignal = options.signal ? AbortSignal.any([options.signal, halt.signal]) : halt.signal;
  const listing = run.listing_done
    ? Promise.resolve()
    : listRun(db, client, run, { ...options, signal: listingSignal }, (ids) => {
        total += ids.length;
        queue.add(ids);
      });
  // A listing failure stops the run after the films already listed are fetched: their work is kept.
  let listingNow = !run.listing_done;
  const listed = listing.then(
    () => {
      listingNow = false;
      queue.listed();
    },
    (error) => {
      stopError ??= error;
      listingNow = false;
      queue.listed();
    },
  );

  const worker = async () => {
    for (;;) {
      const film = await queue.next(options.signal);
      if (!film) return;
      try {
        if (client.clock.now() >= client.deadline) throw new BudgetExhausted("time budget used up");
        const result = await client.movie(film.id);
        options.signal?.throwIfAborted();
        if (result.kind === "ok") {
          await db.rpc("tmdb_upsert_movie", { p_run_id: run.id, p_movie: JSON.stringify(result.movie) });
        } else if (result.kind === "not_found") {
          await db.rpc("tmdb_forget_movie", { p_run_id: run.id, p_movie_id: film.id });
        } else if (result.transient && film.pass < passes) {
          options.log?.(`film ${film.id}: ${result.detail}; pass ${film.pass + 1} of ${passes} later`);
          queue.retryLater(film, retryDelay * film.pass);
          continue;
        } else {
          failedNow++;
          options.log?.(`film ${film.id}: ${result.detail}`);
          await db.rpc("tmdb_fail_movie", { p_run_id: run.id, p_movie_id: film.id, p_detail: result.detail });
        }
        done++;
        const note = [listingNow ? "(still listing)" : "", failedNow > 0 ? `(${failedNow} failed)` : ""];
        progress.update(done, total, note.filter(Boolean).join(" "));
      } catch (error) {
        stop(error);
        return;
      } finally {
        queue.done();
      }
    }
  };
  const workers = await Promise.allSettled(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  await listed;
  progress.finish();
  options.signal?.throwIfAborted();
  for (const w of workers) if (w.status === "rejected") stopError ??= w.reason;
  if (stopError) throw stopError;

  const c = await countsOf(db, run.id);
  const fetched = c.inserted + c.updated + c.unchanged + c.skipped + c.failed;
  const tooMany = c.failed > options.maxFailureRate * Math.max(1, fetched);
  const status = tooMany ? "failed" : "succeeded";
  const error = tooMany ? `${c.failed} of ${fetched} films failed (over --max-failure-rate)` : undefined;
  let changesCursor: string | undefined;
  await db.transaction(async (tx) => {
    await tx.query("update public.tmdb_sync_runs set status = $2, finished_at = now(), error = $3 where id = $1", [
      run.id,
      status,
      error ?? null,
    ]);
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
  return { status, changesCursor, error };
}

async function summarize(
  db: SqlDatabase,
  run: RunRow,
  resumed: boolean,
  status: SyncSummary["status"],
  extra: Partial<SyncSummary> & { durationMs: number },
  requests: number,
): Promise<SyncSummary> {
  const c = await countsOf(db, run.id);
  return {
    runId: Number(run.id),
    mode: run.mode,
    resumed,
    status,
    fetched: c.inserted + c.updated + c.unchanged + c.skipped + c.failed,
    inserted: c.inserted,
    updated: c.updated,
    unchanged: c.unchanged,
    skipped: c.skipped,
    failed: c.failed,
    requests,
    ...extra,
  };
}

export function formatSummary(s: SyncSummary): string {
  const seconds = s.durationMs / 1000;
  return (
    `tmdb sync run #${s.runId} (${s.mode}${s.resumed ? ", resumed" : ""}) ${s.status}: fetched ${s.fetched}, ` +
    `inserted ${s.inserted}, updated ${s.updated}, unchanged ${s.unchanged}, skipped ${s.skipped}, failed ${s.failed}, ` +
    `${s.requests} requests in ${seconds.toFixed(1)} s (${(s.fetched / Math.max(seconds, 0.001)).toFixed(1)} films/s)` +
    (s.changesCursor ? `, changes cursor ${s.changesCursor}` : "") +
    (s.error ? `: ${s.error}` : "")
  );
}

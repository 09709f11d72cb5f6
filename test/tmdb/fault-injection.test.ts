/**
 * The TMDB sync against the stand-in's profile: 4,000 synthetic films plus 50 listed ids that answer 404, and 15%
 * of all requests on every path faulted (429 with Retry-After, 500, 504, 15-second stalls, truncated JSON, reset
 * connections). In-process on a virtual clock: minutes of stalls and Retry-After waits, no real sleep.
 */
import { setMaxListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TmdbClient } from "../../functions/lib/tmdb/client";
import { type FakeCatalogue, fakeTmdbFetch, peakPerSecond, syntheticCatalogue } from "../../node/fakes/tmdb-server";
import { type SyncOptions, type SyncSummary, syncTmdb } from "../../node/jobs/tmdb-sync";
import { freshDatabase, type TestDatabase } from "../support/database";
import { VirtualClock } from "../support/virtual-clock";

const FILMS = 4000;
const GONE = Array.from({ length: 50 }, (_, i) => 900_001 + i);
const CAP = 40;

let db: TestDatabase;
const clock = new VirtualClock();
const catalogue: FakeCatalogue = { ...syntheticCatalogue(FILMS), popularExtra: GONE };
let kill: ((path: string) => boolean) | undefined;
let controller = new AbortController();
const tmdb = fakeTmdbFetch(catalogue, {
  faultRate: 0.15,
  seed: 20261202,
  stallMs: 15_000,
  retryAfter: "2",
  clock,
  onRequest: (path) => {
    if (kill?.(path)) controller.abort(new Error("killed"));
  },
});

beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db?.dispose();
});

const OPTIONS: SyncOptions = { concurrency: 24, maxFailureRate: 0.02, today: () => "2026-11-20" };

/** A fresh process for each invocation, as the CLI makes one (the CLI raises the limit the same way). */
function killSwitch() {
  controller = new AbortController();
  setMaxListeners(200, controller.signal);
  return controller.signal;
}

/**
 * One invocation, as `marquee sync tmdb` runs it; a kill (abort) rejects like a dead process. Each starts a
 * second after the last ended: a new process has its own limiter, and starting one (npm, tsx, migrate) takes
 * longer than that.
 */
function invoke(mode: "initial" | "changes", signal?: AbortSignal): Promise<SyncSummary[]> {
  clock.pause(1000);
  const client = new TmdbClient({
    baseUrl: "https://api.themoviedb.org/3",
    token: "test-token",
    requestsPerSecond: CAP,
    retry: { timeoutMs: 10_000 },
    fetch: tmdb.fetch,
    clock,
    signal,
  });
  return syncTmdb(db, client, mode === "initial" ? { mode, limit: 5000 } : { mode }, { ...OPTIONS, signal });
}

/** Exit code by the CLI's rule: 0 when every run of the invocation succeeded. */
const exitCode = (summaries: SyncSummary[]) => (summaries.every((s) => s.status === "succeeded") ? 0 : 1);

/** [film id, complete answers] for every film answered. */
const servedFilms = (): [number, number][] =>
  [...tmdb.served]
    .filter(([path]) => /^\/3\/movie\/\d+$/.test(path))
    .map(([path, n]): [number, number] => [Number(path.slice("/3/movie/".length)), n]);

// Thousands of real database writes: seconds on PGlite, never minutes; the clock itself costs nothing.
describe("sync tmdb at a 15% fault rate on every path", { timeout: 300_000 }, () => {
  it("an initial sync of 4,050 listed ids exits 0, stores each of the 4,000 films once, never exceeds the cap", async () => {
    const summaries = await invoke("initial");
    expect(exitCode(summaries), JSON.stringify(summaries)).toBe(0);
    expect(summaries[0]).toMatchObject({ inserted: FILMS, skipped: GONE.length, failed: 0 });

    const faults = new Map<string, number>();
    for (const r of tmdb.log) if (r.fault) faults.set(r.fault, (faults.get(r.fault) ?? 0) + 1);
    for (const kind of ["429", "500", "504", "stall", "truncated", "reset"]) {
      expect(faults.get(kind) ?? 0, `fault ${kind} served (${JSON.stringify([...faults])})`).toBeGreaterThan(50);
    }
    const faulted = tmdb.log.filter((r) => r.fault).length / tmdb.log.length;
    expect(faulted, "share of requests faulted").toBeGreaterThan(0.13);
    const listFaults = tmdb.log.filter((r) => r.path === "/3/movie/popular" && r.fault).map((r) => r.fault);
    expect(listFaults.length, "list pages are faulted like the rest").toBeGreaterThan(15);
    expect(new Set(listFaults).size, `kinds of fault on list pages: ${listFaults}`).toBeGreaterThanOrEqual(4);

    const [{ n, distinct }] = await db.query<{ n: number; distinct: number }>(
      "select count(*)::int as n, count(distinct id)::int as distinct from public.movies where id <= $1",
      [FILMS],
    );
    expect({ n, distinct }, "every film stored, once").toEqual({ n: FILMS, distinct: FILMS });
    const served = servedFilms().filter(([id]) => id <= FILMS);
    expect(served.length, "every film answered").toBe(FILMS);
    expect(
      served.filter(([, times]) => times !== 1),
      "no film was fetched again after a complete answer",
    ).toEqual([]);
    const peak = peakPerSecond(tmdb.log.map((r) => r.at));
    expect(peak, "requests in the busiest sliding second, as TMDB counts them").toBeLessThanOrEqual(38);
  });

  it("a changes run killed mid-window, then mid-films, resumes twice and applies every change exactly once", async () => {
    // 430 changes over 32 days (three windows, 22 pages): 400 films updated, 10 new films, 20 ids that 404.
    const changed = Array.from({ length: 400 }, (_, i) => 1 + i * 9);
    const fresh = syntheticCatalogue(FILMS + 10).movies.slice(FILMS);
    catalogue.movies.push(...fresh);
    for (const id of changed) {
      const film = catalogue.movies[id - 1];
      film.vote_count = (film.vote_count ?? 0) + 1;
    }
    const days = ["2026-10-21", "2026-10-30", "2026-11-06", "2026-11-12", "2026-11-19"];
    catalogue.changes = [
      ...changed.map((id, i) => ({ id, date: days[i % days.length] })),
      ...fresh.map((m) => ({ id: m.id, date: "2026-11-19" })),
      ...GONE.slice(0, 20).map((id) => ({ id, date: "2026-11-07" })),
    ];
    await db.query(
      "insert into public.tmdb_sync_state (key, value) values ('changes_cursor', '2026-10-20') on conflict (key) do update set value = excluded.value",
    );
    tmdb.served.clear();
    const logStart = tmdb.log.length;

    // Kill 1: at the 9th /movie/changes request (the second window's pages).
    let listed = 0;
    kill = (path) => path === "/3/movie/changes" && ++listed === 9;
    await expect(invoke("changes", killSwitch())).rejects.toThrow("killed");
    const [run] = await db.query<{ listing_page: number; listing_total_pages: number | null; window: string }>(
      "select listing_page, listing_total_pages, listing_window_start::text as window from public.tmdb_sync_runs where status = 'running'",
    );
    expect(run, "killed mid-listing: the run is left running").toBeDefined();
    expect(
      run.window > "2026-10-20" || run.listing_page > 0,
      `killed after some pages were saved: ${JSON.stringify(run)}`,
    ).toBe(true);
    if (run.listing_page > 0) expect(run.listing_total_pages, "the window's page count is saved").toBeGreaterThan(0);

    // Kill 2: at the 150th film request of the resumed run.
    let films = 0;
    kill = (path) => /^\/3\/movie\/\d+$/.test(path) && ++films === 150;
    await expect(invoke("changes", killSwitch())).rejects.toThrow("killed");

    kill = undefined;
    const summaries = await invoke("changes");
    expect(exitCode(summaries), JSON.stringify(summaries)).toBe(0);
    expect(summaries, "the resumed run reached today: no second run").toHaveLength(1);
    expect(summaries[0], JSON.stringify(summaries[0])).toMatchObject({
      resumed: true,
      updated: changed.length,
      inserted: fresh.length,
      skipped: 20,
      failed: 0,
      changesCursor: "2026-11-20",
    });

    const stored = await db.query<{ id: number; vote_count: number }>(
      "select id, vote_count from public.movies where id = any($1::int[]) order by id",
      [[...changed, ...fresh.map((m) => m.id)]],
    );
    expect(stored, "every change applied").toEqual(
      [...changed, ...fresh.map((m) => m.id)].map((id) => ({ id, vote_count: catalogue.movies[id - 1].vote_count })),
    );
    const served = new Map(servedFilms());
    const missing = [...changed, ...fresh.map((m) => m.id)].filter((id) => !served.has(id));
    expect(missing, "no changed film skipped").toEqual([]);
    const twice = [...served].filter(([, n]) => n > 1);
    // Only films whose answer was in flight when a process died may be fetched again.
    expect(twice.length, `fetched again: ${JSON.stringify(twice)}`).toBeLessThanOrEqual(OPTIONS.concurrency * 2);
    expect(
      [...served].filter(([id]) => !changed.includes(id) && !fresh.some((m) => m.id === id)),
      "no unchanged film fetched",
    ).toEqual([]);
    const peak = peakPerSecond(tmdb.log.slice(logStart).map((r) => r.at));
    expect(peak, "busiest sliding second across the three invocations").toBeLessThanOrEqual(38);
  });
});

/**
 * What an invocation does with runs that did not finish: a rejected token, a list page that keeps failing, the
 * time budget, and unfinished runs of another mode. In-process fake TMDB on a virtual clock.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TmdbClient } from "../../functions/lib/tmdb/client";
import { type FakeTmdbOptions, fakeTmdbFetch } from "../../node/fakes/tmdb-server";
import { type SyncOptions, type SyncSummary, syncTmdb } from "../../node/jobs/tmdb-sync";
import { freshDatabase, type TestDatabase } from "../support/database";
import { VirtualClock } from "../support/virtual-clock";
import { catalogue, ID } from "./fixtures";

let db: TestDatabase;
beforeEach(async () => {
  db = await freshDatabase();
});
afterEach(async () => {
  await db?.dispose();
});

function setup(options: FakeTmdbOptions = {}) {
  const clock = new VirtualClock();
  const tmdb = fakeTmdbFetch(catalogue(), { clock, ...options });
  const client = (token = "test-token", deadline?: number) =>
    new TmdbClient({
      baseUrl: "https://api.themoviedb.org/3",
      token,
      requestsPerSecond: 40,
      fetch: tmdb.fetch,
      clock,
      deadline,
    });
  return { clock, tmdb, client };
}

const printed: SyncSummary[] = [];
const OPTIONS: SyncOptions = {
  concurrency: 3,
  maxFailureRate: 0.02,
  today: () => "2026-11-20",
  onSummary: (s) => printed.push(s),
};
beforeEach(() => {
  printed.length = 0;
});

const runs = () =>
  db.query<{ id: number; mode: string; status: string; error: string | null }>(
    "select id::int, mode, status, error from public.tmdb_sync_runs order by id",
  );

describe("unfinished TMDB sync runs", () => {
  it("a run rejected with HTTP 401 before any progress is closed as failed, and the next one starts afresh", async () => {
    const { client } = setup();
    const [bad] = await syncTmdb(db, client("wrong-token"), { mode: "initial", limit: 100 }, OPTIONS);
    expect(bad, JSON.stringify(bad)).toMatchObject({ status: "failed", resumed: false });
    expect(bad.error).toMatch(/HTTP 401.*no progress/);
    expect(await runs()).toMatchObject([{ mode: "initial", status: "failed" }]);

    const next = await syncTmdb(db, client(), { mode: "changes", since: "2026-11-19" }, OPTIONS);
    expect(next, "no attempt to resume the closed run").toMatchObject([{ mode: "changes", resumed: false }]);
    const again = await syncTmdb(db, client(), { mode: "initial", limit: 100 }, OPTIONS);
    expect(again, "a fresh initial run").toMatchObject([{ resumed: false, status: "succeeded", inserted: 6 }]);
  });

  it("a list page that keeps failing stops the run resumable at that page; the next invocation resumes it", async () => {
    const c = catalogue({
      changes: Array.from({ length: 6 }, (_, i) => ({
        id: [ID.matrix, ID.inception, ID.heat, ID.gravity, ID.arrival, ID.amelie][i],
        date: "2026-11-19",
      })),
    });
    const clock = new VirtualClock();
    const tmdb = fakeTmdbFetch(c, {
      clock,
      pageSize: 2,
    });
    // Page 2 of the window answers 500 nine times: more than a list page's retries.
    let failing = 9;
    const flaky: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      if (url.pathname === "/3/movie/changes" && url.searchParams.get("page") === "2" && failing-- > 0) {
        return new Response("{}", { status: 500 });
      }
      return tmdb.fetch(input, init);
    };
    const client = () =>
      new TmdbClient({
        baseUrl: "https://api.themoviedb.org/3",
        token: "test-token",
        requestsPerSecond: 40,
        fetch: flaky,
        clock,
      });
    const first = await syncTmdb(db, client(), { mode: "changes", since: "2026-11-15" }, OPTIONS);
    expect(first, JSON.stringify(first)).toMatchObject([{ status: "incomplete", resumed: false }]);
    expect(first[0].error).toMatch(/HTTP 500.*run again to resume/);
    expect(first[0].inserted, "films of the page already listed were fetched meanwhile").toBe(2);
    expect(printed, "the summary was handed out as the run ended").toEqual(first);
    const [run] = await db.query<{ listing_page: number; listing_total_pages: number; status: string }>(
      "select listing_page, listing_total_pages, status from public.tmdb_sync_runs",
    );
    expect(run).toEqual({ listing_page: 1, listing_total_pages: 3, status: "running" });
    const cursor = await db.query("select value from public.tmdb_sync_state where key = 'changes_cursor'");
    expect(cursor, "the change cursor did not move").toEqual([]);

    const logBefore = tmdb.log.length;
    const second = await syncTmdb(db, client(), { mode: "changes" }, OPTIONS);
    expect(second, JSON.stringify(second)).toMatchObject([
      { resumed: true, status: "succeeded", inserted: 6, changesCursor: "2026-11-20" },
    ]);
    const pages = tmdb.log.slice(logBefore).filter((r) => r.path === "/3/movie/changes").length;
    expect(pages, "pages 2 and 3 only: page 1 is not listed again").toBe(2);
    expect(tmdb.served.get("/3/movie/603"), "no film fetched twice").toBe(1);
  });

  it("the time budget stops a run resumable; the next invocation finishes it", async () => {
    const { clock, client } = setup({ faults: { "/3/movie/949": ["429"] }, retryAfter: "30" });
    const first = await syncTmdb(db, client("test-token", clock.now() + 20_000), { mode: "initial" }, OPTIONS);
    expect(first, JSON.stringify(first)).toMatchObject([{ status: "incomplete" }]);
    expect(first[0].error).toMatch(/time budget/);
    expect(clock.now(), "no wait began past the budget").toBeLessThan(20_000 + 1000);
    const second = await syncTmdb(db, client(), { mode: "initial" }, OPTIONS);
    expect(second, JSON.stringify(second)).toMatchObject([{ resumed: true, status: "succeeded", failed: 0 }]);
    expect(second[0].inserted + second[0].unchanged).toBe(6);
  });

  it("keeps one unfinished run per mode and leaves other modes' unfinished runs alone", async () => {
    const { client } = setup({ faults: { "/3/movie/popular": Array(9).fill("500") } });
    const [stuck] = await syncTmdb(db, client(), { mode: "initial" }, OPTIONS);
    expect(stuck.status).toBe("incomplete");
    const logged: string[] = [];
    const ids = await syncTmdb(
      db,
      client(),
      { mode: "ids", ids: [ID.matrix] },
      { ...OPTIONS, log: (l) => logged.push(l) },
    );
    expect(ids).toMatchObject([{ mode: "ids", resumed: false, status: "succeeded", inserted: 1 }]);
    expect(logged.join("\n")).toMatch(/run #\d+ \(initial\) is unfinished; it is left for the next --mode initial/);
    expect((await runs()).map((r) => [r.mode, r.status])).toEqual([
      ["initial", "running"],
      ["ids", "succeeded"],
    ]);
    const resumed = await syncTmdb(db, client(), { mode: "initial" }, OPTIONS);
    expect(resumed, "the initial run resumes, and no second initial run starts").toMatchObject([
      { resumed: true, status: "succeeded", inserted: 5, unchanged: 1 },
    ]);
  });
});

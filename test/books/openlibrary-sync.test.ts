/**
 * `marquee sync books` against the Open Library stand-in, in process on a virtual clock: the happy path and what
 * it writes (ISBNs checked, languages mapped, a demo row matched instead of duplicated, a merged work followed),
 * faults on every path (429 with Retry-After, 5xx, stalls, timeouts, truncated and HTML bodies, resets) retried,
 * the rate cap held in every sliding second, a run killed midway resumed with nothing lost or fetched twice, the
 * time budget stopping a run resumable, and the backfill embedding the new books.
 */
import { setMaxListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalEmbedder } from "../../functions/lib/embed/local";
import { OpenLibraryClient } from "../../functions/lib/openlibrary/client";
import {
  type FakeOpenLibraryOptions,
  type FakeWork,
  fakeOpenLibraryFetch,
  syntheticWorks,
} from "../../node/fakes/openlibrary-server";
import { peakPerSecond } from "../../node/fakes/tmdb-server";
import { backfillEmbeddings } from "../../node/jobs/backfill-embeddings";
import { type BookSyncParams, type BookSyncSummary, syncBooks } from "../../node/jobs/openlibrary-sync";
import { BOOKS, loadBookShelf } from "../support/book-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { VirtualClock } from "../support/virtual-clock";

const DUNE: FakeWork = {
  id: "OL893415W",
  title: "Dune",
  authors: ["Frank Herbert"],
  firstPublishYear: 1965,
  subjects: ["Science fiction", "Desert planets", "Fantasy"],
  languages: ["eng"],
  ratingsAverage: 4.3,
  ratingsCount: 1200,
  goodreads: ["234225"],
  coverId: 11481354,
  // One valid ISBN-13 and one whose check digit is wrong (Open Library holds some): only the first is kept.
  isbn13: ["9780340839935", "9780340839936"],
  isbn10: ["0340839937"],
};
const NEW_BOOK: FakeWork = {
  id: "OL27448W",
  title: "The Left Hand of Darkness",
  authors: ["Ursula K. Le Guin"],
  firstPublishYear: 1969,
  subjects: ["Science fiction", "Fantasy"],
  languages: ["eng"],
  ratingsAverage: 4.1,
  ratingsCount: 800,
  isbn13: ["9780441478125"],
};
const FRENCH: FakeWork = {
  id: "OL15231W",
  title: "Le Petit Prince",
  authors: ["Antoine de Saint-Exupéry"],
  firstPublishYear: 1943,
  subjects: ["Fantasy", "Children's stories"],
  languages: ["fre"],
  ratingsCount: 500,
};
const MERGED: FakeWork = {
  id: "OL999W",
  title: "Dune (old record)",
  authors: ["Frank Herbert"],
  redirectTo: DUNE.id,
  stillListed: true,
};

let db: TestDatabase;
let clock: VirtualClock;

beforeAll(async () => {
  db = await freshDatabase();
  await loadBookShelf(db);
});
afterAll(async () => {
  await db?.dispose();
});

function invoke(
  works: FakeWork[],
  params: BookSyncParams,
  fake: FakeOpenLibraryOptions = {},
  extra: { deadline?: number; signal?: AbortSignal; rps?: number } = {},
) {
  const ol = fakeOpenLibraryFetch(works, { clock, ...fake });
  const client = new OpenLibraryClient({
    baseUrl: "https://openlibrary.org",
    requestsPerSecond: extra.rps ?? 3,
    userAgent: "Marquee/test (tests@marquee.dev)",
    retry: { timeoutMs: 10_000 },
    fetch: ol.fetch,
    clock,
    deadline: extra.deadline,
    signal: extra.signal,
  });
  return { ol, run: () => syncBooks(db, client, params, { concurrency: 4, pageSize: 2, signal: extra.signal }) };
}

async function book(olId: string) {
  const [row] = await db.query<Record<string, unknown>>(
    `select id, title, authors, first_published_year, language, isbn13, isbn10, goodreads_book_id, subjects,
       rating_count, cover_url, ol_work_id from public.books where ol_work_id = $1`,
    [olId],
  );
  return row;
}

describe("sync books", () => {
  it("lists, fetches and writes works; matches the demo's Dune instead of duplicating it", async () => {
    clock = new VirtualClock();
    const { ol, run } = invoke([DUNE, NEW_BOOK, FRENCH, MERGED], {
      queries: ["subject:fantasy", `key:/works/${MERGED.id}`],
      limitPerQuery: 10,
    });
    const [summary] = await run();
    expect(summary, JSON.stringify(summary)).toMatchObject({ status: "succeeded", failed: 0, skipped: 0 });
    expect(summary?.inserted).toBe(2);
    // Dune, and the merged record that leads to it: both wrote the one Dune row.
    expect(summary?.updated).toBe(2);
    const [merged] = await db.query<{ detail: string }>(
      "select detail from public.book_sync_queue where ol_work_id = $1",
      [MERGED.id],
    );
    expect(merged?.detail).toBe(`merged into ${DUNE.id}`);
    const dune = await book(DUNE.id);
    expect(dune, "the demo row (goodreads id 234225) took the work id").toMatchObject({
      id: BOOKS.dune.id,
      isbn13: ["9780340839935"],
      isbn10: ["0340839937"],
      subjects: ["Desert planets", "Fantasy", "Science fiction"],
      rating_count: BOOKS.dune.count,
      cover_url: "https://covers.openlibrary.org/b/id/11481354-L.jpg",
    });
    const [{ n }] = await db.query<{ n: number }>("select count(*)::int as n from public.books where title = 'Dune'");
    expect(n).toBe(1);
    expect(await book(FRENCH.id)).toMatchObject({ language: "fr", first_published_year: 1943 });
    expect(await book(NEW_BOOK.id)).toMatchObject({ authors: ["Ursula K. Le Guin"], rating_count: 800 });
    expect(ol.hits.get("/works/OL999W.json"), "the merged work is read once, then followed").toBe(1);
    expect(ol.hits.get("/works/OL893415W.json"), "listed once, reached once more by the redirect").toBe(2);
  });

  it("changes nothing when run again, and embeds only the books that are new or changed", async () => {
    clock = new VirtualClock();
    const [summary] = await invoke([DUNE, NEW_BOOK, FRENCH], { queries: ["subject:fantasy"], limitPerQuery: 10 }).run();
    expect(summary).toMatchObject({ status: "succeeded", inserted: 0, updated: 0, unchanged: 3 });
    const first = await backfillEmbeddings(db, new LocalEmbedder(), { kind: "book" });
    expect(first.embedded).toBe(Object.keys(BOOKS).length + 2);
    expect((await backfillEmbeddings(db, new LocalEmbedder(), { kind: "book" })).embedded).toBe(0);
  });

  it("retries every kind of fault on every path, keeps under the rate cap, and loses no work", async () => {
    clock = new VirtualClock();
    const works = syntheticWorks(120);
    const { ol, run } = invoke(
      works,
      { queries: ["subject:fantasy", "subject:mystery", "subject:history"], limitPerQuery: 30 },
      { faultRate: 0.2, seed: 16, retryAfter: "3", stallMs: 15_000 },
      { rps: 3 },
    );
    const [summary] = await run();
    expect(summary, JSON.stringify(summary)).toMatchObject({ status: "succeeded", listed: 72, failed: 0 });
    const faults = new Set(ol.log.flatMap((r) => (r.fault ? [r.fault] : [])));
    expect([...faults].sort()).toEqual(["429", "500", "503", "html", "reset", "stall", "truncated"]);
    expect(peakPerSecond(ol.log.map((r) => r.at)), "requests in any sliding second").toBeLessThanOrEqual(3);
    const [{ n }] = await db.query<{ n: number }>(
      "select count(*)::int as n from public.books where title like 'Synthetic Book %'",
    );
    expect(n).toBe(72);
  });

  it("resumes a run killed midway from its cursor: nothing skipped, nothing fetched twice", async () => {
    clock = new VirtualClock();
    const works = syntheticWorks(200).slice(120);
    const params = { queries: ["subject:romance", "subject:science fiction"], limitPerQuery: 16 };
    let controller = new AbortController();
    setMaxListeners(100, controller.signal);
    let workRequests = 0;
    const killed = invoke(
      works,
      params,
      {
        onRequest: (path) => {
          if (path.endsWith("W.json") && ++workRequests === 10) controller.abort(new Error("killed"));
        },
      },
      { signal: controller.signal },
    );
    await expect(killed.run()).rejects.toThrow("killed");
    const [cursor] = await db.query<{ status: string; listing_done: boolean }>(
      "select status, listing_done from public.book_sync_runs order by id desc limit 1",
    );
    expect(cursor?.status).toBe("running");
    controller = new AbortController();
    const resumed = invoke(works, params, {}, { signal: controller.signal });
    const summaries: BookSyncSummary[] = await resumed.run();
    expect(summaries.map((s) => [s.resumed, s.status])).toEqual([[true, "succeeded"]]);
    expect(summaries[0]?.listed).toBe(32);
    const fetchedAgain = [...resumed.ol.hits.entries()].filter(([p, n]) => p.endsWith("W.json") && n > 1);
    expect(fetchedAgain).toEqual([]);
    const [{ n }] = await db.query<{ n: number }>(
      `select count(*)::int as n from public.book_sync_queue q join public.book_sync_runs r on r.id = q.run_id
       where r.id = (select max(id) from public.book_sync_runs) and q.status in ('inserted', 'updated', 'unchanged')`,
    );
    expect(n).toBe(32);
  });

  it("stops at the time budget as incomplete with its cursor saved, and the next invocation finishes", async () => {
    clock = new VirtualClock();
    const works = syntheticWorks(260).slice(200);
    const params = { queries: ["subject:fantasy"], limitPerQuery: 12 };
    const [stopped] = await invoke(works, params, {}, { deadline: 2500 }).run();
    expect(stopped?.status).toBe("incomplete");
    expect(stopped?.error).toMatch(/time budget.*run again to resume/);
    const [done] = await invoke(works, params).run();
    expect(done).toMatchObject({ resumed: true, status: "succeeded", listed: 12, failed: 0 });
  });

  it("records a work that keeps failing and retries it in the next run", async () => {
    clock = new VirtualClock();
    const works = syntheticWorks(270).slice(260);
    const broken = works[0] as FakeWork;
    const path = `/works/${broken.id}.json`;
    const params = { queries: [`subject:${broken.subjects?.[0]}`], limitPerQuery: 10 };
    const [first] = await invoke(works, params, { faults: { [path]: Array(5).fill("500") } }).run();
    expect(first).toMatchObject({ status: "succeeded", failed: 1 });
    const [second] = await invoke(works, { queries: ["subject:science fiction"], limitPerQuery: 1 }).run();
    expect(second?.failed).toBe(0);
    expect(await book(broken.id), "retried by the next run").toMatchObject({ title: broken.title });
  });
});

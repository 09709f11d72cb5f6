/**
 * The background resolution of unmatched imported films, against the fake TMDB over HTTP: TMDB search with the
 * year, the sync's own fetch, then the kept signals applied; what TMDB does not know stays unmatched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importLetterboxdExport } from "../../functions/lib/letterboxd/import";
import { TmdbClient } from "../../functions/lib/tmdb/client";
import { type FakeTmdb, startFakeTmdb } from "../../node/fakes/tmdb-server";
import { resolveLetterboxdFilms } from "../../node/jobs/letterboxd-resolve";
import { createTestUser } from "../support/auth";
import { loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { catalogue, ID } from "../tmdb/fixtures";

let db: TestDatabase;
let tmdb: FakeTmdb;

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  tmdb = await startFakeTmdb(catalogue());
});
afterAll(async () => {
  await tmdb?.close();
  await db?.dispose();
});

const encode = (t: string) => new TextEncoder().encode(t);

describe("resolving unmatched imported films through TMDB", () => {
  it("adds the films TMDB finds, applies their signals, and leaves the rest unmatched", async () => {
    const user = await createTestUser(db);
    const limits = { maxRows: 100, maxEntryBytes: 1_000_000 };
    const report = await importLetterboxdExport(db, {
      userId: user.id,
      files: [
        {
          path: "ratings.csv",
          bytes: encode(
            "Date,Name,Year,Letterboxd URI,Rating\n2020-01-01,Heat,1995,https://boxd.it/h,4\n2020-01-02,The Matrix,1999,https://boxd.it/m,5",
          ),
        },
        // Letterboxd dates Inception a year off here, so the ±1 year search finds it.
        {
          path: "watchlist.csv",
          bytes: encode(
            "Date,Name,Year,Letterboxd URI\n2020-02-01,Inception,2011,https://boxd.it/i\n2020-02-02,Nowhere Film,1950,https://boxd.it/n",
          ),
        },
      ],
      limits,
    });
    expect([report.matched, report.unmatched]).toEqual([1, 3]);

    const client = new TmdbClient({
      baseUrl: tmdb.url,
      token: "test-token",
      requestsPerSecond: 40,
      retry: { timeoutMs: 1500, baseDelayMs: 10, maxDelayMs: 50 },
    });
    const summary = await resolveLetterboxdFilms(db, client, { sync: { concurrency: 2, maxFailureRate: 0.5 } });
    expect(summary, JSON.stringify(summary)).toMatchObject({ pending: 3, found: 2, fetched: 2, resolved: 2 });

    const [after] = await db.query<{ matched: number; added: number; unmatched: number }>(
      "select matched, added, unmatched from public.get_letterboxd_import($1, $2)",
      [user.id, report.id],
    );
    expect(after).toEqual({ matched: 1, added: 2, unmatched: 1 });
    const ratings = await db.query<{ movie_id: number; rating: string }>(
      "select movie_id, rating::text from public.ratings where user_id = $1 order by movie_id",
      [user.id],
    );
    expect(ratings).toEqual([
      { movie_id: 603, rating: "5.0" },
      { movie_id: ID.heat, rating: "4.0" },
    ]);
    const watchlist = await db.query<{ movie_id: number }>(
      "select movie_id from public.interactions where user_id = $1 and type = 'watchlist'",
      [user.id],
    );
    expect(watchlist).toEqual([{ movie_id: ID.inception }]);

    const again = await resolveLetterboxdFilms(db, client, { sync: { concurrency: 2, maxFailureRate: 0.5 } });
    expect(again, "only the unknown film is still pending").toMatchObject({ pending: 1, found: 0, resolved: 0 });
  });
});

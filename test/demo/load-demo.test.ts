import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlDatabase } from "../../functions/lib/db/port";
import { migrate } from "../../node/db/migrate";
import { openPglite } from "../../node/db/pglite";
import { addDemoBooks, loadDemoData } from "../../node/demo/load-demo";

let db: SqlDatabase;

beforeAll(async () => {
  db = await openPglite();
  await migrate(db);
}, 60_000);

afterAll(async () => {
  await db?.close();
});

async function counts() {
  const [row] = await db.query<{
    movies: number;
    users: number;
    ratings: number;
    genres: number;
    books: number;
    bookRatings: number;
  }>(
    `select (select count(*) from public.movies)::int as movies, (select count(*) from public.users)::int as users,
       (select count(*) from public.ratings)::int as ratings, (select count(*) from public.genres)::int as genres,
       (select count(*) from public.books)::int as books,
       (select count(*) from public.book_ratings)::int as "bookRatings"`,
  );
  return row;
}

describe("loadDemoData", () => {
  it("fills an empty database, then leaves a filled one alone", async () => {
    const started = performance.now();
    const first = await loadDemoData(db);
    const loadMs = Math.round(performance.now() - started);
    expect(first.loaded, `load took ${loadMs} ms`).toBe(true);
    expect(first.movies).toBeGreaterThanOrEqual(1000);
    expect(first.users).toBeGreaterThanOrEqual(300);
    expect(first.ratings).toBeGreaterThanOrEqual(30_000);
    expect(first.books).toBe(2000);
    expect(first.bookRatings).toBeGreaterThanOrEqual(5000);
    const { loaded, ...loadedCounts } = first;
    expect(await counts()).toEqual(loadedCounts);

    const second = await loadDemoData(db);
    expect(second.loaded).toBe(false);
    expect(await counts()).toEqual(loadedCounts);
  }, 60_000);

  it("stores films with their array columns and year intact, and no overview", async () => {
    const [inception] = await db.query<Record<string, unknown>>(
      `select title, original_title, release_date::text as release_date, release_year, runtime, original_language,
         genres, cast_names, director, overview, cardinality(keywords) as keyword_count
       from public.movies where id = 27205`,
    );
    expect(inception).toEqual({
      title: "Inception",
      original_title: "Inception",
      release_date: "2010-07-14",
      release_year: 2010,
      runtime: 148,
      original_language: "en",
      genres: ["Action", "Thriller", "Science Fiction", "Mystery", "Adventure"],
      cast_names: [
        "Leonardo DiCaprio",
        "Joseph Gordon-Levitt",
        "Ellen Page",
        "Tom Hardy",
        "Ken Watanabe",
        "Cillian Murphy",
      ],
      director: "Christopher Nolan",
      overview: null,
      keyword_count: 8,
    });
  });

  it("stores every film's genres as names from the genres table", async () => {
    const [row] = await db.query<{ unknown: number }>(
      `select count(*)::int as unknown from public.movies m, unnest(m.genres) as g(name)
       where not exists (select 1 from public.genres where name = g.name)`,
    );
    expect(row?.unknown).toBe(0);
  });

  it("dates ratings as never edited and after their user joined", async () => {
    const [row] = await db.query<{ edited: number; early: number }>(
      `select count(*) filter (where r.updated_at <> r.created_at)::int as edited,
         count(*) filter (where r.created_at < u.created_at)::int as early
       from public.ratings r join public.users u on u.id = r.user_id`,
    );
    expect(row).toEqual({ edited: 0, early: 0 });
  });

  it("loads books as facts with sound ISBNs, and readers whose book tastes follow their film tastes", async () => {
    const [dune] = await db.query<Record<string, unknown>>(
      `select title, authors, first_published_year, language, isbn10, isbn13, series_name, series_position, subjects
       from public.books where id = 126`,
    );
    expect(dune).toEqual({
      title: "Dune",
      authors: ["Frank Herbert"],
      first_published_year: 1965,
      language: "en",
      isbn10: ["0340839937"],
      isbn13: ["9780340839935"],
      series_name: "Dune Chronicles",
      series_position: "1",
      subjects: [],
    });
    // Fans of science-fiction and fantasy films (4+ stars on several) love speculative books more than the others
    // do: the cross-catalogue signal the book recommendations read is in the data.
    const [row] = await db.query<{ fans: number; others: number }>(
      `with sf_fans as (
         select r.user_id from public.ratings r join public.movies m on m.id = r.movie_id
         where r.rating >= 4 and m.genres && array['Science Fiction', 'Fantasy'] group by r.user_id having count(*) >= 8
       ),
       spec as (select id from public.books where authors && array['Frank Herbert', 'J.R.R. Tolkien', 'Isaac Asimov',
                  'George R.R. Martin', 'Brandon Sanderson', 'Terry Pratchett', 'Neil Gaiman', 'Douglas Adams'])
       select avg(case when f.user_id is not null then b.rating end)::float as fans,
              avg(case when f.user_id is null then b.rating end)::float as others
       from public.book_ratings b left join sf_fans f on f.user_id = b.user_id
       where b.book_id in (select id from spec)`,
    );
    expect(row?.fans, JSON.stringify(row)).toBeGreaterThan((row?.others ?? 0) + 0.3);
    const [demo] = await db.query<{ n: number }>(
      `select count(*)::int as n from public.book_ratings r join public.users u on u.id = r.user_id
       where u.email = 'demo@marquee.dev'`,
    );
    expect(demo?.n).toBe(12);
  });
});

describe("addDemoBooks", () => {
  it("gives a demo database from before books the same books and readers a fresh demo has, once", async () => {
    const [fresh] = await db.query<{ books: number; ratings: number }>(
      "select (select count(*) from public.books)::int as books, (select count(*) from public.book_ratings)::int as ratings",
    );
    expect(await addDemoBooks(db), "books present: nothing to do").toEqual({ books: 0, bookRatings: 0 });

    const old = await openPglite();
    try {
      await migrate(old);
      expect((await loadDemoData(old, { bookFixtureFile: null })).books, "a demo from before books").toBe(0);
      const added = await addDemoBooks(old);
      expect(added).toEqual({ books: fresh.books, bookRatings: fresh.ratings });
      const [demo] = await old.query<{ n: number }>(
        `select count(*)::int as n from public.book_ratings r join public.users u on u.id = r.user_id
         where u.email = 'demo@marquee.dev'`,
      );
      expect(demo.n, "the demo login reads too").toBeGreaterThan(0);
      expect(await addDemoBooks(old), "a second start adds nothing").toEqual({ books: 0, bookRatings: 0 });
    } finally {
      await old.close();
    }
  }, 120_000);
});

/**
 * A tiny named bookshelf whose right answers are obvious: two books of one series, two by one author, a classic, a
 * French novel (accents, language filter) and an obscure book with three perfect ratings. Readers are added by the
 * tests that need them (loadReaders), so each test file says who loved what.
 */
import type { SqlExecutor } from "../../functions/lib/db/port";

export const BOOKS = {
  dune: {
    id: 126,
    title: "Dune",
    authors: ["Frank Herbert"],
    year: 1965,
    lang: "en",
    series: ["Dune Chronicles", "1"],
    avg: 4.19,
    count: 525_976,
    isbn10: "0340839937",
    isbn13: "9780340839935",
    goodreads: 234225,
  },
  messiah: {
    id: 731,
    title: "Dune Messiah",
    authors: ["Frank Herbert"],
    year: 1969,
    lang: "en",
    series: ["Dune Chronicles", "2"],
    avg: 3.86,
    count: 110_000,
  },
  hobbit: {
    id: 7,
    title: "The Hobbit",
    authors: ["J.R.R. Tolkien"],
    year: 1937,
    lang: "en",
    avg: 4.25,
    count: 2_196_809,
  },
  fellowship: {
    id: 18,
    title: "The Fellowship of the Ring",
    authors: ["J.R.R. Tolkien"],
    year: 1954,
    lang: "en",
    series: ["The Lord of the Rings", "1"],
    avg: 4.34,
    count: 1_766_803,
  },
  gatsby: {
    id: 5,
    title: "The Great Gatsby",
    authors: ["F. Scott Fitzgerald"],
    year: 1925,
    lang: "en",
    avg: 3.89,
    count: 2_773_745,
  },
  etranger: {
    id: 9001,
    title: "L'Étranger",
    authors: ["Albert Camus"],
    year: 1942,
    lang: "fr",
    avg: 3.97,
    count: 500_000,
    subjects: ["Philosophy", "Existentialism"],
  },
  obscure: {
    id: 9002,
    title: "Tiny Perfect Book",
    authors: ["Nobody Known"],
    year: null,
    lang: "en",
    avg: 5,
    count: 3,
  },
} as const;

type Book = (typeof BOOKS)[keyof typeof BOOKS];

export async function loadBookShelf(db: SqlExecutor): Promise<void> {
  for (const b of Object.values(BOOKS) as Book[]) {
    await db.query(
      `insert into public.books (id, title, authors, first_published_year, language, series_name, series_position,
         average_rating, rating_count, isbn10, isbn13, goodreads_book_id, subjects)
       overriding system value
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        b.id,
        b.title,
        b.authors,
        b.year,
        b.lang,
        "series" in b ? b.series[0] : null,
        "series" in b ? b.series[1] : null,
        b.avg,
        b.count,
        "isbn10" in b ? [b.isbn10] : [],
        "isbn13" in b ? [b.isbn13] : [],
        "goodreads" in b ? b.goodreads : null,
        "subjects" in b ? b.subjects : [],
      ],
    );
  }
}

/** Inserts users (directly, no credentials) who rated the given films and books; returns their ids. */
export async function loadReaders(
  db: SqlExecutor,
  readers: { films?: [number, number][]; books?: [number, number][] }[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const [k, r] of readers.entries()) {
    const [row] = await db.query<{ id: string }>(
      `insert into public.users (email, display_name) values ($1, $2) returning id`,
      [`reader-${k}-${Math.random().toString(36).slice(2, 8)}@test.marquee.dev`, `Reader ${k}`],
    );
    ids.push(row.id);
    for (const [movieId, rating] of r.films ?? []) {
      await db.query("insert into public.ratings (user_id, movie_id, rating) values ($1, $2, $3)", [
        row.id,
        movieId,
        rating,
      ]);
    }
    for (const [bookId, rating] of r.books ?? []) {
      await db.query("insert into public.book_ratings (user_id, book_id, rating) values ($1, $2, $3)", [
        row.id,
        bookId,
        rating,
      ]);
    }
  }
  return ids;
}

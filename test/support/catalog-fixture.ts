/**
 * A tiny named catalogue whose right answers are obvious: five films with distinct popularity, ratings, dates,
 * languages and genres, plus one adult film that must never appear.
 */
import type { SqlExecutor } from "../../functions/lib/db/port";

export const GENRES = [
  [28, "Action"],
  [18, "Drama"],
  [878, "Science Fiction"],
  [35, "Comedy"],
] as const;

export const FILMS = {
  matrix: {
    id: 603,
    title: "The Matrix",
    date: "1999-03-30",
    lang: "en",
    genres: ["Action", "Science Fiction"],
    popularity: 90,
    votes: 20000,
    avg: 8.2,
  },
  amelie: {
    id: 194,
    title: "Amélie",
    original: "Le Fabuleux Destin d'Amélie Poulain",
    date: "2001-04-25",
    lang: "fr",
    genres: ["Comedy"],
    popularity: 40,
    votes: 9000,
    avg: 7.9,
  },
  obscure: {
    id: 9001,
    title: "Tiny Perfect Film",
    date: "2015-06-01",
    lang: "en",
    genres: ["Drama"],
    popularity: 1,
    votes: 3,
    avg: 10,
  },
  undated: {
    id: 9002,
    title: "Undated_Drama 100%",
    date: null,
    lang: "en",
    genres: ["Drama"],
    popularity: 5,
    votes: 100,
    avg: 6,
  },
  arrival: {
    id: 329865,
    title: "Arrival",
    date: "2016-11-10",
    lang: "en",
    genres: ["Drama", "Science Fiction"],
    popularity: 60,
    votes: 15000,
    avg: 7.6,
  },
} as const;

export const ADULT = { id: 9999, title: "Adult Only Film" };

export async function loadCatalogFixture(db: SqlExecutor): Promise<void> {
  for (const [id, name] of GENRES) {
    await db.query("insert into public.genres (id, name) values ($1, $2)", [id, name]);
  }
  for (const f of Object.values(FILMS)) {
    await db.query(
      `insert into public.movies (id, title, original_title, release_date, release_year, original_language, genres,
         popularity, vote_count, vote_average, keywords, cast_names, director)
       values ($1, $2, $3, $4::date, extract(year from $4::date), $5, $6, $7, $8, $9, '{}', '{}', null)`,
      [f.id, f.title, "original" in f ? f.original : f.title, f.date, f.lang, f.genres, f.popularity, f.votes, f.avg],
    );
  }
  await db.query(
    "insert into public.movies (id, title, adult, popularity, genres) values ($1, $2, true, 1000, '{Drama}')",
    [ADULT.id, ADULT.title],
  );
}

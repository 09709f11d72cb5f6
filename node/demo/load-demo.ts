/**
 * Loads the demo catalogue (node/demo/data/films.json) and synthetic users and ratings (taste-model.ts) into
 * an empty database, so that `npm start` on a fresh PGlite has something to browse and recommend from.
 *
 * Only an empty catalogue is filled: a database that already has films belongs to someone, and demo users mixed
 * into real data would pollute its recommendations. Everything goes in one transaction, so a failed load leaves
 * the database empty and the next start tries again.
 */
import { readFile } from "node:fs/promises";
import { hashPassword } from "../../functions/lib/auth/password";
import type { SqlDatabase, SqlExecutor } from "../../functions/lib/db/port";
import type { BookFixture } from "./build-book-fixture";
import type { FilmFixture, FilmRow } from "./build-fixture";
import { type DemoBookRating, generateReaderRatings, type ReaderBook } from "./reader-model";
import { type DemoRating, type DemoUser, generateDemoRatings, type TasteFilm } from "./taste-model";

export interface LoadDemoOptions {
  /** Path of the fixture; defaults to the committed data/films.json beside this module. */
  fixtureFile?: string | URL;
  /** Path of the book fixture (CC BY-SA, data/books.json by default); null loads no books. */
  bookFixtureFile?: string | URL | null;
  users?: number;
  seed?: number;
  /** The newest rating's instant; defaults to the moment of loading, so trending windows hold ratings at once. */
  referenceDate?: Date | string;
}

export interface LoadDemoResult {
  loaded: boolean;
  movies: number;
  users: number;
  ratings: number;
  genres: number;
  books: number;
  bookRatings: number;
}

/** A fixture film as an object, with the column names the rest of the code uses. */
export interface DemoFilm extends TasteFilm {
  title: string;
  originalTitle: string | null;
  releaseDate: string;
  runtime: number | null;
  originalLanguage: string | null;
  keywords: string[];
  cast: string[];
  director: string | null;
  popularity: number;
}

const CHUNK = 5000;

/**
 * A documented demo login, so a newcomer can try the personalised endpoints: the first synthetic user (the
 * science-fiction and fantasy fan of taste-model.ts's DEMO_PERSONA, 36 ratings) gets this email and password. Demo data only; never load demo data into a database that matters.
 */
export const DEMO_LOGIN = { email: "demo@marquee.dev", password: "marquee-demo" } as const;

export const DEFAULT_FIXTURE = new URL("./data/films.json", import.meta.url);

export const DEFAULT_BOOK_FIXTURE = new URL("./data/books.json", import.meta.url);

export async function readBookFixture(file: string | URL = DEFAULT_BOOK_FIXTURE): Promise<BookFixture> {
  return JSON.parse(await readFile(file, "utf8")) as BookFixture;
}

/** A fixture book as the columns of public.books. */
export interface DemoBook extends ReaderBook {
  title: string;
  original_title: string | null;
  first_published_year: number | null;
  language: string | null;
  isbn10: string[];
  isbn13: string[];
  goodreads_book_id: number | null;
  goodreads_work_id: number | null;
  series_name: string | null;
  series_position: string | null;
  cover_url: string | null;
}

export function booksFromFixture(fixture: BookFixture): DemoBook[] {
  const at = (name: string) => {
    const k = fixture.columns.indexOf(name);
    if (k < 0) throw new Error(`book fixture has no column ${name}`);
    return k;
  };
  const col = Object.fromEntries(fixture.columns.map((name) => [name, at(name)])) as Record<string, number>;
  return fixture.books.map((row) => {
    const r = row as unknown[];
    const v = <T>(name: string) => r[col[name] as number] as T;
    const isbn10 = v<string | null>("isbn10");
    const isbn13 = v<string | null>("isbn13");
    return {
      id: v<number>("id"),
      title: v<string>("title"),
      original_title: v<string | null>("original_title"),
      authors: v<string[]>("authors"),
      first_published_year: v<number | null>("year"),
      language: v<string | null>("language"),
      isbn10: isbn10 ? [isbn10] : [],
      isbn13: isbn13 ? [isbn13] : [],
      goodreads_book_id: v<number | null>("goodreads_book_id"),
      goodreads_work_id: v<number | null>("goodreads_work_id"),
      series_name: v<string | null>("series_name"),
      series_position: v<string | null>("series_position"),
      averageRating: v<number>("average_rating"),
      ratingCount: v<number>("rating_count"),
      cover_url: v<string | null>("cover_url"),
    };
  });
}

/** Inserts fixture books (ids kept) in chunks, through one jsonb parameter each (array columns stay intact). */
export async function insertBooks(tx: SqlExecutor, books: readonly DemoBook[]): Promise<void> {
  for (const chunk of chunks(books)) {
    const rows = chunk.map((b) => ({ ...b, average_rating: b.averageRating, rating_count: b.ratingCount }));
    await tx.query(
      `insert into public.books (id, title, original_title, authors, first_published_year, language, isbn10, isbn13,
         goodreads_book_id, goodreads_work_id, series_name, series_position, average_rating, rating_count, cover_url)
       overriding system value
       select id, title, original_title, authors, first_published_year, language, isbn10, isbn13, goodreads_book_id,
         goodreads_work_id, series_name, series_position, average_rating, rating_count, cover_url
       from jsonb_to_recordset($1::jsonb) as x(id int, title text, original_title text, authors text[],
         first_published_year smallint, language text, isbn10 text[], isbn13 text[], goodreads_book_id int,
         goodreads_work_id int, series_name text, series_position text, average_rating real, rating_count int,
         cover_url text)`,
      [JSON.stringify(rows)],
    );
  }
}

export async function insertBookRatings(tx: SqlExecutor, ratings: readonly DemoBookRating[]): Promise<void> {
  for (const chunk of chunks(ratings)) {
    await tx.query(
      `insert into public.book_ratings (user_id, book_id, rating, created_at, updated_at)
       select user_id, book_id, rating, created_at, created_at
       from unnest($1::uuid[], $2::int[], $3::numeric[], $4::timestamptz[]) as x(user_id, book_id, rating, created_at)`,
      [
        chunk.map((r) => r.userId),
        chunk.map((r) => r.bookId),
        chunk.map((r) => r.rating),
        chunk.map((r) => r.createdAt),
      ],
    );
  }
}

export async function readFixture(file: string | URL = DEFAULT_FIXTURE): Promise<FilmFixture> {
  return JSON.parse(await readFile(file, "utf8")) as FilmFixture;
}

/** Turns the fixture's positional rows into objects, by the column names the fixture declares. */
export function filmsFromFixture(fixture: FilmFixture): DemoFilm[] {
  const at = (name: string) => {
    const k = fixture.columns.indexOf(name);
    if (k < 0) throw new Error(`fixture has no column ${name}`);
    return k;
  };
  const c = {
    id: at("id"),
    title: at("title"),
    originalTitle: at("original_title"),
    releaseDate: at("release_date"),
    runtime: at("runtime"),
    originalLanguage: at("original_language"),
    genres: at("genres"),
    keywords: at("keywords"),
    cast: at("cast"),
    director: at("director"),
    popularity: at("popularity"),
    voteAverage: at("vote_average"),
    voteCount: at("vote_count"),
  };
  return fixture.films.map((row: FilmRow) => {
    const r = row as unknown[];
    return {
      id: r[c.id] as number,
      title: r[c.title] as string,
      originalTitle: (r[c.originalTitle] as string | null) ?? null,
      releaseDate: r[c.releaseDate] as string,
      runtime: (r[c.runtime] as number | null) ?? null,
      originalLanguage: (r[c.originalLanguage] as string | null) ?? null,
      genres: r[c.genres] as string[],
      keywords: r[c.keywords] as string[],
      cast: r[c.cast] as string[],
      director: (r[c.director] as string | null) ?? null,
      popularity: r[c.popularity] as number,
      voteAverage: r[c.voteAverage] as number,
      voteCount: r[c.voteCount] as number,
    };
  });
}

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let k = 0; k < items.length; k += size) out.push(items.slice(k, k + size));
  return out;
}

async function insertGenres(tx: SqlExecutor, genres: FilmFixture["genres"]): Promise<void> {
  await tx.query(
    "insert into public.genres (id, name) select * from unnest($1::int[], $2::text[]) on conflict (id) do nothing",
    [genres.map((g) => g[0]), genres.map((g) => g[1])],
  );
}

// Array columns (genres, keywords, cast) cannot travel through unnest, which flattens text[][]; one jsonb
// parameter per chunk, unpacked by jsonb_to_recordset with typed columns, carries them intact.
async function insertMovies(tx: SqlExecutor, films: readonly DemoFilm[]): Promise<void> {
  for (const chunk of chunks(films)) {
    const rows = chunk.map((f) => ({
      id: f.id,
      title: f.title,
      // The fixture leaves out an original title equal to the title to stay small; the column wants it back.
      original_title: f.originalTitle ?? f.title,
      release_date: f.releaseDate,
      release_year: Number(f.releaseDate.slice(0, 4)),
      runtime: f.runtime,
      original_language: f.originalLanguage,
      genres: f.genres,
      keywords: f.keywords,
      cast_names: f.cast,
      director: f.director,
      popularity: f.popularity,
      vote_average: f.voteAverage,
      vote_count: f.voteCount,
    }));
    await tx.query(
      `insert into public.movies (id, title, original_title, release_date, release_year, runtime, original_language,
         genres, keywords, cast_names, director, popularity, vote_average, vote_count)
       select id, title, original_title, release_date, release_year, runtime, original_language,
         genres, keywords, cast_names, director, popularity, vote_average, vote_count
       from jsonb_to_recordset($1::jsonb) as x(id int, title text, original_title text, release_date date,
         release_year smallint, runtime smallint, original_language text, genres text[], keywords text[],
         cast_names text[], director text, popularity real, vote_average real, vote_count int)`,
      [JSON.stringify(rows)],
    );
  }
}

async function insertUsers(tx: SqlExecutor, users: readonly DemoUser[]): Promise<void> {
  for (const chunk of chunks(users)) {
    await tx.query(
      // Demo users opted in to taste matching (new accounts are off by default), so /v1/matches has answers.
      `insert into public.users (id, email, username, display_name, created_at, updated_at, matchable)
       select id, email, username, display_name, created_at, created_at, true
       from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
         as x(id, email, username, display_name, created_at)`,
      [
        chunk.map((u) => u.id),
        chunk.map((u) => u.email),
        chunk.map((u) => u.username),
        chunk.map((u) => u.displayName),
        chunk.map((u) => u.createdAt),
      ],
    );
  }
}

async function insertRatings(tx: SqlExecutor, ratings: readonly DemoRating[]): Promise<void> {
  for (const chunk of chunks(ratings)) {
    // updated_at = created_at: a demo rating has never been edited, and "my ratings, newest first" sorts by it.
    await tx.query(
      `insert into public.ratings (user_id, movie_id, rating, created_at, updated_at)
       select user_id, movie_id, rating, created_at, created_at
       from unnest($1::uuid[], $2::int[], $3::numeric[], $4::timestamptz[]) as x(user_id, movie_id, rating, created_at)`,
      [
        chunk.map((r) => r.userId),
        chunk.map((r) => r.movieId),
        chunk.map((r) => r.rating),
        chunk.map((r) => r.createdAt),
      ],
    );
  }
}

/**
 * Fills an empty database with the demo catalogue, users and ratings. Returns loaded:false, changing nothing, when
 * public.movies already has rows.
 */
export async function loadDemoData(db: SqlDatabase, options: LoadDemoOptions = {}): Promise<LoadDemoResult> {
  const skipped = { loaded: false, movies: 0, users: 0, ratings: 0, genres: 0, books: 0, bookRatings: 0 };
  if (await hasMovies(db)) return skipped;

  const fixture = await readFixture(options.fixtureFile);
  const films = filmsFromFixture(fixture);
  const { users, ratings } = generateDemoRatings(films, {
    users: options.users,
    seed: options.seed,
    referenceDate: options.referenceDate ?? new Date(),
  });
  const books =
    options.bookFixtureFile === null ? [] : booksFromFixture(await readBookFixture(options.bookFixtureFile));
  const bookRatings = generateReaderRatings(users, books, ratings);

  return db.transaction(async (tx) => {
    // Checked again inside the transaction: two processes starting on one database must not both load.
    await tx.query("lock table public.movies in share row exclusive mode");
    if (await hasMovies(tx)) return skipped;
    await insertGenres(tx, fixture.genres);
    await insertMovies(tx, films);
    await insertUsers(tx, users);
    if (users[0]) {
      await tx.query("update public.users set email = $2, display_name = 'Demo' where id = $1", [
        users[0].id,
        DEMO_LOGIN.email,
      ]);
      await tx.query("insert into public.user_credentials (user_id, password_hash) values ($1, $2)", [
        users[0].id,
        await hashPassword(DEMO_LOGIN.password),
      ]);
    }
    await insertRatings(tx, ratings);
    await insertBooks(tx, books);
    await insertBookRatings(tx, bookRatings);
    return {
      loaded: true,
      movies: films.length,
      users: users.length,
      ratings: ratings.length,
      genres: fixture.genres.length,
      books: books.length,
      bookRatings: bookRatings.length,
    };
  });
}

async function hasMovies(db: SqlExecutor): Promise<boolean> {
  const rows = await db.query<{ found: boolean }>("select exists (select 1 from public.movies) as found");
  return rows[0]?.found === true;
}

/**
 * Adds the demo books to a demo database created before books existed: when public.books is empty and the demo
 * login exists. The synthetic users are generated again from the same seed and fixture, and reader ratings are
 * written for those of them still in the database (a user deleted since, or ids from an older fixture, get none;
 * the books are added either way). Returns the counts written; books 0 when there was nothing to do.
 */
export async function addDemoBooks(
  db: SqlDatabase,
  options: LoadDemoOptions = {},
): Promise<{ books: number; bookRatings: number }> {
  const none = { books: 0, bookRatings: 0 };
  if (options.bookFixtureFile === null) return none;
  const [state] = await db.query<{ books: boolean; demo: boolean }>(
    `select exists (select 1 from public.books) as books,
            exists (select 1 from public.users where email = $1) as demo`,
    [DEMO_LOGIN.email],
  );
  if (state.books || !state.demo) return none;
  const films = filmsFromFixture(await readFixture(options.fixtureFile));
  const { users, ratings } = generateDemoRatings(films, {
    users: options.users,
    seed: options.seed,
    referenceDate: options.referenceDate ?? new Date(),
  });
  const books = booksFromFixture(await readBookFixture(options.bookFixtureFile));
  const present = new Set(
    (
      await db.query<{ id: string }>("select id::text as id from public.users where id = any ($1::uuid[])", [
        users.map((u) => u.id),
      ])
    ).map((r) => r.id),
  );
  const bookRatings = generateReaderRatings(users, books, ratings).filter((r) => present.has(r.userId));
  return db.transaction(async (tx) => {
    await tx.query("lock table public.books in share row exclusive mode");
    const [again] = await tx.query<{ books: boolean }>("select exists (select 1 from public.books) as books");
    if (again.books) return none;
    await insertBooks(tx, books);
    await insertBookRatings(tx, bookRatings);
    return { books: books.length, bookRatings: bookRatings.length };
  });
}

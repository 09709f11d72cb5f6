/**
 * The offline evaluation on books (`marquee eval --kind book`): the same protocol as the films' (a seeded random
 * split, binary relevance at a star threshold, P/R/NDCG/MAP at k over the test users, catalogue coverage), with
 * the book recommender (recommend_books, the API's SQL function) against the most-read baseline ranked in process
 * on the same training ratings. Kept apart from evaluate.ts: the film evaluation's strategies, blend fit and
 * baselines do not apply to books.
 *
 * Ratings: a CSV with a header naming user and book columns (goodbooks-10k's ratings.csv is `user_id,book_id,
 * rating`; `userId,bookId,rating[,timestamp]` works too), stars 1..5 (rounded to half stars). Books: goodbooks-10k's
 * books.csv when given (titles, authors, series: the content part has something to read), else placeholders.
 */
import type { SqlDatabase } from "../../functions/lib/db/port";
import { buildBookFixtureData } from "../demo/build-book-fixture";
import { booksFromFixture, type DemoBook, insertBooks } from "../demo/load-demo";
import { refreshBookNeighbours } from "../jobs/book-neighbours";
import { rankingScores } from "./metrics";
import { type MlRating, mlUserUuid } from "./movielens";

/** Parses a ratings CSV whose header names the user, book and rating columns; `movie` holds the book id. */
export function parseBookRatings(text: string): MlRating[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = (lines.shift() ?? "").split(",").map((h) => h.trim().toLowerCase());
  const col = (...names: string[]) => header.findIndex((h) => names.includes(h));
  const [u, b, r, t] = [
    col("user_id", "userid", "user"),
    col("book_id", "bookid", "book"),
    col("rating"),
    col("timestamp"),
  ];
  if (u < 0 || b < 0 || r < 0)
    throw new Error(`book ratings need user_id, book_id and rating columns; header: ${header}`);
  return lines.map((line) => {
    const f = line.split(",");
    const rating = Math.round(Number(f[r]) * 2) / 2;
    const user = Number(f[u]);
    const book = Number(f[b]);
    if (!(rating >= 0.5 && rating <= 5 && Number.isInteger(user) && Number.isInteger(book) && book > 0)) {
      throw new Error(`bad book ratings line: ${line}`);
    }
    return { user, movie: book, rating, time: t >= 0 ? Number(f[t]) || 0 : 0 };
  });
}

/** goodbooks-10k's books.csv as catalogue rows (every book, not only the demo's 2,000). */
export function parseGoodbooksBooks(text: string): DemoBook[] {
  return booksFromFixture(buildBookFixtureData(text, Number.MAX_SAFE_INTEGER));
}

export async function loadBookDataset(db: SqlDatabase, books: DemoBook[], ratings: MlRating[]) {
  const known = new Set(books.map((b) => b.id));
  const placeholders: DemoBook[] = [...new Set(ratings.map((r) => r.movie))]
    .filter((id) => !known.has(id))
    .map((id) => ({
      id,
      title: `Book ${id}`,
      original_title: null,
      authors: [],
      first_published_year: null,
      language: null,
      isbn10: [],
      isbn13: [],
      goodreads_book_id: null,
      goodreads_work_id: null,
      series_name: null,
      series_position: null,
      averageRating: 0,
      ratingCount: 0,
      cover_url: null,
    }));
  const users = [...new Set(ratings.map((r) => r.user))].sort((a, b) => a - b);
  await db.transaction(async (tx) => {
    await insertBooks(tx, [...books, ...placeholders]);
    for (let s = 0; s < users.length; s += 20_000) {
      const chunk = users.slice(s, s + 20_000);
      await tx.query(
        `insert into public.users (id, email, display_name)
         select u, 'reader-' || n || '@eval.invalid', 'Reader ' || n from unnest($1::uuid[], $2::int[]) as x(u, n)`,
        [chunk.map(mlUserUuid), chunk],
      );
    }
    for (let s = 0; s < ratings.length; s += 20_000) {
      const chunk = ratings.slice(s, s + 20_000);
      await tx.query(
        `insert into public.book_ratings (user_id, book_id, rating)
         select u, b, r from unnest($1::uuid[], $2::int[], $3::numeric[]) as x(u, b, r)
         on conflict do nothing`,
        [chunk.map((r) => mlUserUuid(r.user)), chunk.map((r) => r.movie), chunk.map((r) => r.rating)],
      );
    }
  });
  return { books: books.length + placeholders.length, users: users.length, ratings: ratings.length };
}

export interface BookEvalRow {
  strategy: string;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  coverage: number;
  users: number;
  msPerUser: number;
}

/**
 * Refreshes the co-reading tables from the training ratings (the nightly books step), then ranks the books of every
 * test user with at least one relevant test rating who has training ratings, through
 * recommend_books and through the most-read baseline (books with the most training ratings of `relevant` stars
 * or more, the user's own training books left out), and scores both at k.
 */
export async function evaluateBooks(
  db: SqlDatabase,
  train: MlRating[],
  test: MlRating[],
  options: { k: number; relevant: number; catalogueSize: number; onProgress?: (done: number, total: number) => void },
): Promise<BookEvalRow[]> {
  const { k, relevant } = options;
  // The nightly job's books step on the training ratings: recommend_books reads co-reading from its tables.
  await refreshBookNeighbours(db);
  const seen = new Map<number, Set<number>>();
  for (const r of train) {
    const s = seen.get(r.user) ?? new Set<number>();
    s.add(r.movie);
    seen.set(r.user, s);
  }
  const positives = new Map<number, Set<number>>();
  for (const r of test) {
    if (r.rating < relevant || !seen.has(r.user)) continue;
    const s = positives.get(r.user) ?? new Set<number>();
    s.add(r.movie);
    positives.set(r.user, s);
  }
  const fans = new Map<number, number>();
  for (const r of train) if (r.rating >= relevant) fans.set(r.movie, (fans.get(r.movie) ?? 0) + 1);
  const popular = [...fans.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);

  const users = [...positives.keys()].sort((a, b) => a - b);
  const rows: BookEvalRow[] = [];
  const score = async (strategy: string, rank: (user: number) => Promise<number[]> | number[]) => {
    const sum = { precision: 0, recall: 0, ndcg: 0, map: 0 };
    const recommended = new Set<number>();
    const started = performance.now();
    let done = 0;
    for (const user of users) {
      const ranked = await rank(user);
      for (const id of ranked.slice(0, k)) recommended.add(id);
      const s = rankingScores(ranked, positives.get(user) as Set<number>, k);
      sum.precision += s.precision;
      sum.recall += s.recall;
      sum.ndcg += s.ndcg;
      sum.map += s.ap;
      options.onProgress?.(++done, users.length);
    }
    const n = Math.max(1, users.length);
    rows.push({
      strategy,
      precision: sum.precision / n,
      recall: sum.recall / n,
      ndcg: sum.ndcg / n,
      map: sum.map / n,
      coverage: recommended.size / Math.max(1, options.catalogueSize),
      users: users.length,
      msPerUser: (performance.now() - started) / n,
    });
  };
  await score("mostread (baseline)", (user) => {
    const mine = seen.get(user) as Set<number>;
    const out: number[] = [];
    for (const id of popular) {
      if (!mine.has(id)) out.push(id);
      if (out.length >= k) break;
    }
    return out;
  });
  await score("recommend_books", async (user) => {
    const got = await db.query<{ id: number }>("select (book).id as id from public.recommend_books($1, $2)", [
      mlUserUuid(user),
      Math.min(100, k),
    ]);
    return got.map((r) => Number(r.id));
  });
  return rows;
}

export function formatBookEvalTable(rows: BookEvalRow[], k: number): string {
  const head = ["strategy", `P@${k}`, `R@${k}`, `NDCG@${k}`, `MAP@${k}`, "coverage", "users", "ms/user"];
  const body = rows.map((r) => [
    r.strategy,
    r.precision.toFixed(4),
    r.recall.toFixed(4),
    r.ndcg.toFixed(4),
    r.map.toFixed(4),
    r.coverage.toFixed(3),
    String(r.users),
    r.msPerUser.toFixed(1),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => (row[c] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number)))
      .join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

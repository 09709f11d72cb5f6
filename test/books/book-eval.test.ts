/**
 * The book evaluation (`marquee eval --kind book`) on a tiny world whose right answer is obvious: two reader
 * groups, each loving its own shelf, with one loved book of each reader held out. The recommender must find the
 * held-out book from the co-readers; the most-read baseline cannot tell the groups apart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateBooks, formatBookEvalTable, loadBookDataset, parseBookRatings } from "../../node/eval/books";
import type { MlRating } from "../../node/eval/movielens";
import { freshDatabase, type TestDatabase } from "../support/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db?.dispose();
});

describe("parseBookRatings", () => {
  it("reads goodbooks-10k's columns and others by name, and refuses what is not a rating", () => {
    expect(parseBookRatings("user_id,book_id,rating\n1,258,5\n2,4081,4\n")).toEqual([
      { user: 1, movie: 258, rating: 5, time: 0 },
      { user: 2, movie: 4081, rating: 4, time: 0 },
    ]);
    expect(parseBookRatings("userId,bookId,rating,timestamp\n3,7,3.5,1700000000\n")[0]).toEqual({
      user: 3,
      movie: 7,
      rating: 3.5,
      time: 1700000000,
    });
    expect(() => parseBookRatings("user,film\n1,2\n")).toThrow(/user_id, book_id and rating/);
    expect(() => parseBookRatings("user_id,book_id,rating\n1,2,9\n")).toThrow(/bad book ratings line/);
  });
});

describe("evaluateBooks", () => {
  it("scores recommend_books above the most-read baseline where co-reading tells the groups apart", async () => {
    const shelves = [
      [1, 2, 3, 4],
      [11, 12, 13, 14],
    ];
    const train: MlRating[] = [];
    const test: MlRating[] = [];
    for (let u = 1; u <= 24; u++) {
      const shelf = shelves[u % 2] as number[];
      const held = shelf[u % 4] as number;
      for (const b of shelf) (b === held ? test : train).push({ user: u, movie: b, rating: 5, time: 0 });
    }
    // The first group's books are read by more people elsewhere, so the most-read list favours them.
    for (let u = 100; u < 110; u++) for (const b of [1, 2, 3, 4]) train.push({ user: u, movie: b, rating: 4, time: 0 });
    await loadBookDataset(db, [], train);
    const rows = await evaluateBooks(db, train, test, { k: 2, relevant: 4, catalogueSize: 8 });
    const by = Object.fromEntries(rows.map((r) => [r.strategy, r]));
    const table = formatBookEvalTable(rows, 2);
    expect(by.recommend_books?.users, table).toBe(24);
    expect(by.recommend_books?.recall, table).toBe(1);
    expect(by["mostread (baseline)"]?.recall, table).toBeLessThan(0.75);
  });
});

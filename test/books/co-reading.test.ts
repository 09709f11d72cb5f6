/**
 * The in-memory co-reading scorer (the nightly books step) against a brute-force reading of its definition:
 * fans are 4+ star ratings, cosine over the fans, the best k per anchor by score, then readers, then id, and film
 * pairs need 2 readers. Random shelves small enough that ties are common, so the order rules are exercised.
 */
import { describe, expect, it } from "vitest";
import { coReading, type FanLists } from "../../functions/lib/recommend/co-reading";

function randomFans(seed: number, people: number, books: number, films: number): FanLists {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const pick = (n: number, p: number) =>
    Int32Array.from(Array.from({ length: n }, (_, i) => i).filter(() => next() < p));
  const bookLists = Array.from({ length: people }, () => pick(books, 0.25));
  const filmLists = bookLists.map(() => pick(films, 0.3));
  // Film fans over everyone: the readers' own plus some who read nothing.
  const filmFans = new Int32Array(films);
  for (const [u, list] of filmLists.entries()) if (bookLists[u].length) for (const f of list) filmFans[f]++;
  for (let f = 0; f < films; f++) filmFans[f] += Math.floor(next() * 3);
  return { books: bookLists, films: filmLists, bookCount: books, filmCount: films, filmFans };
}

type Row = [number, number, number, number];

function bruteForce(fans: FanLists, k: number) {
  const readersOf = (b: number) => fans.books.flatMap((list, u) => (list.includes(b) ? [u] : []));
  const rank = (rows: Row[]) => rows.sort((x, y) => y[3] - x[3] || y[2] - x[2] || x[1] - y[1]).slice(0, k);
  const books: Row[] = [];
  for (let a = 0; a < fans.bookCount; a++) {
    const fansA = readersOf(a);
    const rows: Row[] = [];
    for (let b = 0; b < fans.bookCount; b++) {
      if (b === a) continue;
      const fansB = readersOf(b);
      const both = fansA.filter((u) => fansB.includes(u)).length;
      if (both > 0) rows.push([a, b, both, both / Math.sqrt(fansA.length * fansB.length)]);
    }
    books.push(...rank(rows));
  }
  const films: Row[] = [];
  const lifts: number[] = [];
  const readers = fans.books.filter((l) => l.length > 0).length;
  for (let f = 0; f < fans.filmCount; f++) {
    const rows: Row[] = [];
    const filmReaders = fans.books.filter((l, u) => l.length > 0 && fans.films[u].includes(f)).length;
    for (let b = 0; b < fans.bookCount; b++) {
      const fansB = readersOf(b);
      const both = fansB.filter((u) => fans.films[u].includes(f)).length;
      if (both >= 2) rows.push([f, b, both, both / Math.sqrt(fans.filmFans[f] * fansB.length)]);
    }
    for (const r of rank(rows)) {
      films.push(r);
      lifts.push(r[2] / readersOf(r[1]).length / (filmReaders / readers));
    }
  }
  return { books, films, lifts };
}

const rowsOf = (p: ReturnType<typeof coReading>["books"]): Row[] =>
  Array.from(p.anchor, (a, i) => [a, p.other[i], p.readers[i], p.score[i]]);

describe("coReading", () => {
  it.each([
    [1, 60, 25, 12, 100],
    [2, 40, 30, 8, 5],
    [3, 80, 12, 20, 3],
  ])("equals the brute force (seed %i: %i people, %i books, %i films, k %i)", (seed, people, books, films, k) => {
    const fans = randomFans(seed, people, books, films);
    const got = coReading(fans, { k });
    const want = bruteForce(fans, k);
    expect(got.books.anchor.length).toBeGreaterThan(0);
    expect(got.films.anchor.length).toBeGreaterThan(0);
    const round = (rows: Row[]) => rows.map(([a, b, n, s]) => [a, b, n, Math.round(s * 1e9)]);
    expect(round(rowsOf(got.books))).toEqual(round(want.books));
    expect(round(rowsOf(got.films))).toEqual(round(want.films));
    expect(Array.from(got.films.lift, (x) => Math.round(x * 1e9))).toEqual(want.lifts.map((x) => Math.round(x * 1e9)));
  });

  it("keeps film pairs with 2 readers or more, and no pair of a book with itself", () => {
    const fans: FanLists = {
      books: [Int32Array.of(0, 1), Int32Array.of(0), Int32Array.of(1)],
      films: [Int32Array.of(0), Int32Array.of(0), Int32Array.of(0)],
      bookCount: 2,
      filmCount: 1,
      filmFans: Int32Array.of(4),
    };
    const { books, films } = coReading(fans);
    expect(rowsOf(books)).toEqual([
      [0, 1, 1, 1 / Math.sqrt(2 * 2)],
      [1, 0, 1, 1 / Math.sqrt(2 * 2)],
    ]);
    // Film 0's readers: book 0 has 2 of them (kept), book 1 has 2 (kept); score over the film's 4 fans.
    expect(rowsOf(films)).toEqual([
      [0, 0, 2, 2 / Math.sqrt(4 * 2)],
      [0, 1, 2, 2 / Math.sqrt(4 * 2)],
    ]);
    // Every reader loves film 0: its fans among any book's readers are no more than readers at large, lift 1.
    expect(Array.from(films.lift)).toEqual([1, 1]);
    fans.films = [Int32Array.of(0), Int32Array.of(), Int32Array.of()];
    expect(rowsOf(coReading(fans).films), "one reader is too few").toEqual([]);
  });
});

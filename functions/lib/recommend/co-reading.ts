/**
 * Co-reading for book recommendations, on typed arrays (the nightly job's books step). Runtime-neutral.
 *
 * Definitions (also in the comments of book_neighbours and film_book_neighbours):
 * - A fan of a book or a film rated it 4 stars or more.
 * - Book pairs: readers = people who are fans of both books; score = readers / sqrt(fans of a × fans of b) (cosine
 *   over the fans' 0/1 vectors). Per book the best `k` (100) by score, then readers, then the smaller book id.
 * - Film-to-book pairs: readers = people who are fans of the film and of the book, at least `minFilmReaders` (2);
 *   score = readers / sqrt(fans of the film × fans of the book), the film's fans counted over everyone (readers or
 *   not). Per film the best `k` books in the same order. Each film pair also gets its lift among readers:
 *   (readers / fans of the book) / (readers who are fans of the film / all readers), how much more the book's fans
 *   love the film than readers at large do (1 = no more: a popular film every reader loves).
 *
 * Cost: the sum over people of (books loved)² for book pairs and of (films loved × books loved) for film pairs, by
 * sparse accumulation with no intermediate rows (a SQL self-join materialised every pair: at goodbooks-10k's shape,
 * 6 million ratings, about 1.2 billion of them; `marquee bench books`). Memory: the fans' compressed rows and one
 * counter per book.
 */

import { bestK } from "./top-k";

export interface FanLists {
  /** Per person (dense index), the dense indices of the books they are a fan of. */
  books: Int32Array[];
  /** Per person, the dense indices of the films they are a fan of (only readers need a row). */
  films: Int32Array[];
  bookCount: number;
  filmCount: number;
  /** Fans of each film over everyone, readers or not (dense film index). */
  filmFans: Int32Array;
}

export interface PairList {
  anchor: Int32Array;
  other: Int32Array;
  readers: Int32Array;
  score: Float64Array;
  /** Film pairs: the lift among readers (see the file comment); book pairs: empty. */
  lift: Float64Array;
}

export interface CoReadingOptions {
  k?: number;
  minFilmReaders?: number;
}

class Pairs {
  anchor: number[] = [];
  other: number[] = [];
  readers: number[] = [];
  score: number[] = [];
  lift: number[] = [];
  build(): PairList {
    return {
      anchor: Int32Array.from(this.anchor),
      other: Int32Array.from(this.other),
      readers: Int32Array.from(this.readers),
      score: Float64Array.from(this.score),
      lift: Float64Array.from(this.lift),
    };
  }
}

/** (score desc, readers desc, index asc); dense indices follow id order, so the index breaks ties as the id does. */
const byScore = (count: Int32Array, score: Float64Array) => (a: number, b: number) =>
  score[a] < score[b] || (score[a] === score[b] && (count[a] < count[b] || (count[a] === count[b] && a > b)));

/** Book-to-book and film-to-book co-fan pairs (see the file comment). */
export function coReading(fans: FanLists, options: CoReadingOptions = {}): { books: PairList; films: PairList } {
  const k = options.k ?? 100;
  const minFilmReaders = options.minFilmReaders ?? 2;
  const people = fans.books.length;
  // Each book's fans, and each film's fans among readers: compressed rows.
  const bookFans = new Int32Array(fans.bookCount);
  const filmReaders = new Int32Array(fans.filmCount);
  for (let u = 0; u < people; u++) {
    if (fans.books[u].length === 0) continue;
    for (const b of fans.books[u]) bookFans[b]++;
    for (const f of fans.films[u] ?? []) filmReaders[f]++;
  }
  const offsets = (counts: Int32Array) => {
    const o = new Int32Array(counts.length + 1);
    for (let i = 0; i < counts.length; i++) o[i + 1] = o[i] + counts[i];
    return o;
  };
  const bookOffsets = offsets(bookFans);
  const filmOffsets = offsets(filmReaders);
  const fansOfBook = new Int32Array(bookOffsets[fans.bookCount]);
  const readersOfFilm = new Int32Array(filmOffsets[fans.filmCount]);
  const bookAt = bookOffsets.slice(0, fans.bookCount);
  const filmAt = filmOffsets.slice(0, fans.filmCount);
  for (let u = 0; u < people; u++) {
    if (fans.books[u].length === 0) continue;
    for (const b of fans.books[u]) fansOfBook[bookAt[b]++] = u;
    for (const f of fans.films[u] ?? []) readersOfFilm[filmAt[f]++] = u;
  }

  const count = new Int32Array(fans.bookCount);
  const score = new Float64Array(fans.bookCount);
  const touched: number[] = [];
  const worse = byScore(count, score);
  const books = new Pairs();
  for (let a = 0; a < fans.bookCount; a++) {
    touched.length = 0;
    for (let i = bookOffsets[a]; i < bookOffsets[a + 1]; i++) {
      for (const b of fans.books[fansOfBook[i]]) {
        if (b === a) continue;
        if (count[b] === 0) touched.push(b);
        count[b]++;
      }
    }
    for (const b of touched) score[b] = count[b] / Math.sqrt(bookFans[a] * bookFans[b]);
    for (const b of bestK(touched, k, worse)) {
      books.anchor.push(a);
      books.other.push(b);
      books.readers.push(count[b]);
      books.score.push(score[b]);
    }
    for (const b of touched) count[b] = 0;
  }

  let allReaders = 0;
  for (let u = 0; u < people; u++) if (fans.books[u].length > 0) allReaders++;
  const films = new Pairs();
  for (let f = 0; f < fans.filmCount; f++) {
    touched.length = 0;
    for (let i = filmOffsets[f]; i < filmOffsets[f + 1]; i++) {
      for (const b of fans.books[readersOfFilm[i]]) {
        if (count[b] === 0) touched.push(b);
        count[b]++;
      }
    }
    const kept: number[] = [];
    for (const b of touched) {
      if (count[b] < minFilmReaders) continue;
      score[b] = count[b] / Math.sqrt(fans.filmFans[f] * bookFans[b]);
      kept.push(b);
    }
    for (const b of bestK(kept, k, worse)) {
      films.anchor.push(f);
      films.other.push(b);
      films.readers.push(count[b]);
      films.score.push(score[b]);
      films.lift.push(count[b] / bookFans[b] / (filmReaders[f] / allReaders));
    }
    for (const b of touched) count[b] = 0;
  }
  return { books: books.build(), films: films.build() };
}

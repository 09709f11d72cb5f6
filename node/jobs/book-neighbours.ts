/**
 * The nightly job's books step: replaces book_neighbours and film_book_neighbours from the current ratings, by the
 * in-memory scorer (functions/lib/recommend/co-reading.ts: definitions and cost). Also run on its own by `npm
 * start` for a demo database whose nightly run predates the books, and by the book evaluation on its training
 * ratings. One transaction: readers keep the previous rows until it commits. Safe to re-run.
 */
import type { SqlDatabase, SqlExecutor } from "../../functions/lib/db/port";
import { coReading, type PairList } from "../../functions/lib/recommend/co-reading";

export interface BookNeighbourSummary {
  bookPairs: number;
  filmPairs: number;
  readers: number;
}

async function writePairs(
  tx: SqlExecutor,
  table: "book_neighbours" | "film_book_neighbours",
  columns: [string, string],
  pairs: PairList,
  anchorIds: number[],
  otherIds: number[],
  chunk: number,
) {
  const total = pairs.anchor.length;
  const lift = table === "film_book_neighbours";
  for (let start = 0; start < total; start += chunk) {
    const end = Math.min(total, start + chunk);
    const params = [
      Array.from(pairs.anchor.subarray(start, end), (a) => anchorIds[a]),
      Array.from(pairs.other.subarray(start, end), (b) => otherIds[b]),
      Array.from(pairs.readers.subarray(start, end)),
      Array.from(pairs.score.subarray(start, end)),
    ];
    await tx.query(
      lift
        ? `insert into public.${table} (${columns[0]}, ${columns[1]}, readers, score, lift)
           select * from unnest($1::int[], $2::int[], $3::int[], $4::real[], $5::real[])`
        : `insert into public.${table} (${columns[0]}, ${columns[1]}, readers, score)
           select * from unnest($1::int[], $2::int[], $3::int[], $4::real[])`,
      lift ? [...params, Array.from(pairs.lift.subarray(start, end))] : params,
    );
  }
}

export async function refreshBookNeighbours(
  db: SqlDatabase,
  options: { k?: number; chunk?: number } = {},
): Promise<BookNeighbourSummary> {
  const chunk = options.chunk ?? 20_000;
  // One row per reader with an array column: far fewer row objects than one per rating.
  const readers = await db.query<{ u: string; b: number[] }>(
    `select user_id::text as u, array_agg(book_id order by book_id) as b
     from public.book_ratings where rating >= 4 group by user_id order by user_id`,
  );
  const filmRows = readers.length
    ? await db.query<{ u: string; m: number[] }>(
        `select r.user_id::text as u, array_agg(r.movie_id order by r.movie_id) as m
         from public.ratings r
         where r.rating >= 4
           and r.user_id in (select b.user_id from public.book_ratings b where b.rating >= 4)
         group by r.user_id`,
      )
    : [];
  // Dense indices in id order, so that index order breaks ties as id order does.
  const bookIds = [...new Set(readers.flatMap((r) => r.b.map(Number)))].sort((a, b) => a - b);
  const filmIds = [...new Set(filmRows.flatMap((r) => r.m.map(Number)))].sort((a, b) => a - b);
  const bookIndex = new Map(bookIds.map((id, i) => [id, i]));
  const filmIndex = new Map(filmIds.map((id, i) => [id, i]));
  const filmsOf = new Map(filmRows.map((r) => [r.u, Int32Array.from(r.m, (m) => filmIndex.get(Number(m)) ?? -1)]));
  const filmFans = new Int32Array(filmIds.length);
  if (filmIds.length) {
    const counts = await db.query<{ movie_id: number; n: number }>(
      `select movie_id, count(*)::int as n from public.ratings
       where rating >= 4 and movie_id = any ($1::int[]) group by movie_id`,
      [filmIds],
    );
    for (const c of counts) filmFans[filmIndex.get(Number(c.movie_id)) ?? 0] = Number(c.n);
  }
  const pairs = coReading(
    {
      books: readers.map((r) => Int32Array.from(r.b, (b) => bookIndex.get(Number(b)) ?? -1)),
      films: readers.map((r) => filmsOf.get(r.u) ?? new Int32Array(0)),
      bookCount: bookIds.length,
      filmCount: filmIds.length,
      filmFans,
    },
    { k: options.k },
  );
  await db.transaction(async (tx) => {
    await tx.query("delete from public.book_neighbours");
    await tx.query("delete from public.film_book_neighbours");
    await writePairs(tx, "book_neighbours", ["book_id", "neighbour_id"], pairs.books, bookIds, bookIds, chunk);
    await writePairs(tx, "film_book_neighbours", ["movie_id", "book_id"], pairs.films, filmIds, bookIds, chunk);
  });
  return { bookPairs: pairs.books.anchor.length, filmPairs: pairs.films.anchor.length, readers: readers.length };
}

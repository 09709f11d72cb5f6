/**
 * `marquee bench books`: the nightly books step (co-reading, book-neighbours.ts) at goodbooks-10k's shape:
 * 53,424 readers, 10,000 books, 5,976,479 ratings (the dataset's own counts; its ratings are not shipped, so the
 * readers are synthetic: long-tailed activity and popularity, latent tastes, eval/synthetic.ts). Prints the
 * in-memory scorer's time and memory, and with a PostgreSQL server the whole step (load, score, write).
 */
import { loadavg } from "node:os";
import { coReading } from "../../functions/lib/recommend/co-reading";
import { parseOptions } from "../cli/command";
import { loadBookDataset } from "../eval/books";
import { openFreshDatabase } from "../eval/fresh-database";
import { generateSynthetic } from "../eval/synthetic";
import { refreshBookNeighbours } from "../jobs/book-neighbours";
import type { BenchSuite } from "./index";

const OPTIONS = {
  readers: { type: "string", default: "53424" },
  books: { type: "string", default: "10000" },
  ratings: { type: "string", default: "5976479" },
  seed: { type: "string", default: "7" },
  "database-url": { type: "string" },
  "in-process-only": { type: "boolean", default: false },
} as const;

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

export const booksBench: BenchSuite = {
  name: "books",
  summary: "The nightly books step (co-reading) at goodbooks-10k's shape: in memory, then end to end on PostgreSQL",
  help: `options:
  --readers N --books N --ratings N   shape (default goodbooks-10k: 53,424 / 10,000 / 5,976,479)
  --seed N                            generator seed (default 7)
  --database-url URL                  PostgreSQL for the end-to-end step (default DATABASE_URL; a scratch database
                                      is created and dropped); without one only the in-memory scorer runs
  --in-process-only                   skip the database even when one is configured`,
  async run(args) {
    const o = parseOptions(args, OPTIONS);
    console.log(
      `machine load average at start: ${loadavg()
        .map((v) => v.toFixed(1))
        .join("/")}`,
    );
    let t = performance.now();
    const data = generateSynthetic({
      users: Number(o.readers),
      films: Number(o.books),
      ratings: Number(o.ratings),
      seed: Number(o.seed),
    });
    console.log(
      `generated ${data.ratings.length} ratings of ${o.books} books by ${o.readers} readers in ${Math.round(performance.now() - t)} ms`,
    );

    // In memory: the scorer alone, on the 4+ star fans (no films: the cross-catalogue half is measured at the
    // demo's scale by the nightly job).
    const byReader = new Map<number, number[]>();
    for (const r of data.ratings) {
      if (r.rating < 4) continue;
      const list = byReader.get(r.user) ?? [];
      list.push(r.movie - 1);
      byReader.set(r.user, list);
    }
    const books = [...byReader.values()].map((l) => Int32Array.from(l.sort((a, b) => a - b)));
    const fans = books.reduce((s, l) => s + l.length, 0);
    const before = process.memoryUsage().rss;
    t = performance.now();
    const pairs = coReading({
      books,
      films: books.map(() => new Int32Array(0)),
      bookCount: Number(o.books),
      filmCount: 0,
      filmFans: new Int32Array(0),
    });
    const scored = performance.now() - t;
    const work = books.reduce((s, l) => s + l.length * l.length, 0);
    console.log(
      `in memory: ${fans} fan ratings (4+ stars) of ${books.length} readers; sum of (books loved)^2 = ${work.toExponential(2)}; ` +
        `${pairs.books.anchor.length} book pairs in ${Math.round(scored)} ms (${((work / scored) * 1e3).toExponential(2)} pair updates/s); ` +
        `rss ${mib(before)} -> ${mib(process.memoryUsage().rss)} MiB`,
    );

    const url = o["database-url"] ?? process.env.DATABASE_URL;
    if (!url || o["in-process-only"]) {
      console.log("end to end: skipped (no PostgreSQL: set DATABASE_URL or --database-url)");
      return 0;
    }
    const fresh = await openFreshDatabase("marquee_bench_books", url, 4);
    try {
      t = performance.now();
      await loadBookDataset(fresh.db, [], data.ratings);
      console.log(`loaded into ${fresh.name} in ${Math.round(performance.now() - t)} ms`);
      t = performance.now();
      const summary = await refreshBookNeighbours(fresh.db);
      console.log(
        `books step end to end (load fans, score, write): ${summary.bookPairs} book pairs, ${summary.filmPairs} film-to-book pairs, ` +
          `${summary.readers} readers in ${Math.round(performance.now() - t)} ms; rss ${mib(process.memoryUsage().rss)} MiB; ` +
          `load average ${loadavg()[0].toFixed(1)}`,
      );
    } finally {
      await fresh.dispose();
    }
    return 0;
  },
};

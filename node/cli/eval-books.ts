/** `marquee eval --kind book`: the offline evaluation on book ratings (node/eval/books.ts). */
import { writeFile } from "node:fs/promises";
import { LocalEmbedder } from "../../functions/lib/embed/local";
import {
  evaluateBooks,
  formatBookEvalTable,
  loadBookDataset,
  parseBookRatings,
  parseGoodbooksBooks,
} from "../eval/books";
import { openFreshDatabase } from "../eval/fresh-database";
import { randomSplit } from "../eval/movielens";
import { backfillEmbeddings } from "../jobs/backfill-embeddings";
import { loadConfig } from "./command";

export interface BookEvalOptions {
  ratings: string;
  test?: string;
  books?: string;
  split: number;
  seed: number;
  k: number;
  relevant: number;
  json?: string;
  keep?: boolean;
  readText: (file: string) => Promise<string>;
}

export async function runBookEvaluation(o: BookEvalOptions): Promise<number> {
  const all = parseBookRatings(await o.readText(o.ratings));
  const { train, test } = o.test
    ? { train: all, test: parseBookRatings(await o.readText(o.test)) }
    : randomSplit(all, o.split, o.seed);
  const books = o.books ? parseGoodbooksBooks(await o.readText(o.books)) : [];
  const config = loadConfig();
  const fresh = await openFreshDatabase("marquee_eval_books", config.DATABASE_URL, 2);
  console.error(`evaluation database: ${fresh.name}`);
  try {
    const t0 = performance.now();
    const loaded = await loadBookDataset(fresh.db, books, train);
    console.error(
      `loaded ${loaded.ratings} training ratings, ${loaded.users} readers, ${loaded.books} books in ` +
        `${Math.round(performance.now() - t0)} ms; ${test.length} test ratings`,
    );
    // The content part of recommend_books reads embeddings: the offline local embedder, as on a fresh demo.
    await backfillEmbeddings(fresh.db, new LocalEmbedder(), { kind: "book", batchSize: 500, bulkThreshold: 200 });
    const rows = await evaluateBooks(fresh.db, train, test, {
      k: o.k,
      relevant: o.relevant,
      catalogueSize: loaded.books,
      onProgress: (done, total) => {
        if (done === total) console.error(`ranked ${total} readers`);
      },
    });
    console.log(formatBookEvalTable(rows, o.k));
    if (o.json) {
      const payload = {
        kind: "book",
        dataset: { ratings: o.ratings, test: o.test ?? null, books: o.books ?? null },
        split: o.split,
        seed: o.seed,
        k: o.k,
        relevant: o.relevant,
        train: train.length,
        test: test.length,
        results: rows,
      };
      await writeFile(o.json, `${JSON.stringify(payload, null, 2)}\n`);
    }
    return 0;
  } finally {
    await fresh.dispose({ keep: o.keep });
  }
}

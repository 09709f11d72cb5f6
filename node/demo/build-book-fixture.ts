/**
 * Builds the demo book fixture (node/demo/data/books.json) from goodbooks-10k's books.csv.
 *
 *   npx tsx node/demo/build-book-fixture.ts --books /path/to/goodbooks-10k/books.csv [--out FILE] [--count N]
 *
 * goodbooks-10k is CC BY-SA 4.0 (by Zygmunt Zając): the fixture derived from it carries the same licence and its
 * attribution (node/demo/data/BOOKS-LICENSE.md), beside the MIT code. Only facts are kept, and only the sound ones:
 * - titles, with the series suffix "(Series, #1)" moved to its own fields; authors; years; languages; rating counts;
 * - ISBN-10s with their lost leading zeros restored, kept only when the checksum holds; ISBN-13s derived from them
 *   (the CSV's own isbn13 is in scientific notation with digits lost, so it is never used);
 * - Goodreads ids under their own names (`work_id` is Goodreads', not Open Library's);
 * - cover URLs, except the "nophoto" placeholder a third of the rows carry.
 * The source has no subjects; none are invented.
 */
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MARC_LANGUAGES } from "../../functions/lib/openlibrary/map";
import { csvObjects } from "./build-fixture";

export const BOOK_COLUMNS = [
  "id",
  "title",
  "original_title",
  "authors",
  "year",
  "language",
  "isbn10",
  "isbn13",
  "goodreads_book_id",
  "goodreads_work_id",
  "series_name",
  "series_position",
  "average_rating",
  "rating_count",
  "cover_url",
] as const;

export type BookRow = [
  id: number,
  title: string,
  originalTitle: string | null,
  authors: string[],
  year: number | null,
  language: string | null,
  isbn10: string | null,
  isbn13: string | null,
  goodreadsBookId: number | null,
  goodreadsWorkId: number | null,
  seriesName: string | null,
  seriesPosition: string | null,
  averageRating: number,
  ratingCount: number,
  coverUrl: string | null,
];

export interface BookFixture {
  source: string;
  licence: string;
  columns: string[];
  books: BookRow[];
}

export const BOOK_ATTRIBUTION =
  "Facts only (titles, authors, years, languages, ISBNs, Goodreads ids, rating counts, cover URLs) derived from " +
  "goodbooks-10k by Zygmunt Zając (https://github.com/zygmuntz/goodbooks-10k), licensed CC BY-SA 4.0.";

/** goodbooks-10k's language codes are MARC's (and a few locales): the Open Library mapping reads them. */
const LANGUAGES = MARC_LANGUAGES;

/** An ISBN-10 from the CSV, leading zeros restored; null unless its check digit holds. */
export function repairIsbn10(raw: string | undefined): string | null {
  const text = (raw ?? "").trim().toUpperCase();
  if (!/^[0-9]{1,9}[0-9X]$/.test(text)) return null;
  const isbn = text.padStart(10, "0");
  let sum = 0;
  for (let k = 0; k < 10; k++) sum += (10 - k) * (isbn[k] === "X" ? 10 : Number(isbn[k]));
  return sum % 11 === 0 ? isbn : null;
}

/** The ISBN-13 of an ISBN-10 (prefix 978, new check digit). */
export function isbn13Of(isbn10: string): string {
  const core = `978${isbn10.slice(0, 9)}`;
  let sum = 0;
  for (let k = 0; k < 12; k++) sum += Number(core[k]) * (k % 2 === 0 ? 1 : 3);
  return `${core}${(10 - (sum % 10)) % 10}`;
}

/** "The Hunger Games (The Hunger Games, #1)" -> the title and its series; titles without a suffix stay whole. */
export function splitSeries(title: string): { title: string; series: string | null; position: string | null } {
  const m = /^(.*\S)\s*\(([^()]+?),?\s*#([0-9][0-9.-]*)\)\s*$/.exec(title);
  if (!m) return { title: title.trim(), series: null, position: null };
  return { title: m[1] as string, series: (m[2] as string).trim(), position: m[3] as string };
}

const int = (text: string | undefined) => {
  const v = Number(text);
  return text !== undefined && text.trim() !== "" && Number.isFinite(v) ? Math.trunc(v) : null;
};

/** The fixture rows for the `count` most-rated books of goodbooks-10k's books.csv. */
export function buildBookFixtureData(csv: string, count = 2000): BookFixture {
  const rows = csvObjects(csv)
    .map((r) => ({ r, ratings: int(r.work_ratings_count) ?? int(r.ratings_count) ?? 0 }))
    .sort((a, b) => b.ratings - a.ratings || Number(a.r.book_id) - Number(b.r.book_id))
    .slice(0, count);
  const books: BookRow[] = rows.map(({ r, ratings }) => {
    const { title, series, position } = splitSeries(r.title ?? "");
    const original = (r.original_title ?? "").trim();
    const isbn10 = repairIsbn10(r.isbn);
    const cover = (r.image_url ?? "").trim();
    const year = int(r.original_publication_year);
    return [
      Number(r.book_id),
      title,
      original && original !== title ? original : null,
      (r.authors ?? "")
        .split(",")
        .map((a) => a.trim())
        .filter(Boolean),
      year !== null && year >= -3000 && year <= 2200 ? year : null,
      LANGUAGES[(r.language_code ?? "").trim()] ?? null,
      isbn10,
      isbn10 ? isbn13Of(isbn10) : null,
      int(r.goodreads_book_id),
      int(r.work_id),
      series,
      position,
      Math.round(Number(r.average_rating || 0) * 100) / 100,
      ratings,
      /^https:\/\//.test(cover) && !/nophoto/.test(cover) ? cover : null,
    ];
  });
  return { source: BOOK_ATTRIBUTION, licence: "CC-BY-SA-4.0", columns: [...BOOK_COLUMNS], books };
}

/** One book per line, so that a rebuild's diff reads book by book. */
export function serializeBookFixture(fixture: BookFixture): string {
  return (
    `{"source":${JSON.stringify(fixture.source)},\n"licence":${JSON.stringify(fixture.licence)},\n` +
    `"columns":${JSON.stringify(fixture.columns)},\n` +
    `"books":[\n${fixture.books.map((b) => JSON.stringify(b)).join(",\n")}\n]}\n`
  );
}

export async function buildBookFixture(csvFile: string, outFile: string, count = 2000) {
  const fixture = buildBookFixtureData(await readFile(csvFile, "utf8"), count);
  const text = serializeBookFixture(fixture);
  await writeFile(outFile, text, "utf8");
  return { books: fixture.books.length, bytes: Buffer.byteLength(text) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const get = (name: string) => {
    const k = argv.indexOf(name);
    return k >= 0 ? argv[k + 1] : undefined;
  };
  const books = get("--books");
  if (!books) throw new Error("usage: build-book-fixture.ts --books FILE [--out FILE] [--count N]");
  const out = resolve(get("--out") ?? fileURLToPath(new URL("./data/books.json", import.meta.url)));
  const count = Number.parseInt(get("--count") ?? "2000", 10);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer`);
  const result = await buildBookFixture(books, out, count);
  console.log(`wrote ${result.books} books, ${result.bytes} bytes to ${out}`);
}

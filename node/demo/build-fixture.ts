/**
 * Builds the demo catalogue fixture (node/demo/data/films.json) from the Kaggle "TMDB 5000" CSVs.
 *
 *   npx tsx node/demo/build-fixture.ts --tmdb /path/to/tmdb-5000 [--out FILE] [--count N]
 *
 * The dataset's terms forbid redistributing it, so only facts are kept (ids, titles, dates, numbers, genre and
 * keyword labels, names). Overviews, taglines, homepages and anything else written as prose never leave the CSVs.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const FILM_COLUMNS = [
  "id",
  "title",
  "original_title",
  "release_date",
  "runtime",
  "original_language",
  "genres",
  "keywords",
  "cast",
  "director",
  "popularity",
  "vote_average",
  "vote_count",
] as const;

/** One film row of the fixture, in FILM_COLUMNS order; original_title is null when it equals title. */
export type FilmRow = [
  id: number,
  title: string,
  originalTitle: string | null,
  releaseDate: string,
  runtime: number | null,
  originalLanguage: string | null,
  genres: string[],
  keywords: string[],
  cast: string[],
  director: string | null,
  popularity: number,
  voteAverage: number,
  voteCount: number,
];

export interface FilmFixture {
  source: string;
  genres: [id: number, name: string][];
  columns: string[];
  films: FilmRow[];
}

export const SOURCE_ATTRIBUTION =
  "Facts only (ids, titles, dates, runtimes, genres, keywords, cast and director names, TMDB popularity and votes) " +
  "from the Kaggle 'TMDB 5000 Movie Dataset', whose data comes from The Movie Database (TMDB), " +
  "https://www.themoviedb.org. This product uses the TMDB API but is not endorsed or certified by TMDB.";

const KEYWORD_LIMIT = 12;
const CAST_LIMIT = 6;

/**
 * Parses RFC 4180 CSV: fields separated by commas, optionally quoted; inside quotes a doubled quote is a quote and
 * commas and line breaks are literal. Accepts LF and CRLF line ends. Returns every record, header included.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  const n = text.length;
  // A file that ends with a line break has no trailing empty record; one that does not still ends its last record.
  while (i < n) {
    let field: string;
    if (text.charCodeAt(i) === 34 /* " */) {
      // Slicing between quote pairs, rather than appending characters one by one, keeps the 40 MB credits file fast.
      let value = "";
      let start = i + 1;
      for (;;) {
        const q = text.indexOf('"', start);
        if (q === -1) throw new Error(`unterminated quoted field starting at offset ${i}`);
        value += text.slice(start, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          start = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      field = value;
      const c = text.charCodeAt(i);
      if (i < n && c !== 44 && c !== 10 && c !== 13) {
        throw new Error(`unexpected character after closing quote at offset ${i}`);
      }
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13) break;
        j++;
      }
      field = text.slice(i, j);
      i = j;
    }
    record.push(field);
    const c = text.charCodeAt(i);
    if (c === 44) {
      i++;
      // A trailing comma means one more, empty, field.
      if (i === n) record.push("");
    } else {
      if (c === 13) i++;
      if (text.charCodeAt(i) === 10) i++;
      records.push(record);
      record = [];
    }
  }
  return records;
}

/** Turns CSV records into objects keyed by the header row. */
export function csvObjects(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows
    .filter((row) => !(row.length === 1 && row[0] === ""))
    .map((row) => {
      if (row.length !== header.length) {
        throw new Error(`CSV row has ${row.length} fields, header has ${header.length}: ${row.slice(0, 2).join(",")}`);
      }
      return Object.fromEntries(header.map((name, k) => [name, row[k] as string]));
    });
}

interface Named {
  id?: number;
  name: string;
}
interface CastMember {
  name: string;
  order: number;
}
interface CrewMember {
  name: string;
  job: string;
}

function json<T>(text: string | undefined, fallback: T): T {
  return text ? (JSON.parse(text) as T) : fallback;
}

function numberOrNull(text: string | undefined): number | null {
  if (text === undefined || text.trim() === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** Reads both CSVs and returns the fixture for the `count` films with the most votes. */
export async function buildFixtureData(tmdbDir: string, count = 1500): Promise<FilmFixture> {
  const [moviesCsv, creditsCsv] = await Promise.all([
    readFile(join(tmdbDir, "tmdb_5000_movies.csv"), "utf8"),
    readFile(join(tmdbDir, "tmdb_5000_credits.csv"), "utf8"),
  ]);
  const credits = new Map<number, Record<string, string>>();
  for (const row of csvObjects(creditsCsv)) credits.set(Number(row.movie_id), row);

  const candidates = csvObjects(moviesCsv)
    .filter((m) => /^\d{4}-\d{2}-\d{2}$/.test(m.release_date ?? ""))
    .map((m) => ({ row: m, id: Number(m.id), votes: Number(m.vote_count) || 0 }))
    .sort((a, b) => b.votes - a.votes || a.id - b.id)
    .slice(0, count);

  const genres = new Map<number, string>();
  const films: FilmRow[] = candidates.map(({ row, id, votes }) => {
    const filmGenres = json<Named[]>(row.genres, []);
    for (const g of filmGenres) if (g.id !== undefined) genres.set(g.id, g.name);
    const credit = credits.get(id);
    const cast = json<CastMember[]>(credit?.cast, [])
      .slice()
      .sort((a, b) => a.order - b.order)
      .slice(0, CAST_LIMIT)
      .map((c) => c.name);
    const directors = [
      ...new Set(
        json<CrewMember[]>(credit?.crew, [])
          .filter((c) => c.job === "Director")
          .map((c) => c.name),
      ),
    ];
    const title = row.title as string;
    const originalTitle = row.original_title && row.original_title !== title ? row.original_title : null;
    const runtime = numberOrNull(row.runtime);
    const language = row.original_language?.trim() || null;
    return [
      id,
      title,
      originalTitle,
      row.release_date as string,
      // TMDB records an unknown runtime as 0; null says "unknown" without implying a zero-minute film.
      runtime ? Math.round(runtime) : null,
      language,
      filmGenres.map((g) => g.name),
      json<Named[]>(row.keywords, [])
        .slice(0, KEYWORD_LIMIT)
        .map((k) => k.name.toLowerCase()),
      cast,
      directors.length > 0 ? directors.join(", ") : null,
      Math.round((numberOrNull(row.popularity) ?? 0) * 100) / 100,
      numberOrNull(row.vote_average) ?? 0,
      votes,
    ];
  });

  return {
    source: SOURCE_ATTRIBUTION,
    genres: [...genres].sort((a, b) => a[0] - b[0]),
    columns: [...FILM_COLUMNS],
    films,
  };
}

/**
 * Serialises the fixture compactly but one film per line, so that a regenerated fixture diffs film by film.
 */
export function serializeFixture(fixture: FilmFixture): string {
  const lines = fixture.films.map((film) => JSON.stringify(film));
  return (
    `{"source":${JSON.stringify(fixture.source)},\n` +
    `"genres":${JSON.stringify(fixture.genres)},\n` +
    `"columns":${JSON.stringify(fixture.columns)},\n` +
    `"films":[\n${lines.join(",\n")}\n]}\n`
  );
}

/** Builds the fixture and writes it to outFile; returns the number of films written and the file size. */
export async function buildFixture(
  tmdbDir: string,
  outFile: string,
  count = 1500,
): Promise<{ films: number; genres: number; bytes: number }> {
  const fixture = await buildFixtureData(tmdbDir, count);
  const text = serializeFixture(fixture);
  await writeFile(outFile, text, "utf8");
  return { films: fixture.films.length, genres: fixture.genres.length, bytes: Buffer.byteLength(text) };
}

function parseArgs(argv: string[]): { tmdb: string; out: string; count: number } {
  const defaults = { out: fileURLToPath(new URL("./data/films.json", import.meta.url)), count: 1500 };
  let tmdb: string | undefined;
  let { out, count } = defaults;
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    const value = argv[k + 1];
    if (arg === "--tmdb" && value) tmdb = value;
    else if (arg === "--out" && value) out = value;
    else if (arg === "--count" && value) count = Number.parseInt(value, 10);
    else throw new Error(`unknown or incomplete argument: ${arg}`);
    k++;
  }
  if (!tmdb) throw new Error("usage: build-fixture.ts --tmdb DIR [--out FILE] [--count N]");
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, got ${count}`);
  return { tmdb, out: resolve(out), count };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  const result = await buildFixture(args.tmdb, args.out, args.count);
  console.log(`wrote ${result.films} films, ${result.genres} genres, ${result.bytes} bytes to ${args.out}`);
}

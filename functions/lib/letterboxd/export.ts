/**
 * The Letterboxd export format (Settings › Data): which files hold which signal, the columns each must have, and
 * one CSV record turned into an import row. Headers are matched by name, so extra or reordered columns are fine;
 * a missing one is a clear error naming the file and the column.
 */
import { CsvError, parseCsv, textChunks } from "./csv";
import { isZip, openZipEntry, readZipDirectory, ZipError } from "./zip";

/** What a row says: a current rating, a like, a watchlist entry, a watched film, or a dated viewing. */
export type RowKind = "rating" | "like" | "watchlist" | "watched" | "diary";

// A type alias, not an interface, so that rows pass as Json to db.rpc.
export type ImportRow = {
  kind: RowKind;
  name: string;
  year: number | null;
  uri: string | null;
  /** The row's Date column (when it was logged, rated, liked or added). */
  date: string | null;
  rating: number | null;
  watched_date: string | null;
  rewatch: boolean;
};

/** A wrong or corrupt upload; `status` is the HTTP status it deserves (400, 413 or 415). */
export class ExportError extends Error {
  override name = "ExportError";
  constructor(
    message: string,
    readonly status: 400 | 413 | 415 = 400,
  ) {
    super(message);
  }
}

interface FileFormat {
  kind: RowKind;
  columns: string[];
}

const BASE = ["Date", "Name", "Year", "Letterboxd URI"];

/** The files of an export that carry signals, by their path inside the ZIP. Others (profile, lists...) are skipped. */
export const EXPORT_FILES: Record<string, FileFormat> = {
  "ratings.csv": { kind: "rating", columns: [...BASE, "Rating"] },
  "likes/films.csv": { kind: "like", columns: BASE },
  "watchlist.csv": { kind: "watchlist", columns: BASE },
  "watched.csv": { kind: "watched", columns: BASE },
  "diary.csv": { kind: "diary", columns: [...BASE, "Rating", "Rewatch", "Watched Date"] },
  // A review is a diary entry with text: its URI is the entry's, so it and the diary row are one viewing.
  "reviews.csv": { kind: "diary", columns: [...BASE, "Rating", "Rewatch", "Watched Date"] },
};

/** Which export file a single uploaded CSV is, by its name (likes may come as films.csv or likes-films.csv). */
export function formatForUpload(fileName: string): { path: string; format: FileFormat } | undefined {
  const base = fileName.toLowerCase().replace(/^.*[\\/]/, "");
  const path = base === "films.csv" || base === "likes-films.csv" || base === "likes.csv" ? "likes/films.csv" : base;
  const format = EXPORT_FILES[path];
  return format ? { path, format } : undefined;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(value: string | undefined): string | null {
  if (!value) return null;
  return DATE.test(value) && !Number.isNaN(Date.parse(value)) ? value : null;
}

export interface ExportSource {
  /** File path as it appears in the export. */
  path: string;
  kind: RowKind;
  /** Records, header first. */
  records(): AsyncGenerator<string[]>;
}

export interface ExportLimits {
  /** Largest inflated size of one file inside a ZIP. */
  maxEntryBytes: number;
}

/**
 * The signal files of an upload: a ZIP export (its known files, wherever the export's top folder puts them) or
 * one CSV named after its export file. Throws ExportError for anything else.
 */
export function exportSources(fileName: string, bytes: Uint8Array, limits: ExportLimits): ExportSource[] {
  if (isZip(bytes)) {
    let entries: ReturnType<typeof readZipDirectory>;
    try {
      entries = readZipDirectory(bytes);
    } catch (error) {
      if (error instanceof ZipError) throw new ExportError(`the ZIP file is corrupt: ${error.message}`);
      throw error;
    }
    const sources: ExportSource[] = [];
    for (const entry of entries) {
      const path = Object.keys(EXPORT_FILES).find((p) => entry.name === p || entry.name.endsWith(`/${p}`));
      // "deleted/" and "orphaned/" hold removed entries, which must not come back as signals.
      if (!path || /(^|\/)(deleted|orphaned)\//.test(entry.name)) continue;
      if (path === "watched.csv" && entry.name.endsWith("likes/watched.csv")) continue;
      sources.push({
        path,
        kind: EXPORT_FILES[path].kind,
        records: () => parseCsv(textChunks(openZipEntry(bytes, entry, limits.maxEntryBytes))),
      });
    }
    if (sources.length === 0) {
      throw new ExportError(
        `the ZIP holds none of the export's files (${Object.keys(EXPORT_FILES).join(", ")}); is it a Letterboxd export?`,
      );
    }
    return sources;
  }
  const known = formatForUpload(fileName);
  if (!known) {
    throw new ExportError(
      `"${fileName}" is neither a ZIP export nor one of its CSV files (${Object.keys(EXPORT_FILES).join(", ")})`,
      415,
    );
  }
  return [{ path: known.path, kind: known.format.kind, records: () => parseCsv(textChunks(bytesStream(bytes))) }];
}

/**
 * The signal files among already extracted export files (a folder, as the sample export comes), by their path
 * relative to the export's folder. Throws ExportError when none is one.
 */
export function extractedSources(files: { path: string; bytes: Uint8Array }[]): ExportSource[] {
  const sources: ExportSource[] = [];
  for (const file of files) {
    const path = Object.keys(EXPORT_FILES).find((p) => file.path === p || file.path.endsWith(`/${p}`));
    if (!path || /(^|\/)(deleted|orphaned)\//.test(file.path)) continue;
    sources.push({ path, kind: EXPORT_FILES[path].kind, records: () => parseCsv(textChunks(bytesStream(file.bytes))) });
  }
  if (sources.length === 0) throw new ExportError("none of the export's files is there");
  return sources;
}

function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** Column positions of a header; throws ExportError naming the first missing column. */
export function headerIndex(path: string, header: string[]): Record<string, number> {
  const index: Record<string, number> = {};
  header.forEach((name, i) => {
    index[name.trim()] = i;
  });
  const missing = EXPORT_FILES[path].columns.filter((c) => index[c] === undefined);
  if (missing.length > 0) {
    throw new ExportError(
      `${path} is missing the column${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")} ` +
        `(its header is: ${header.join(",").slice(0, 200)})`,
    );
  }
  return index;
}

/** One record as an import row; throws ExportError for a value that cannot be right (the line is named). */
export function toImportRow(
  kind: RowKind,
  path: string,
  line: number,
  record: string[],
  at: Record<string, number>,
): ImportRow | undefined {
  const get = (column: string) => (at[column] === undefined ? undefined : record[at[column]]?.trim());
  const name = get("Name");
  if (!name) return undefined;
  if (name.length > 500) throw new ExportError(`${path} row ${line}: the film name is longer than 500 characters`);
  const yearText = get("Year");
  const year = yearText ? Number(yearText) : null;
  if (year !== null && !(Number.isInteger(year) && year >= 1870 && year <= 2200)) {
    throw new ExportError(`${path} row ${line}: "${yearText?.slice(0, 20)}" is not a year`);
  }
  const ratingText = get("Rating");
  let rating: number | null = null;
  if (ratingText) {
    rating = Number(ratingText);
    if (!(rating >= 0.5 && rating <= 5 && Number.isInteger(rating * 2))) {
      throw new ExportError(`${path} row ${line}: rating "${ratingText.slice(0, 20)}" is not 0.5 to 5 in half stars`);
    }
  }
  if (kind === "rating" && rating === null) return undefined;
  const uri = get("Letterboxd URI") || null;
  return {
    kind,
    name,
    year,
    uri: uri && uri.length <= 200 ? uri : null,
    date: validDate(get("Date")),
    rating,
    watched_date: validDate(get("Watched Date")),
    rewatch: /^yes$/i.test(get("Rewatch") ?? ""),
  };
}

/** CSV and ZIP faults as ExportError, so they answer 400 with the parser's reason. */
export function asExportError(error: unknown, path: string): unknown {
  if (error instanceof ExportError) return error;
  if (error instanceof CsvError) return new ExportError(`${path} is not valid CSV: ${error.message}`);
  if (error instanceof ZipError) return new ExportError(`the ZIP file is corrupt: ${error.message}`);
  if (error instanceof TypeError && /decod|encod|utf/i.test(error.message)) {
    return new ExportError(`${path} is not UTF-8 text`);
  }
  // DecompressionStream rejects bad deflate data with a plain TypeError or Error depending on the runtime.
  if (
    error instanceof Error &&
    /deflate|compress|zlib|incorrect header|invalid (block|distance|code)/i.test(error.message)
  ) {
    return new ExportError(`the ZIP file is corrupt: ${path} cannot be inflated`);
  }
  return error;
}

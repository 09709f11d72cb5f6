/**
 * An Open Library work, as the search listed it and as its work record and editions describe it, mapped to the row
 * upsert_openlibrary_books writes. Only checksum-valid ISBNs are kept; MARC language codes become ISO 639-1.
 * Runtime-neutral.
 */
import type { OpenLibraryEdition, OpenLibraryWork, SearchDoc } from "./client";

/** MARC 21 language codes (Open Library's, goodbooks-10k's) and a few locales, as ISO 639-1. */
export const MARC_LANGUAGES: Record<string, string> = {
  eng: "en",
  "en-US": "en",
  "en-GB": "en",
  "en-CA": "en",
  en: "en",
  spa: "es",
  fre: "fr",
  ger: "de",
  ita: "it",
  jpn: "ja",
  por: "pt",
  ara: "ar",
  nl: "nl",
  dut: "nl",
  swe: "sv",
  nor: "no",
  dan: "da",
  fin: "fi",
  pol: "pl",
  rus: "ru",
  tur: "tr",
  ind: "id",
  per: "fa",
  fil: "tl",
  vie: "vi",
  rum: "ro",
  gre: "el",
  heb: "he",
  chi: "zh",
  kor: "ko",
  cze: "cs",
  hun: "hu",
};

export interface OpenLibraryBookRow {
  ol_work_id: string;
  title: string;
  authors: string[];
  first_published_year: number | null;
  language: string | null;
  isbn13: string[];
  isbn10: string[];
  goodreads_book_id: number | null;
  subjects: string[];
  average_rating: number;
  rating_count: number;
  cover_url: string | null;
}

export function validIsbn10(s: string): boolean {
  if (!/^[0-9]{9}[0-9X]$/.test(s)) return false;
  let sum = 0;
  for (let k = 0; k < 10; k++) sum += (10 - k) * (s[k] === "X" ? 10 : Number(s[k]));
  return sum % 11 === 0;
}

export function validIsbn13(s: string): boolean {
  if (!/^97[89][0-9]{10}$/.test(s)) return false;
  let sum = 0;
  for (let k = 0; k < 13; k++) sum += Number(s[k]) * (k % 2 === 0 ? 1 : 3);
  return sum % 10 === 0;
}

const clean = (s: string) => s.replace(/[-\s]/g, "").toUpperCase();
const distinct = (xs: string[], cap: number) => [...new Set(xs)].sort().slice(0, cap);

/** The book row of a work; null when the work has no usable title. */
export function mapWork(
  id: string,
  listing: Partial<SearchDoc>,
  work: OpenLibraryWork,
  editions: OpenLibraryEdition[],
): OpenLibraryBookRow | null {
  const title = (work.title ?? listing.title ?? "").trim();
  if (!title || title.length > 500) return null;
  const year =
    listing.first_publish_year ?? Number(/\b(\d{4})\b/.exec(work.first_publish_date ?? "")?.[1] ?? Number.NaN);
  const languages = [
    ...(listing.language ?? []),
    ...editions.flatMap((e) => (e.languages ?? []).map((l) => l.key.replace(/^\/languages\//, ""))),
  ];
  const language = languages.map((l) => MARC_LANGUAGES[l]).find(Boolean) ?? null;
  const goodreads = [...(listing.id_goodreads ?? []), ...editions.flatMap((e) => e.identifiers?.goodreads ?? [])]
    .map(Number)
    .find((n) => Number.isInteger(n) && n > 0 && n <= 2_147_483_647);
  const cover =
    work.covers?.find((c) => c > 0) ?? (listing.cover_i && listing.cover_i > 0 ? listing.cover_i : undefined);
  const average = listing.ratings_average;
  return {
    ol_work_id: id,
    title,
    authors: (listing.author_name ?? [])
      .map((a) => a.trim())
      .filter(Boolean)
      .slice(0, 20),
    first_published_year: Number.isInteger(year) && year >= -3000 && year <= 2200 ? year : null,
    language,
    isbn13: distinct(editions.flatMap((e) => (e.isbn_13 ?? []).map(clean)).filter(validIsbn13), 20),
    isbn10: distinct(editions.flatMap((e) => (e.isbn_10 ?? []).map(clean)).filter(validIsbn10), 20),
    goodreads_book_id: goodreads ?? null,
    subjects: distinct(
      (work.subjects ?? []).map((s) => s.trim()).filter((s) => s.length > 0 && s.length <= 100),
      25,
    ),
    average_rating: average !== undefined && average >= 0 && average <= 5 ? Math.round(average * 100) / 100 : 0,
    rating_count: Math.max(0, listing.ratings_count ?? 0),
    cover_url: cover ? `https://covers.openlibrary.org/b/id/${cover}-L.jpg` : null,
  };
}

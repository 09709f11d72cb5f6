/**
 * Reasons for similar books and book recommendations, from the evidence get_similar_books and recommend_books
 * return. The wording rules of reasons.ts hold: say what the user did or what the data shows, with the number
 * behind it. The cross-catalogue reason names the film and how many people loved both, never more than that.
 * Runtime-neutral.
 */
import type { RpcRow } from "../db/port";

export type BookReasonSource = "co_reading" | "film_fans" | "content" | "popular";

export interface BookReason {
  source: BookReasonSource;
  text: string;
  evidence: Record<string, unknown>;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const count = (v: number) => v.toLocaleString("en-US");
const stars = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const people = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** Strongest tie first: series, authors, subjects, co-reading. */
export function similarBookReasons(r: RpcRow<"get_similar_books">): BookReason[] {
  const title = String(r.source_title);
  const reasons: BookReason[] = [];
  if (r.same_series) {
    reasons.push({
      source: "content",
      text: `Also in ${theSeries(r.same_series)}, like ${title}`,
      evidence: { shared: "series", series: r.same_series },
    });
  }
  const authors = (r.shared_authors ?? []).filter(Boolean);
  if (authors.length > 0) {
    reasons.push({
      source: "content",
      text: `Also by ${list(authors)}`,
      evidence: { shared: "authors", authors },
    });
  }
  const subjects = (r.shared_subjects ?? []).filter(Boolean);
  if (subjects.length > 0) {
    reasons.push({
      source: "content",
      text: `Shares subjects with ${title}: ${list(subjects.slice(0, 3).map((s) => `“${s}”`))}`,
      evidence: { shared: "subjects", subjects },
    });
  }
  const readers = num(r.co_readers) ?? 0;
  if (readers > 0) {
    reasons.push({
      source: "co_reading",
      text: `${people(readers, "reader", "readers")} who loved ${title} loved this too`,
      evidence: { coReaders: readers, similarity: num(r.co_reading_similarity) },
    });
  }
  return reasons;
}

/** Each source the row says contributed, with its evidence; the largest contribution first. */
export function bookRecommendationReasons(r: RpcRow<"recommend_books">): BookReason[] {
  const parts: { weight: number; reason: BookReason }[] = [];
  const co = num(r.co_readers) ?? 0;
  if (r.because_book_title && co > 0) {
    const rated = num(r.because_book_rating);
    const did =
      rated === null ? `you liked ${r.because_book_title}` : `you rated ${r.because_book_title} ${stars(rated)} stars`;
    parts.push({
      weight: 0.4 * (num(r.co_reading_score) ?? 0),
      reason: {
        source: "co_reading",
        text: `${did.charAt(0).toUpperCase()}${did.slice(1)}, and ${people(co, "reader", "readers")} who loved it loved this too`,
        evidence: { bookId: num(r.because_book_id), title: r.because_book_title, rating: rated, coReaders: co },
      },
    });
  }
  const fans = num(r.film_fans) ?? 0;
  if (r.because_movie_title && fans > 0) {
    parts.push({
      weight: 0.25 * (num(r.film_fans_score) ?? 0),
      reason: {
        source: "film_fans",
        text: `${people(fans, "person", "people")} who loved the film ${r.because_movie_title}, as you did, loved this book`,
        evidence: { movieId: num(r.because_movie_id), title: r.because_movie_title, fans },
      },
    });
  }
  const content = num(r.content_score) ?? 0;
  if (content > 0) {
    const anchor = r.content_because_title;
    const text = r.same_series
      ? `Next in ${theSeries(r.same_series)}, after ${anchor}, which you liked`
      : r.shared_author
        ? `By ${r.shared_author}, who wrote ${anchor}, which you liked`
        : "Close in title, authors and themes to the books you liked";
    parts.push({
      weight: 0.2 * content,
      reason: {
        source: "content",
        text,
        evidence: { series: r.same_series ?? null, author: r.shared_author ?? null, title: anchor ?? null },
      },
    });
  }
  if ((r.sources ?? []).includes("popular") && r.book) {
    const n = Number(r.book.rating_count ?? 0);
    const mean = Number(r.book.average_rating ?? 0);
    parts.push({
      weight: 0.15 * (num(r.popularity_score) ?? 0),
      reason: {
        source: "popular",
        text: `Popular with readers: ${mean.toFixed(2)} stars on average from ${count(n)} ratings`,
        evidence: { ratingCount: n, averageRating: mean },
      },
    });
  }
  return parts.sort((a, b) => b.weight - a.weight).map((p) => p.reason);
}

/** "the Dune Chronicles series", and "The Hunger Games series" rather than "the The Hunger Games series". */
export function theSeries(name: string): string {
  return /^the\s/i.test(name) ? `${name} series` : `the ${name} series`;
}

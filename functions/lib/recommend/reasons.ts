/**
 * Human-readable reasons for recommendations, from the evidence columns the SQL functions return. Runtime-neutral.
 * Wording rules: say what the user did or what the data shows, with the number behind it; never a bare "because".
 */

export type Source = "item" | "cf" | "content" | "popular";
/** What a reason rests on: a ranking source, or "books" (the cross-catalogue evidence, which does not rank). */
export type ReasonSource = Source | "books";

export interface Reason {
  source: ReasonSource;
  text: string;
  evidence: Record<string, unknown>;
}

import type { RpcRow } from "../db/port";

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const stars = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const count = (v: number) => v.toLocaleString("en-US");

const SIGNAL_TEXT: Record<string, (title: string) => string> = {
  superlike: (t) => `you loved ${t}`,
  like: (t) => `you liked ${t}`,
  watchlist: (t) => `${t} is on your watchlist`,
  seen: (t) => `you have seen ${t}`,
};

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "genre:Science Fiction" -> "Science Fiction"; "director:Ridley Scott" -> "films by Ridley Scott". */
export function describeFeature(feature: string): string {
  const [kind, ...rest] = feature.split(":");
  const value = rest.join(":");
  if (kind === "director") return `films by ${value}`;
  if (kind === "cast") return `films with ${value}`;
  if (kind === "keyword") return `“${value}”`;
  return value;
}

/** A feature two films share: "genre:Animation" -> "the Animation genre"; "director:X" -> "director X". */
export function describeShared(feature: string): string {
  const [kind, ...rest] = feature.split(":");
  const value = rest.join(":");
  if (kind === "director") return `director ${value}`;
  if (kind === "cast") return `${value} in the cast`;
  if (kind === "keyword") return `the keyword “${value}”`;
  return `the ${value} genre`;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

export interface ReasonContext {
  /** The genre filter, for "popular in Science Fiction". */
  genre?: string;
  /** Trending window, for "this month". */
  windowDays?: number | null;
}

export function popularityReason(r: Row, context: ReasonContext = {}): Reason | undefined {
  const n = num(r.popular_count ?? r.rating_count);
  const mean = num(r.popular_mean ?? r.rating_mean);
  if (n === null || mean === null) return undefined;
  const where = context.genre ? `popular in ${context.genre}` : "popular with Marquee viewers";
  const when =
    context.windowDays === 7
      ? " this week"
      : context.windowDays === 30
        ? " this month"
        : context.windowDays
          ? ` in the last ${context.windowDays} days`
          : "";
  return {
    source: "popular",
    text: `${capitalise(where)}${when}: ${mean.toFixed(1)} stars on average from ${count(n)} ratings`,
    evidence: { ratingCount: n, averageRating: round(mean, 2), windowDays: context.windowDays ?? null },
  };
}

/** The reasons for one get_recommendations row, in the order of its sources (largest contribution first). */
export function recommendationReasons(row: RpcRow<"get_recommendations">, context: ReasonContext = {}): Reason[] {
  // The evidence (recommendation_row) with the titles it quotes, which travel beside it.
  // Object.assign, not a spread followed by properties: in V8 that literal costs ~2 us a row (see toMovieSummary).
  const r: Row = Object.assign({} as Row, row.recommendation, {
    item_because_title: row.item_because_title,
    content_because_title: row.content_because_title,
  });
  const sources = (r.sources as Source[] | null) ?? [];
  const reasons: Reason[] = [];
  for (const source of sources) {
    if (source === "item" && r.item_because_id !== null && r.item_because_id !== undefined) {
      const title = String(r.item_because_title);
      const rating = num(r.item_because_rating);
      const signal = (r.item_because_signal as string | null) ?? null;
      const text =
        rating !== null && rating >= 3
          ? `you rated ${title} ${stars(rating)} stars`
          : signal && SIGNAL_TEXT[signal]
            ? SIGNAL_TEXT[signal](title)
            : `you rated ${title}`;
      reasons.push({
        source,
        text: `${capitalise(text)}, and people who watch it also watch this`,
        evidence: {
          movieId: Number(r.item_because_id),
          title,
          yourRating: rating,
          yourSignal: signal,
          similarity: round(Number(r.item_similarity ?? 0), 3),
        },
      });
    } else if (source === "cf" && num(r.cf_neighbours)) {
      const n = Number(r.cf_neighbours);
      const corr = Number(r.cf_correlation);
      const mean = Number(r.cf_neighbour_mean);
      reasons.push({
        source,
        text:
          n === 1
            ? `A user with taste like yours (correlation ${corr.toFixed(2)}) rated it ${stars(round(mean, 1))}`
            : `${n} users with taste like yours (correlation ${corr.toFixed(2)}) rated it ${mean.toFixed(1)} on average`,
        evidence: { neighbours: n, correlation: round(corr, 3), averageRating: round(mean, 2) },
      });
    } else if (source === "content") {
      const features = ((r.content_features as string[] | null) ?? []).filter(Boolean);
      if (r.content_method === "embedding") {
        // recommend_content names a film only when it is one the user liked (4 stars or more, like, superlike),
        // close above the calibrated similarity, and sharing features with this one; otherwise it lists only what
        // this film shares with the films the user liked, and nothing when it shares nothing.
        if (r.content_because_id === null || r.content_because_id === undefined) {
          if (features.length)
            reasons.push({
              source,
              text: `Shares ${list(features.map(describeShared))} with films you liked`,
              evidence: { method: "embedding", sharedFeatures: features },
            });
        } else if (features.length) {
          reasons.push({
            source,
            text: `Shares ${list(features.map(describeShared))} with ${r.content_because_title}, which you liked`,
            evidence: {
              method: "embedding",
              movieId: Number(r.content_because_id),
              title: r.content_because_title,
              sharedFeatures: features,
            },
          });
        }
      } else if (features.length) {
        reasons.push({
          source,
          text: `Matches your taste for ${list(features.map(describeFeature))}`,
          evidence: { method: "features", features },
        });
      }
    } else if (source === "popular") {
      const reason = popularityReason(r, context);
      if (reason) reasons.push(reason);
    }
  }
  const books = bookReason(row);
  if (books) reasons.push(books);
  return reasons;
}

/**
 * The cross-catalogue reason (film_book_evidence): a book the user loved whose readers loved this film. Evidence,
 * not a ranking source, so it comes after the sources' reasons; absent when no loved book's readers loved the film.
 */
export function bookReason(row: {
  book_because_id?: number | null;
  book_because_title?: string | null;
  book_because_readers?: number | null;
}): Reason | undefined {
  const readers = num(row.book_because_readers);
  if (row.book_because_id === null || row.book_because_id === undefined || !readers) return undefined;
  const title = String(row.book_because_title);
  return {
    source: "books",
    text: `${readers === 1 ? "1 person" : `${count(readers)} people`} who loved the book ${title}, as you did, loved this film`,
    evidence: { bookId: Number(row.book_because_id), title, readers },
  };
}

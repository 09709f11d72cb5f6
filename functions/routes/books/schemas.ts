/** Shapes shared by the book endpoints (catalogue, similar, search, ratings, recommendations). */
import { z } from "@hono/zod-openapi";
import type { RpcRow } from "../../lib/db/port";
import type { BookCard } from "../../lib/db/rpc-types";

const ID_MESSAGE = "must be a positive integer (a Marquee book id)";

export const BookId = z.coerce
  .number({ error: ID_MESSAGE })
  .int(ID_MESSAGE)
  .min(1, ID_MESSAGE)
  .max(2_147_483_647, "is too large for a book id")
  .openapi({ example: 126, description: "Marquee book id (the demo keeps goodbooks-10k's book_id)." });

/** A book id in a JSON body: a JSON integer, never a string. */
export const BodyBookId = z
  .number({ error: ID_MESSAGE })
  .int(ID_MESSAGE)
  .min(1, ID_MESSAGE)
  .max(2_147_483_647, "is too large for a book id")
  .openapi({ example: 126 });

export const BookSummary = z
  .object({
    kind: z.literal("book"),
    id: z.number().int().openapi({ example: 126 }),
    title: z.string().openapi({ example: "Dune" }),
    originalTitle: z.string().nullable(),
    authors: z.array(z.string()).openapi({ example: ["Frank Herbert"] }),
    year: z.number().int().nullable().openapi({ example: 1965, description: "Year of first publication." }),
    language: z.string().nullable().openapi({ example: "en", description: "ISO 639-1." }),
    subjects: z.array(z.string()),
    series: z
      .object({ name: z.string(), position: z.string().nullable() })
      .nullable()
      .openapi({ example: { name: "Dune Chronicles", position: "1" } }),
    averageRating: z.number().openapi({ description: "Mean stars 0..5 of the source's readers." }),
    ratingCount: z.number().int(),
    rating: z.number().openapi({ description: "Bayesian-weighted average (what sort=rating orders by)." }),
    coverUrl: z.string().nullable(),
  })
  .openapi("BookSummary");

export const BookDetail = BookSummary.extend({
  isbn13: z.array(z.string()).openapi({ example: ["9780340839935"] }),
  isbn10: z.array(z.string()),
  openLibraryWorkId: z.string().nullable().openapi({ example: "OL893415W" }),
  goodreadsBookId: z.number().int().nullable(),
  goodreadsWorkId: z.number().int().nullable(),
  hasEmbedding: z.boolean().openapi({ description: "Whether semantic search and similarity can use this book." }),
  updatedAt: z.string().openapi({ description: "When the catalogue row last changed (ISO 8601)." }),
}).openapi("BookDetail");

export type BookSummaryT = z.infer<typeof BookSummary>;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The book card every book function returns (its `book` column), as the API shows it. */
export function toBookSummary(card: BookCard | null): BookSummaryT {
  if (!card) throw new Error("a book row without its book card");
  return {
    kind: "book",
    id: Number(card.id),
    title: String(card.title),
    originalTitle: card.original_title ?? null,
    authors: card.authors ?? [],
    year: num(card.first_published_year),
    language: card.language ?? null,
    subjects: card.subjects ?? [],
    series: card.series_name ? { name: card.series_name, position: card.series_position ?? null } : null,
    averageRating: Number(card.average_rating ?? 0),
    ratingCount: Number(card.rating_count ?? 0),
    rating: Math.round(Number(card.weighted_rating ?? 0) * 100) / 100,
    coverUrl: card.cover_url ?? null,
  };
}

export function toBookDetail(r: RpcRow<"get_book">): z.infer<typeof BookDetail> {
  return Object.assign(toBookSummary(r.book), {
    isbn13: r.isbn13 ?? [],
    isbn10: r.isbn10 ?? [],
    openLibraryWorkId: r.ol_work_id ?? null,
    goodreadsBookId: num(r.goodreads_book_id),
    goodreadsWorkId: num(r.goodreads_work_id),
    hasEmbedding: Boolean(r.has_embedding),
    updatedAt: new Date(r.updated_at ?? "").toISOString(),
  });
}

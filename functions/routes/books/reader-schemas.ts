/**
 * Shapes of a reader's book ratings and signals. The rules are the films' (ratings/schemas.ts,
 * interactions/schemas.ts): the same stars, page query, signed cursor and signal types; only the item differs.
 */
import { z } from "@hono/zod-openapi";
import { MOVIE_TYPES } from "../interactions/schemas";
import { Stars } from "../ratings/schemas";
import { BodyBookId } from "./schemas";

const iso = (v: unknown) => new Date(v as string).toISOString();
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export const BookRating = z
  .object({
    bookId: z.number().int(),
    rating: z.number(),
    createdAt: z.string().openapi({ format: "date-time" }),
    updatedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("BookRating");

export const RatedBook = BookRating.extend({
  title: z.string(),
  year: z.number().int().nullable(),
  coverUrl: z.string().nullable(),
}).openapi("RatedBook");

export const BookRatingList = z
  .object({
    data: z.array(RatedBook),
    nextCursor: z.string().nullable().openapi({ description: "Pass as cursor for the next page; null on the last." }),
  })
  .openapi("BookRatingList");

export function toBookRating(row: Record<string, unknown>): z.infer<typeof BookRating> {
  return {
    bookId: Number(row.book_id),
    rating: Number(row.rating),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toRatedBook(row: Record<string, unknown>): z.infer<typeof RatedBook> {
  return {
    ...toBookRating(row),
    title: String(row.title),
    year: num(row.first_published_year),
    coverUrl: (row.cover_url as string | null) ?? null,
  };
}

/** The film signal types that mean something for a book (watchlist reads "want to read", seen "read"). */
export const BOOK_TYPES = [...MOVIE_TYPES, "rate"] as const;

export const BookInteractionBody = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.enum(MOVIE_TYPES), bookId: BodyBookId }),
    z.strictObject({ type: z.literal("rate"), bookId: BodyBookId, rating: Stars }),
  ])
  .openapi("BookInteractionRequest", {
    description:
      "view, click, like, superlike, dislike, seen (read), hide and watchlist (want to read) need bookId; rate needs bookId and rating (it also sets your rating).",
  });

export const BookInteraction = z
  .object({
    id: z.number().int(),
    type: z.enum(BOOK_TYPES),
    bookId: z.number().int(),
    title: z.string().nullable().optional(),
    year: z.number().int().nullable().optional(),
    rating: z.number().nullable(),
    weight: z.number().openapi({ description: "What the signal counts for in recommendations (signal_weights)." }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("BookInteraction");

export const BookInteractionList = z
  .object({
    data: z.array(BookInteraction),
    nextCursor: z.string().nullable().openapi({ description: "Pass as cursor for the next page; null on the last." }),
  })
  .openapi("BookInteractionList");

export function toBookInteraction(row: Record<string, unknown>): z.infer<typeof BookInteraction> {
  return {
    id: Number(row.id),
    type: row.type as z.infer<typeof BookInteraction>["type"],
    bookId: Number(row.book_id),
    ...("title" in row ? { title: (row.title as string | null) ?? null, year: num(row.first_published_year) } : {}),
    rating: num(row.rating),
    weight: Number(row.weight ?? 0),
    createdAt: iso(row.created_at),
  };
}

/**
 * GET /v1/books/{id}/similar (and GET /recommendations/similar/book/{id}, the CineLibre alias in
 * movies/list-similar-movies.ts): books similar to a book by series, authors, subjects and meaning, and by
 * co-reading (readers who loved both), with reasons naming what is shared. Public; cached 15 minutes.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { errorResponses } from "../../errors";
import { similarBookReasons } from "../../lib/recommend/book-reasons";
import { LIST_MAX_AGE, publicCache } from "../../middleware/cache";
import { BookId, BookSummary, toBookSummary } from "./schemas";

export const BookReason = z
  .object({
    source: z.enum(["co_reading", "film_fans", "content", "popular"]).openapi({
      description:
        "co_reading: readers who loved a book you loved; film_fans: people who loved a film you loved; content: " +
        "series, authors, subjects; popular.",
    }),
    text: z.string().openapi({ example: "12 readers who loved Dune loved this too" }),
    evidence: z.record(z.string(), z.unknown()).openapi({ description: "The numbers behind the text." }),
  })
  .openapi("BookReason");

export const SimilarBooksQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(20).openapi({ description: "At most 50." }),
});

export const SimilarBook = BookSummary.extend({
  similarity: z.number().openapi({ description: "Blended similarity 0..1: 1 - (1 - content)(1 - co-reading)." }),
  coReading: z.number().nullable().openapi({ description: "Co-reading part (null when no reader loved both)." }),
  content: z.number().nullable().openapi({ description: "Series, authors, subjects and meaning, combined." }),
  reasons: z.array(BookReason),
}).openapi("SimilarBook");

export const SimilarBookList = z.object({ data: z.array(SimilarBook) }).openapi("SimilarBookList");

export const route = createRoute({
  method: "get",
  path: "/v1/books/{id}/similar",
  tags: ["Books"],
  summary: "Books similar to a book",
  description:
    "Books similar to this one: the same series, a shared author, shared subjects and closeness in meaning, " +
    "combined so that one strong tie is enough, then blended with co-reading (loved by the same readers, trusted " +
    "by how many). Each reason names what is shared. Cached 15 minutes.",
  middleware: [publicCache(LIST_MAX_AGE)] as const,
  request: {
    params: z.object({ id: BookId.openapi({ param: { name: "id", in: "path" } }) }),
    query: SimilarBooksQuery,
  },
  responses: {
    200: {
      description: "Similar books, most similar first.",
      content: { "application/json": { schema: SimilarBookList } },
    },
    304: { description: "Not modified (If-None-Match matched the ETag)." },
    ...errorResponses(400, 404, 405),
  },
});

const round = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 10_000) / 10_000);

/** Shared with the CineLibre alias GET /recommendations/similar/book/{id}. */
export async function listSimilarBooks(c: AppContext, id: number, limit: number) {
  const rows = await c.get("services").db.rpc("get_similar_books", { p_book_id: id, p_limit: limit });
  return {
    data: rows.map((r) =>
      Object.assign(toBookSummary(r.book), {
        similarity: round(r.score) ?? 0,
        coReading: round(r.co_reading_similarity),
        content: round(r.content_similarity),
        reasons: similarBookReasons(r),
      }),
    ),
  };
}

export function register(app: App) {
  app.openapi(route, async (c) =>
    c.json(await listSimilarBooks(c, c.req.valid("param").id, c.req.valid("query").limit), 200),
  );
}

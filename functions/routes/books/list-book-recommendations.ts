/**
 * GET /v1/recommendations/books: a reader's next books with reasons, in one round trip (recommend_books): readers
 * who loved the same books, people who loved the same films (the cross-catalogue signal), shared authors and
 * series, and popularity. Never cached: a new rating or like changes the next answer. GET /v1/recommendations?kind=book
 * answers the same (bookRecommendations).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { errorResponses } from "../../errors";
import { bookRecommendationReasons } from "../../lib/recommend/book-reasons";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { BookReason } from "./list-similar-books";
import { BookSummary, toBookSummary } from "./schemas";

const SOURCES = ["co_reading", "film_fans", "content", "popular"] as const;

const Query = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(20).openapi({ description: "At most 50." }),
});

export const RecommendedBook = BookSummary.extend({
  score: z.number().openapi({ description: "Blended score 0..1; only the order is meaningful." }),
  sources: z.array(z.enum(SOURCES)).openapi({ description: "The sources that found it." }),
  reasons: z.array(BookReason).openapi({ description: "Largest contribution first." }),
}).openapi("RecommendedBook");

export const BookRecommendationList = z
  .object({
    kind: z.literal("book"),
    coldStart: z
      .boolean()
      .openapi({ description: "True when you have loved no book and no film yet: the list is popular books." }),
    data: z.array(RecommendedBook),
  })
  .openapi("BookRecommendationList");

export const route = createRoute({
  method: "get",
  path: "/v1/recommendations/books",
  tags: ["Recommendations", "Books"],
  summary: "My book recommendations",
  description:
    "Books for you (kind book), blended from co-reading (readers who loved the books you loved), film fans (people " +
    "who loved the films you loved and loved these books), shared authors and series or closeness in meaning, and " +
    "popularity. Books you rated, liked, disliked, read, hid or want to read are left out. With no loved book or " +
    "film yet, popular books. Each book says why.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { query: Query },
  responses: {
    200: {
      description: "Your book recommendations, best first.",
      content: { "application/json": { schema: BookRecommendationList } },
    },
    ...errorResponses(400, 401, 405),
  },
});

/** A reader's book recommendations as the API answers them (this route and GET /v1/recommendations?kind=book). */
export async function bookRecommendations(c: AppContext, limit: number) {
  const user = currentUser(c);
  const rows = await c
    .get("services")
    .db.rpc("recommend_books", { p_user_id: user.id, p_limit: limit }, { jwt: user.token });
  c.header("Cache-Control", "private, no-store");
  return {
    kind: "book" as const,
    coldStart: rows.length === 0 || rows[0]?.cold_start === true,
    data: rows.map((r) =>
      Object.assign(toBookSummary(r.book), {
        score: Math.round(Number(r.score ?? 0) * 10_000) / 10_000,
        sources: (r.sources ?? []) as (typeof SOURCES)[number][],
        reasons: bookRecommendationReasons(r),
      }),
    ),
  };
}

export function register(app: App) {
  app.openapi(route, async (c) => c.json(await bookRecommendations(c, c.req.valid("query").limit), 200));
}

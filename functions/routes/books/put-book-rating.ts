/** PUT /v1/book-ratings/{bookId}: rate a book, or change its rating. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { Stars } from "../ratings/schemas";
import { BookRating, toBookRating } from "./reader-schemas";
import { BookId } from "./schemas";

export const route = createRoute({
  method: "put",
  path: "/v1/book-ratings/{bookId}",
  tags: ["Ratings"],
  summary: "Rate a book",
  description: "Creates or replaces your rating of a book (0.5 to 5.0 in half steps). 201 when new, 200 when changed.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: {
    params: z.object({ bookId: BookId.openapi({ param: { name: "bookId", in: "path" } }) }),
    body: { required: true, content: { "application/json": { schema: z.strictObject({ rating: Stars }) } } },
  },
  responses: {
    200: { description: "Rating changed.", content: { "application/json": { schema: BookRating } } },
    201: { description: "Rating created.", content: { "application/json": { schema: BookRating } } },
    ...errorResponses(400, 401, 404, 405, 413, 415),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { bookId } = c.req.valid("param");
    const { rating } = c.req.valid("json");
    const user = currentUser(c);
    const [row] = await c
      .get("services")
      .db.rpc("put_book_rating", { p_user_id: user.id, p_book_id: bookId, p_rating: rating }, { jwt: user.token });
    if (!row) throw new ApiError("INTERNAL", "rating was not stored");
    return c.json(toBookRating(row), row.created === true ? 201 : 200);
  });
}

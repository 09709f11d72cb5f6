/** DELETE /v1/book-ratings/{bookId}: take back your rating of a book. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { BookId } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/v1/book-ratings/{bookId}",
  tags: ["Ratings"],
  summary: "Delete my rating of a book",
  description: "404 when you have not rated the book (whether or not anyone else has).",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { params: z.object({ bookId: BookId.openapi({ param: { name: "bookId", in: "path" } }) }) },
  responses: {
    204: { description: "Rating deleted." },
    ...errorResponses(400, 401, 404, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { bookId } = c.req.valid("param");
    const user = currentUser(c);
    const rows = await c
      .get("services")
      .db.rpc("delete_book_rating", { p_user_id: user.id, p_book_id: bookId }, { jwt: user.token });
    if (rows.length === 0) throw new ApiError("NOT_FOUND", `you have not rated book ${bookId}`);
    return c.body(null, 204);
  });
}

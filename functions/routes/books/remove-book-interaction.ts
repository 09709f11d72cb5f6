/** DELETE /v1/book-interactions/{type}/{bookId}: take back a like, superlike, dislike, seen, hide or watchlist entry on a book. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { REMOVABLE_TYPES } from "../interactions/schemas";
import { BookId } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/v1/book-interactions/{type}/{bookId}",
  tags: ["Interactions"],
  summary: "Remove a like, hide or want-to-read entry on a book",
  description: "404 when you have no such entry for the book.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: {
    params: z.object({
      type: z.enum(REMOVABLE_TYPES).openapi({ param: { name: "type", in: "path" } }),
      bookId: BookId.openapi({ param: { name: "bookId", in: "path" } }),
    }),
  },
  responses: {
    204: { description: "Removed." },
    ...errorResponses(400, 401, 404, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { type, bookId } = c.req.valid("param");
    const user = currentUser(c);
    const rows = await c
      .get("services")
      .db.rpc("remove_book_interaction", { p_user_id: user.id, p_type: type, p_book_id: bookId }, { jwt: user.token });
    if (rows.length === 0) throw new ApiError("NOT_FOUND", `you have no ${type} for book ${bookId}`);
    return c.body(null, 204);
  });
}

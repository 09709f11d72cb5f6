/** GET /v1/book-ratings/me: your book ratings, newest first, with each book's title, year and cover. */
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { decodeCursor, PageQuery, page } from "../ratings/schemas";
import { BookRatingList, toRatedBook } from "./reader-schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/book-ratings/me",
  tags: ["Ratings"],
  summary: "List my book ratings",
  description: "Your book ratings, most recently changed first, paginated with an opaque cursor.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { query: PageQuery },
  responses: {
    200: { description: "One page of your book ratings.", content: { "application/json": { schema: BookRatingList } } },
    ...errorResponses(400, 401, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const user = currentUser(c);
    const { config, db } = c.get("services");
    const after = cursor ? await decodeCursor(config.JWT_SECRET, "book-ratings", cursor) : undefined;
    const rows = await db.rpc(
      "list_my_book_ratings",
      { p_user_id: user.id, p_after_key: after?.k, p_after_book_id: after?.i, p_limit: limit + 1 },
      { jwt: user.token },
    );
    c.header("Cache-Control", "private, no-store");
    return c.json(await page(config.JWT_SECRET, "book-ratings", rows, limit, "book_id", toRatedBook), 200);
  });
}

/** POST /v1/book-interactions: record a signal on a book (view, click, like, superlike, dislike, seen, hide, watchlist, rate). */
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { BookInteraction, BookInteractionBody, toBookInteraction } from "./reader-schemas";

export const route = createRoute({
  method: "post",
  path: "/v1/book-interactions",
  tags: ["Interactions"],
  summary: "Record an interaction with a book",
  description:
    "The film rules: view and click are appended to your log; like/superlike/dislike/seen/hide/watchlist are kept " +
    "once per book (repeating one answers 200 with the existing entry), like, superlike and dislike replace each " +
    "other; rate also sets your rating of the book. Searches are recorded with POST /v1/interactions.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { body: { required: true, content: { "application/json": { schema: BookInteractionBody } } } },
  responses: {
    200: {
      description: "Already recorded; the existing entry.",
      content: { "application/json": { schema: BookInteraction } },
    },
    201: { description: "Recorded.", content: { "application/json": { schema: BookInteraction } } },
    ...errorResponses(400, 401, 404, 405, 413, 415),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const user = currentUser(c);
    const [row] = await c.get("services").db.rpc(
      "record_book_interaction",
      {
        p_user_id: user.id,
        p_type: body.type,
        p_book_id: body.bookId,
        p_rating: "rating" in body ? body.rating : undefined,
      },
      { jwt: user.token },
    );
    if (!row) throw new ApiError("INTERNAL", "interaction was not stored");
    return c.json(toBookInteraction(row), row.created === false ? 200 : 201);
  });
}

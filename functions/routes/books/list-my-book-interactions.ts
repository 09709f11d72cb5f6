/** GET /v1/book-interactions/me: your signals on books, newest first, optionally of one type. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { decodeCursor, PageQuery, page } from "../ratings/schemas";
import { BOOK_TYPES, BookInteractionList, toBookInteraction } from "./reader-schemas";

const Query = PageQuery.extend({
  type: z.enum(BOOK_TYPES).optional().openapi({ description: "Only this type." }),
});

export const route = createRoute({
  method: "get",
  path: "/v1/book-interactions/me",
  tags: ["Interactions"],
  summary: "List my interactions with books",
  description: "Your signals on books, newest first, with each book's title and year and the signal's weight.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { query: Query },
  responses: {
    200: { description: "One page of your signals.", content: { "application/json": { schema: BookInteractionList } } },
    ...errorResponses(400, 401, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { limit, cursor, type } = c.req.valid("query");
    const user = currentUser(c);
    const { config, db } = c.get("services");
    const after = cursor ? await decodeCursor(config.JWT_SECRET, "book-interactions", cursor) : undefined;
    const rows = await db.rpc(
      "list_my_book_interactions",
      { p_user_id: user.id, p_type: type, p_after_key: after?.k, p_after_id: after?.i, p_limit: limit + 1 },
      { jwt: user.token },
    );
    c.header("Cache-Control", "private, no-store");
    return c.json(await page(config.JWT_SECRET, "book-interactions", rows, limit, "id", toBookInteraction), 200);
  });
}

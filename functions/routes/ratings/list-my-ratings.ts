/** GET /v1/ratings/me: your ratings, newest first, with each film's title and year. */
import { createRoute } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { decodeCursor, PageQuery, page, RatingList, toRatedMovie } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/ratings/me",
  tags: ["Ratings"],
  summary: "List my ratings",
  description: "Your ratings, most recently changed first, paginated with an opaque cursor.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { query: PageQuery },
  responses: {
    200: { description: "One page of your ratings.", content: { "application/json": { schema: RatingList } } },
    ...errorResponses(400, 401, 405),
  },
});

/** Shared with the GET /ratings/my alias. */
export async function listMyRatings(c: AppContext, limit: number, cursor: string | undefined) {
  const user = currentUser(c);
  const { config, db } = c.get("services");
  const after = cursor ? await decodeCursor(config.JWT_SECRET, "ratings", cursor) : undefined;
  const rows = await db.rpc(
    "list_my_ratings",
    { p_user_id: user.id, p_after_key: after?.k, p_after_movie_id: after?.i, p_limit: limit + 1 },
    { jwt: user.token },
  );
  c.header("Cache-Control", "private, no-store");
  return page(config.JWT_SECRET, "ratings", rows, limit, "movie_id", toRatedMovie);
}

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    return c.json(await listMyRatings(c, limit, cursor), 200);
  });
}

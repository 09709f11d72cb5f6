/** POST /v1/interactions: record a signal (view, click, search, like, superlike, dislike, seen, hide, watchlist, rate). */
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { Interaction, InteractionBody, toInteraction } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/v1/interactions",
  tags: ["Interactions"],
  summary: "Record an interaction",
  description:
    "Implicit signals (view, click, search) are appended to your log. like/superlike/dislike/seen/hide/watchlist are " +
    "kept once per film (repeating one answers 200 with the existing entry), and like, superlike and dislike " +
    "replace each other. rate also sets your rating of the film.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { body: { required: true, content: { "application/json": { schema: InteractionBody } } } },
  responses: {
    200: {
      description: "Already recorded; the existing entry.",
      content: { "application/json": { schema: Interaction } },
    },
    201: { description: "Recorded.", content: { "application/json": { schema: Interaction } } },
    ...errorResponses(400, 401, 404, 405, 413, 415),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const user = currentUser(c);
    const [row] = await c.get("services").db.rpc(
      "record_interaction",
      {
        p_user_id: user.id,
        p_type: body.type,
        p_movie_id: "movieId" in body ? body.movieId : undefined,
        p_query: "query" in body ? body.query : undefined,
        p_rating: "rating" in body ? body.rating : undefined,
      },
      { jwt: user.token },
    );
    if (!row) throw new ApiError("INTERNAL", "interaction was not stored");
    return c.json(toInteraction(row), row.created === false ? 200 : 201);
  });
}

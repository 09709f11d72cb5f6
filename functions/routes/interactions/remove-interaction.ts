/** DELETE /v1/interactions/{type}/{movieId}: take back a like, superlike, dislike, seen, hide or watchlist entry. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { MovieId } from "../movies/schemas";
import { REMOVABLE_TYPES } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/v1/interactions/{type}/{movieId}",
  tags: ["Interactions"],
  summary: "Remove a like, hide or watchlist entry",
  description: "Unlike, unhide, remove from the watchlist... 404 when you have no such entry for the film.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: {
    params: z.object({
      type: z.enum(REMOVABLE_TYPES).openapi({ param: { name: "type", in: "path" } }),
      movieId: MovieId.openapi({ param: { name: "movieId", in: "path" } }),
    }),
  },
  responses: {
    204: { description: "Removed." },
    ...errorResponses(400, 401, 404, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { type, movieId } = c.req.valid("param");
    const user = currentUser(c);
    const rows = await c
      .get("services")
      .db.rpc("remove_interaction", { p_user_id: user.id, p_type: type, p_movie_id: movieId }, { jwt: user.token });
    if (rows.length === 0) throw new ApiError("NOT_FOUND", `you have no ${type} for movie ${movieId}`);
    return c.body(null, 204);
  });
}

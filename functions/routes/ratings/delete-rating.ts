/** DELETE /v1/ratings/{movieId}: take back your rating of a film. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { MovieId } from "../movies/schemas";

export const route = createRoute({
  method: "delete",
  path: "/v1/ratings/{movieId}",
  tags: ["Ratings"],
  summary: "Delete my rating of a film",
  description: "404 when you have not rated the film (whether or not anyone else has).",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { params: z.object({ movieId: MovieId.openapi({ param: { name: "movieId", in: "path" } }) }) },
  responses: {
    204: { description: "Rating deleted." },
    ...errorResponses(400, 401, 404, 405),
  },
});

/** Shared with the DELETE /ratings/{id} alias. */
export async function deleteRating(c: AppContext, movieId: number): Promise<void> {
  const user = currentUser(c);
  const rows = await c
    .get("services")
    .db.rpc("delete_rating", { p_user_id: user.id, p_movie_id: movieId }, { jwt: user.token });
  if (rows.length === 0) throw new ApiError("NOT_FOUND", `you have not rated movie ${movieId}`);
}

export function register(app: App) {
  app.openapi(route, async (c) => {
    await deleteRating(c, c.req.valid("param").movieId);
    return c.body(null, 204);
  });
}

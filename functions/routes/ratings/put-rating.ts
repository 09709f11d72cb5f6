/** PUT /v1/ratings/{movieId}: rate a film, or change its rating. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { MovieId } from "../movies/schemas";
import { Rating, Stars, toRating } from "./schemas";

export const route = createRoute({
  method: "put",
  path: "/v1/ratings/{movieId}",
  tags: ["Ratings"],
  summary: "Rate a film",
  description: "Creates or replaces your rating of a film (0.5 to 5.0 in half steps). 201 when new, 200 when changed.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: {
    params: z.object({ movieId: MovieId.openapi({ param: { name: "movieId", in: "path" } }) }),
    body: { required: true, content: { "application/json": { schema: z.strictObject({ rating: Stars }) } } },
  },
  responses: {
    200: { description: "Rating changed.", content: { "application/json": { schema: Rating } } },
    201: { description: "Rating created.", content: { "application/json": { schema: Rating } } },
    ...errorResponses(400, 401, 404, 405, 413, 415),
  },
});

/** Shared with the POST /ratings alias. */
export async function putRating(c: AppContext, movieId: number, rating: number) {
  const user = currentUser(c);
  const [row] = await c
    .get("services")
    .db.rpc("put_rating", { p_user_id: user.id, p_movie_id: movieId, p_rating: rating }, { jwt: user.token });
  if (!row) throw new ApiError("INTERNAL", "rating was not stored");
  return { body: toRating(row), status: row.created === true ? (201 as const) : (200 as const) };
}

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { movieId } = c.req.valid("param");
    const { rating } = c.req.valid("json");
    const { body, status } = await putRating(c, movieId, rating);
    return c.json(body, status);
  });
}

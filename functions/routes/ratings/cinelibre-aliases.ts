/**
 * CineLibre-compatible paths, kept as thin aliases of the /v1 rating endpoints so that its clients keep working:
 * POST /ratings (body `{ "movie_id", "rating" }`), GET /ratings/my, DELETE /ratings/{id} (id = the movie id).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { BEARER_AUTH, requireAuth } from "../../middleware/auth";
import { MovieId } from "../movies/schemas";
import { deleteRating } from "./delete-rating";
import { listMyRatings } from "./list-my-ratings";
import { putRating } from "./put-rating";
import { BodyMovieId, PageQuery, Rating, RatingList, Stars } from "./schemas";

export const postRoute = createRoute({
  method: "post",
  path: "/ratings",
  tags: ["Ratings"],
  summary: "Rate a film (CineLibre alias of PUT /v1/ratings/{movieId})",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: z.strictObject({ movie_id: BodyMovieId, rating: Stars }) } },
    },
  },
  responses: {
    200: { description: "Rating changed.", content: { "application/json": { schema: Rating } } },
    201: { description: "Rating created.", content: { "application/json": { schema: Rating } } },
    ...errorResponses(400, 401, 404, 405, 413, 415),
  },
});

export const listRoute = createRoute({
  method: "get",
  path: "/ratings/my",
  tags: ["Ratings"],
  summary: "List my ratings (CineLibre alias of GET /v1/ratings/me)",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { query: PageQuery },
  responses: {
    200: { description: "One page of your ratings.", content: { "application/json": { schema: RatingList } } },
    ...errorResponses(400, 401, 405),
  },
});

export const deleteRoute = createRoute({
  method: "delete",
  path: "/ratings/{id}",
  tags: ["Ratings"],
  summary: "Delete my rating (CineLibre alias of DELETE /v1/ratings/{movieId})",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { params: z.object({ id: MovieId.openapi({ param: { name: "id", in: "path" } }) }) },
  responses: {
    204: { description: "Rating deleted." },
    ...errorResponses(400, 401, 404, 405),
  },
});

export function register(app: App) {
  app.openapi(postRoute, async (c) => {
    const { movie_id, rating } = c.req.valid("json");
    const { body, status } = await putRating(c, movie_id, rating);
    return c.json(body, status);
  });
  app.openapi(listRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    return c.json(await listMyRatings(c, limit, cursor), 200);
  });
  app.openapi(deleteRoute, async (c) => {
    await deleteRating(c, c.req.valid("param").id);
    return c.body(null, 204);
  });
}

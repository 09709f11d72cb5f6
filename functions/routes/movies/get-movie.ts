/** GET /v1/movies/{id}: one film. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { DETAIL_MAX_AGE, publicCache } from "../../middleware/cache";
import { MovieDetail, MovieId, toMovieDetail } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/movies/{id}",
  tags: ["Catalogue"],
  summary: "Get a film",
  description: "Everything about one film. Cached 1 hour.",
  middleware: [publicCache(DETAIL_MAX_AGE)] as const,
  request: { params: z.object({ id: MovieId.openapi({ param: { name: "id", in: "path" } }) }) },
  responses: {
    200: { description: "The film.", content: { "application/json": { schema: MovieDetail } } },
    304: { description: "Not modified (If-None-Match matched the ETag)." },
    ...errorResponses(400, 404, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const [row] = await c.get("services").db.rpc("get_movie", { p_id: id });
    if (!row) throw new ApiError("NOT_FOUND", `movie ${id} not found`);
    return c.json(toMovieDetail(row), 200);
  });
}

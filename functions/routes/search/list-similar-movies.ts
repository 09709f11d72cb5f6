/** GET /v1/movies/{id}/similar: the films nearest to a film by embedding (content similarity). */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { LIST_MAX_AGE, publicCache } from "../../middleware/cache";
import { MovieId, MovieSummary, toMovieSummary } from "../movies/schemas";

const SimilarQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(20),
  genre: z.string().trim().min(1).max(64).optional(),
  language: z
    .string()
    .regex(/^[a-z]{2}$/, "must be an ISO 639-1 code like en")
    .optional(),
});

const SimilarHit = MovieSummary.extend({
  similarity: z.number().openapi({ description: "Cosine similarity to the film, -1..1." }),
}).openapi("SimilarMovie");

export const route = createRoute({
  method: "get",
  path: "/v1/movies/{id}/similar",
  tags: ["Search"],
  summary: "Films similar to a film",
  description: "Nearest films by embedding; empty when the film has no embedding yet. Cached 15 minutes.",
  middleware: [publicCache(LIST_MAX_AGE)] as const,
  request: { params: z.object({ id: MovieId.openapi({ param: { name: "id", in: "path" } }) }), query: SimilarQuery },
  responses: {
    200: {
      description: "Similar films, most similar first.",
      content: { "application/json": { schema: z.object({ data: z.array(SimilarHit) }).openapi("SimilarMovies") } },
    },
    304: { description: "Not modified (If-None-Match matched the ETag)." },
    ...errorResponses(400, 404, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    const db = c.get("services").db;
    const rows = await db.rpc<Record<string, unknown>>("similar_movies", {
      p_movie_id: id,
      p_genre: q.genre,
      p_language: q.language,
      p_limit: q.limit,
    });
    if (rows.length === 0 && (await db.rpc("get_movie", { p_id: id })).length === 0) {
      throw new ApiError("NOT_FOUND", `movie ${id} not found`);
    }
    const data = rows.map((r) => ({ ...toMovieSummary(r), similarity: Math.round(Number(r.similarity) * 1e4) / 1e4 }));
    return c.json({ data }, 200);
  });
}

/** GET /v1/taste-groups/{id}: a taste group, its label, and its characteristic films. Aggregates only. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import type { MovieCard } from "../../lib/db/rpc-types";
import { toMovieSummary } from "../movies/schemas";
import { TasteGroup } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/taste-groups/{id}",
  tags: ["Recommendations"],
  summary: "A taste group",
  request: {
    params: z.object({
      id: z.coerce
        .number()
        .int()
        .min(1)
        .max(1000)
        .openapi({ param: { name: "id", in: "path" } }),
    }),
  },
  responses: {
    200: { description: "The group.", content: { "application/json": { schema: TasteGroup } } },
    ...errorResponses(400, 404, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const [g] = await c.get("services").db.rpc("get_taste_group", { p_group_id: id });
    if (!g) throw new ApiError("NOT_FOUND", `taste group ${id} not found`);
    c.header("Cache-Control", "public, max-age=3600");
    return c.json(
      {
        id: Number(g.id),
        label: String(g.label),
        size: Number(g.size),
        topGenres: g.top_genres ?? [],
        topDecades: g.top_decades ?? [],
        topDirectors: g.top_directors ?? [],
        silhouette: g.silhouette === null ? null : Math.round(Number(g.silhouette) * 1000) / 1000,
        k: Number(g.k),
        computedAt: new Date(String(g.computed_at)).toISOString(),
        films: ((g.films ?? []) as MovieCard[]).map((m) => toMovieSummary(m)),
      },
      200,
    );
  });
}

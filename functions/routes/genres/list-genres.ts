/** GET /v1/genres: every genre with its film count. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { LIST_MAX_AGE, publicCache } from "../../middleware/cache";

const Genre = z
  .object({
    id: z.number().int().openapi({ example: 878 }),
    name: z.string().openapi({ example: "Science Fiction" }),
    movieCount: z.number().int(),
  })
  .openapi("Genre");

export const route = createRoute({
  method: "get",
  path: "/v1/genres",
  tags: ["Catalogue"],
  summary: "List genres",
  middleware: [publicCache(LIST_MAX_AGE)] as const,
  responses: {
    200: {
      description: "All genres, by name.",
      content: { "application/json": { schema: z.object({ data: z.array(Genre) }) } },
    },
    304: { description: "Not modified (If-None-Match matched the ETag)." },
    ...errorResponses(405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const rows = await c.get("services").db.rpc("list_genres");
    return c.json({ data: rows.map((r) => ({ id: r.id, name: r.name, movieCount: Number(r.movie_count) })) }, 200);
  });
}

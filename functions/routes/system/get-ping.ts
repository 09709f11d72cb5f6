/** GET /ping: liveness, no database. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";

export const route = createRoute({
  method: "get",
  path: "/ping",
  tags: ["System"],
  summary: "Liveness check",
  responses: {
    200: { description: "Alive.", content: { "application/json": { schema: z.object({ pong: z.literal(true) }) } } },
    ...errorResponses(405),
  },
});

export function register(app: App) {
  app.openapi(route, (c) => c.json({ pong: true as const }, 200));
}

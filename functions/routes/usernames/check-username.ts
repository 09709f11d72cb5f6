/** GET /api/test/{username} (the seeds' path): does a public profile have this username, and is its list cached. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { cacheState, deadline, modeErrorResponses, publicUser, UsernameParam } from "./shared";

export const route = createRoute({
  method: "get",
  path: "/api/test/{username}",
  tags: ["Usernames"],
  summary: "Does this username exist",
  description: "Private profiles and unknown names both answer 404.",
  request: { params: UsernameParam },
  responses: {
    200: {
      description: "It exists; mode says how /api/recomendacoes would answer now.",
      content: {
        "application/json": {
          schema: z
            .object({
              exists: z.literal(true),
              username: z.string(),
              displayName: z.string(),
              mode: z.enum(["ultra_fast", "fallback"]),
            })
            .openapi("UsernameCheck"),
        },
      },
    },
    ...modeErrorResponses(400, 404, 405, 503),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const left = deadline(c);
    const user = await publicUser(c, c.req.valid("param").username, left);
    const state = await cacheState(c, user.id, left);
    c.header("Cache-Control", "no-store");
    return c.json(
      {
        exists: true as const,
        username: user.username,
        displayName: user.displayName,
        mode: state.cached ? ("ultra_fast" as const) : ("fallback" as const),
      },
      200,
    );
  });
}

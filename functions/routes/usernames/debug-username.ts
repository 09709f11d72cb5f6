/**
 * GET /api/debug/{username} (the seeds' path): the user's data as the engine sees it: counts, average rating, top
 * genres, decades and directors, taste group, neighbours (how many, how similar; never who), the last nightly run
 * and the cached list. Only for the user themself or an operator.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { BEARER_AUTH, optionalUserOrOperator } from "../../middleware/auth";
import { TasteProfile, toTasteProfile } from "../taste/schemas";
import { cacheState, deadline, modeErrorResponses, publicUser, requireSelfOrOperator, UsernameParam } from "./shared";

export const route = createRoute({
  method: "get",
  path: "/api/debug/{username}",
  tags: ["Usernames"],
  summary: "The user's data as the engine sees it",
  middleware: [optionalUserOrOperator] as const,
  security: BEARER_AUTH,
  request: { params: UsernameParam },
  responses: {
    200: {
      description: "What the engine sees.",
      content: {
        "application/json": {
          schema: z
            .object({
              mode: z.enum(["ultra_fast", "fallback"]),
              username: z.string(),
              profile: TasteProfile,
            })
            .openapi("UsernameDebug"),
        },
      },
    },
    ...modeErrorResponses(400, 401, 403, 404, 405, 503),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const left = deadline(c);
    requireSelfOrOperator(c, undefined);
    const user = await publicUser(c, c.req.valid("param").username, left);
    requireSelfOrOperator(c, user);
    const [row] = await c.get("services").db.rpc("get_taste_profile", { p_user_id: user.id });
    const state = await cacheState(c, user.id, left);
    c.header("Cache-Control", "private, no-store");
    return c.json(
      {
        mode: state.cached ? ("ultra_fast" as const) : ("fallback" as const),
        username: user.username,
        profile: toTasteProfile(row),
      },
      200,
    );
  });
}

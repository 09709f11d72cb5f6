/**
 * GET /api/preload (the seeds' path): warms cached lists. An operator's token warms the PRELOAD_USERS most active
 * public profiles; a user's token warms their own. The work goes on after the answer, one user at a time.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { BEARER_AUTH, optionalUserOrOperator } from "../../middleware/auth";
import { computeList, modeErrorResponses, requireSelfOrOperator } from "./shared";

export const route = createRoute({
  method: "get",
  path: "/api/preload",
  tags: ["Usernames"],
  summary: "Cache the common users",
  middleware: [optionalUserOrOperator] as const,
  security: BEARER_AUTH,
  responses: {
    200: {
      description: "Queued; the lists are computed after the answer.",
      content: {
        "application/json": {
          schema: z.object({ mode: z.literal("fallback"), queued: z.number().int() }).openapi("Preload"),
        },
      },
    },
    ...modeErrorResponses(401, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    requireSelfOrOperator(c, undefined);
    const { db, config } = c.get("services");
    const ids = c.get("operator")
      ? (await db.rpc("list_preload_users", { p_limit: config.PRELOAD_USERS })).map((r) => String(r.user_id))
      : [String(c.get("userId"))];
    let chain = Promise.resolve();
    for (const id of ids) chain = chain.then(() => computeList(c, db, id)).catch(() => {});
    try {
      c.executionCtx.waitUntil(chain);
    } catch {
      // Node: the chain runs on by itself.
    }
    c.header("Cache-Control", "no-store");
    return c.json({ mode: "fallback" as const, queued: ids.length }, 200);
  });
}

/**
 * GET /api/cache/{username} (the seeds' path): computes and caches the user's list. It changes state, so it needs
 * the user's own token or an operator's. Waits for the list within the time budget: mode ultra_fast once cached,
 * fallback (still computing; the next call finds it) when the budget ran out first.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { BEARER_AUTH, optionalUserOrOperator } from "../../middleware/auth";
import {
  cacheState,
  computeList,
  deadline,
  isTimeout,
  modeErrorResponses,
  publicUser,
  requireSelfOrOperator,
  UsernameParam,
  withinBudget,
} from "./shared";

export const CacheStatus = z
  .object({
    mode: z.enum(["ultra_fast", "fallback"]),
    username: z.string(),
    cached: z.boolean(),
    computedAt: z.string().nullable(),
  })
  .openapi("UsernameCacheStatus");

export const route = createRoute({
  method: "get",
  path: "/api/cache/{username}",
  tags: ["Usernames"],
  summary: "Load a user into the cache",
  middleware: [optionalUserOrOperator] as const,
  security: BEARER_AUTH,
  request: { params: UsernameParam },
  responses: {
    200: { description: "Cached, or still computing.", content: { "application/json": { schema: CacheStatus } } },
    ...modeErrorResponses(400, 401, 403, 404, 405, 503),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const left = deadline(c);
    requireSelfOrOperator(c, undefined);
    const user = await publicUser(c, c.req.valid("param").username, left);
    requireSelfOrOperator(c, user);
    const done = await withinBudget(computeList(c, c.get("services").db, user.id), left());
    const state = isTimeout(done) ? { cached: false, computedAt: null } : await cacheState(c, user.id, () => 1000);
    c.header("Cache-Control", "no-store");
    return c.json(
      {
        mode: state.cached ? ("ultra_fast" as const) : ("fallback" as const),
        username: user.username,
        cached: state.cached,
        computedAt: state.computedAt,
      },
      200,
    );
  });
}

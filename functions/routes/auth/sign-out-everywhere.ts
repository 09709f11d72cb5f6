/** POST /v1/auth/logout-all: revoke every token of mine, on every device. */
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";

export const route = createRoute({
  method: "post",
  path: "/v1/auth/logout-all",
  tags: ["Accounts"],
  summary: "Sign out everywhere",
  description:
    "Revokes every token issued for the account so far, this one included: each answers 401 from now on. " +
    "Sign in again for a new one.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  responses: {
    204: { description: "Every token revoked." },
    ...errorResponses(401, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const user = currentUser(c);
    await c.get("services").db.rpc("revoke_tokens", { p_user_id: user.id });
    c.header("Cache-Control", "no-store");
    return c.body(null, 204);
  });
}

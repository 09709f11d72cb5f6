/** GET /v1/auth/me: the signed-in user's own profile. */
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { BEARER_AUTH, requireAuth } from "../../middleware/auth";
import { toUser, User } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/auth/me",
  tags: ["Accounts"],
  summary: "Who am I",
  description:
    "The profile behind the bearer token: id, email, username, display name, creation time. Never credentials.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  responses: {
    200: { description: "Your profile.", content: { "application/json": { schema: User } } },
    ...errorResponses(401, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const user = c.get("authUser");
    if (!user) throw new Error("requireAuth did not set authUser");
    c.header("Cache-Control", "private, no-store");
    return c.json(toUser(user), 200);
  });
}

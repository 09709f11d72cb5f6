/** GET /v1/auth/me: the signed-in user's own profile, with the settings PATCH /v1/auth/me edits. */
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth, unauthorized } from "../../middleware/auth";
import { Profile, toProfile } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/auth/me",
  tags: ["Accounts"],
  summary: "Who am I",
  description:
    "The profile behind the bearer token: id, email, username, display name, creation time, time zone, the " +
    "matching opt-in and whether the profile is public. Never credentials.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  responses: {
    200: { description: "Your profile.", content: { "application/json": { schema: Profile } } },
    ...errorResponses(401, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const user = currentUser(c);
    const [row] = await c.get("services").db.rpc("get_profile", { p_user_id: user.id }, { jwt: user.token });
    if (!row) throw unauthorized("token user does not exist");
    c.header("Cache-Control", "private, no-store");
    return c.json(toProfile(row), 200);
  });
}

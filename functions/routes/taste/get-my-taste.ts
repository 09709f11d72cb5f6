/** GET /v1/auth/me/taste: my stats and taste group: counts, average rating, top genres, decades and directors. */
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { TasteProfile, toTasteProfile } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/auth/me/taste",
  tags: ["Accounts"],
  summary: "My taste profile and group",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  responses: {
    200: { description: "Your stats.", content: { "application/json": { schema: TasteProfile } } },
    ...errorResponses(401, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const user = currentUser(c);
    const [row] = await c.get("services").db.rpc("get_taste_profile", { p_user_id: user.id }, { jwt: user.token });
    c.header("Cache-Control", "private, no-store");
    return c.json(toTasteProfile(row), 200);
  });
}

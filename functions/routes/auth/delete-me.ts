/** DELETE /v1/auth/me: delete my account and all my personal data. */
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";

export const route = createRoute({
  method: "delete",
  path: "/v1/auth/me",
  tags: ["Accounts"],
  summary: "Delete my account",
  description:
    "Deletes the account and all its personal data at once: profile, credentials, ratings, interactions, cached " +
    "recommendations and neighbour rows (deleted, not anonymised). Its tokens answer 401 from then on.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  responses: {
    204: { description: "Deleted." },
    ...errorResponses(401, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const user = currentUser(c);
    // As the service (no jwt): it deletes rows that name this user inside other users' data (neighbours).
    const deleted = await c.get("services").db.rpc("delete_account", {
      p_user_id: user.id,
    });
    c.get("logFields").accountDeleted = true;
    c.get("logFields").deletedRows = deleted.reduce((n, r) => n + Number(r.deleted), 0);
    c.header("Cache-Control", "no-store");
    return c.body(null, 204);
  });
}

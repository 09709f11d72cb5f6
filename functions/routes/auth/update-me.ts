/** PATCH /v1/auth/me: edit my profile (display name, username, time zone, matching opt-in, public profile). */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth, unauthorized } from "../../middleware/auth";
import { DisplayName, Profile, TimeZone, toProfile, Username } from "./schemas";

const UpdateProfileBody = z
  .strictObject({
    displayName: DisplayName.optional(),
    username: Username.nullable().optional().openapi({ description: "null removes it (and needs a private profile)." }),
    timeZone: TimeZone.optional(),
    matchable: z.boolean().optional(),
    publicProfile: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "give at least one field to change")
  .openapi("UpdateProfileRequest");

export const route = createRoute({
  method: "patch",
  path: "/v1/auth/me",
  tags: ["Accounts"],
  summary: "Edit my profile",
  description:
    "Changes only the fields given. `matchable` opts in to taste matching (GET /v1/matches): other users who " +
    "opted in may then see your display name and username, never your email. `publicProfile` makes your username " +
    "reachable by the username endpoints and needs a username. `timeZone` (IANA) sets when your stored " +
    "recommendation list expires (midnight there). A username taken by another account answers 409.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { body: { required: true, content: { "application/json": { schema: UpdateProfileBody } } } },
  responses: {
    200: { description: "The profile as changed.", content: { "application/json": { schema: Profile } } },
    ...errorResponses(400, 401, 405, 409, 413, 415),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const user = currentUser(c);
    const [row] = await c.get("services").db.rpc(
      "update_profile",
      {
        p_user_id: user.id,
        p_display_name: body.displayName,
        p_username: body.username ?? undefined,
        p_clear_username: body.username === null,
        p_time_zone: body.timeZone,
        p_matchable: body.matchable,
        p_public_profile: body.publicProfile,
      },
      { jwt: user.token },
    );
    if (!row) throw unauthorized("token user does not exist");
    c.header("Cache-Control", "no-store");
    return c.json(toProfile(row), 200);
  });
}

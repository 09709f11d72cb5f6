/** POST /v1/auth/register: create an account and sign in. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { hashPassword } from "../../lib/auth/password";
import type { AuthUserRow } from "../../middleware/auth";
import { DisplayName, Email, NewPassword, Session, sessionFor, Username } from "./schemas";

const RegisterBody = z
  .strictObject({
    email: Email,
    password: NewPassword,
    displayName: DisplayName,
    username: Username.optional(),
  })
  .openapi("RegisterRequest");

export const route = createRoute({
  method: "post",
  path: "/v1/auth/register",
  tags: ["Accounts"],
  summary: "Create an account",
  description:
    "Creates an account and returns a session token. Emails are compared case-insensitively; passwords are 8 to 256 characters.",
  request: { body: { required: true, content: { "application/json": { schema: RegisterBody } } } },
  responses: {
    201: { description: "Account created; signed in.", content: { "application/json": { schema: Session } } },
    ...errorResponses(400, 405, 409, 413, 415),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { db, config } = c.get("services");
    // Hashed here, so the password itself never travels to the database (or into its statement logs).
    const passwordHash = await hashPassword(body.password);
    const [row] = await db.rpc("register_user", {
      p_email: body.email,
      p_password_hash: passwordHash,
      p_display_name: body.displayName,
      p_username: body.username,
    });
    if (!row) throw new ApiError("INTERNAL", "registration returned no account");
    c.set("userId", String(row.id));
    c.header("Cache-Control", "no-store");
    return c.json(await sessionFor(config, row), 201);
  });
}

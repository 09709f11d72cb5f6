/** POST /v1/auth/register: create an account and sign in. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { clientAddress } from "../../lib/auth/client-address";
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
    "Creates an account and returns a session token. Emails are compared case-insensitively; passwords are 8 to 256 " +
    "characters, not only whitespace. A taken email or username answers 409 (registration tells which emails " +
    "exist; it is throttled per client: after a few registrations, each must wait a delay that doubles, 429).",
  request: { body: { required: true, content: { "application/json": { schema: RegisterBody } } } },
  responses: {
    201: { description: "Account created; signed in.", content: { "application/json": { schema: Session } } },
    ...errorResponses(400, 405, 409, 413, 415, 429),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { db, config } = c.get("services");
    const now = c.get("services").now ?? Date.now;
    // Counted before the hash is computed: a flood of registrations costs the server a row update each, no PBKDF2.
    const [throttle] = await db.rpc("throttle_attempt", {
      p_keys: [`register:${clientAddress(c)}`],
      p_free: [config.REGISTER_FREE_PER_CLIENT],
      p_now: new Date(now()).toISOString(),
      p_delay_base_seconds: config.REGISTER_DELAY_BASE_SECONDS,
      p_delay_max_seconds: config.REGISTER_WINDOW_SECONDS,
      p_window_seconds: config.REGISTER_WINDOW_SECONDS,
    });
    const retryAfter = throttle?.retry_after ?? 0;
    if (retryAfter > 0) {
      c.get("logFields").registerThrottled = true;
      throw new ApiError("TOO_MANY_REQUESTS", `too many registrations from this client; wait ${retryAfter} s`, {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
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

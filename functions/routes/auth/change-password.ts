/** POST /v1/auth/password: change my password; every other session ends. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { clientAddress } from "../../lib/auth/client-address";
import { hashPassword, verifyPassword } from "../../lib/auth/password";
import { type AuthUserRow, BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { GivenPassword, NewPassword, Session, sessionFor } from "./schemas";

const ChangePasswordBody = z
  .strictObject({ currentPassword: GivenPassword, newPassword: NewPassword })
  .openapi("ChangePasswordRequest");

export const route = createRoute({
  method: "post",
  path: "/v1/auth/password",
  tags: ["Accounts"],
  summary: "Change my password",
  description:
    "Checks the current password (throttled like sign-in), stores the new one, and revokes every token issued " +
    "before, this one included: the answer is a new session. A wrong current password answers 403.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { body: { required: true, content: { "application/json": { schema: ChangePasswordBody } } } },
  responses: {
    200: { description: "Changed; a new session.", content: { "application/json": { schema: Session } } },
    ...errorResponses(400, 401, 403, 405, 413, 415),
  },
});

interface Attempt {
  retry_after: number;
  user_id: string | null;
  password_hash: string | null;
}

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { currentPassword, newPassword } = c.req.valid("json");
    const { db, config } = c.get("services");
    const user = currentUser(c);
    const email = c.get("authUser")?.email as string;
    const client = clientAddress(c);
    const now = c.get("services").now ?? Date.now;
    c.header("Cache-Control", "no-store");
    // The same counters as sign-in: a stolen token must not become a way to guess the password.
    const [attempt] = await db.rpc("begin_login", {
      p_email: email,
      p_client: client,
      p_now: new Date(now()).toISOString(),
      p_free_per_client: config.LOGIN_FREE_FAILURES,
      p_free_per_account: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      p_delay_base_seconds: config.LOGIN_DELAY_BASE_SECONDS,
      p_delay_max_seconds: config.LOGIN_DELAY_MAX_SECONDS,
      p_window_seconds: config.LOGIN_WINDOW_SECONDS,
    });
    const retryAfter = Number(attempt?.retry_after ?? 0);
    if (retryAfter > 0) {
      throw new ApiError("TOO_MANY_REQUESTS", `too many failed password checks; wait ${retryAfter} s`, {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
    const ok = await verifyPassword(currentPassword, attempt?.password_hash);
    if (!ok || attempt?.user_id !== user.id) throw new ApiError("FORBIDDEN", "the current password is wrong");
    const [row] = await db.rpc("change_password", {
      p_user_id: user.id,
      p_email: email,
      p_client: client,
      p_new_password_hash: await hashPassword(newPassword),
    });
    if (!row) throw new ApiError("UNAUTHORIZED", "token user does not exist");
    return c.json(await sessionFor(config, row), 200);
  });
}

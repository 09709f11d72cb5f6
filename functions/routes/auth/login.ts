/** POST /v1/auth/login: exchange email and password for a session token, with brute-force throttling. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { clientAddress } from "../../lib/auth/client-address";
import { hashPassword, needsRehash, verifyPassword } from "../../lib/auth/password";
import type { AuthUserRow } from "../../middleware/auth";
import { Email, GivenPassword, Session, sessionFor } from "./schemas";

const LoginBody = z
  .strictObject({
    email: Email,
    // No minimum here: the rules for new passwords may change, the accounts made under older ones stay.
    password: GivenPassword,
  })
  .openapi("LoginRequest");

export const route = createRoute({
  method: "post",
  path: "/v1/auth/login",
  tags: ["Accounts"],
  summary: "Sign in",
  description:
    "Returns a session token. A wrong password and an unknown email answer the same 401 in the same time. " +
    "After a few failures from one client on one account (or many on one account from everywhere), each attempt " +
    "must wait a delay that doubles per failure: earlier attempts answer 429 with Retry-After. Never a lockout.",
  request: { body: { required: true, content: { "application/json": { schema: LoginBody } } } },
  responses: {
    200: { description: "Signed in.", content: { "application/json": { schema: Session } } },
    ...errorResponses(400, 401, 405, 413, 415, 429),
  },
});

interface Attempt {
  retry_after: number;
  user_id: string | null;
  password_hash: string | null;
}

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { email, password } = c.req.valid("json");
    const { db, config } = c.get("services");
    const client = clientAddress(c);
    c.header("Cache-Control", "no-store");
    const now = c.get("services").now ?? Date.now;
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
      c.get("logFields").loginThrottled = true;
      throw new ApiError(
        "TOO_MANY_REQUESTS",
        `too many failed sign-in attempts; wait ${retryAfter} s before the next`,
        {
          headers: { "Retry-After": String(retryAfter) },
        },
      );
    }
    // Always one full PBKDF2 derivation, also for an unknown email (verifyPassword uses a dummy hash then).
    const ok = await verifyPassword(password, attempt?.password_hash);
    if (!ok || !attempt?.user_id || !attempt.password_hash) {
      throw new ApiError("UNAUTHORIZED", "invalid email or password");
    }
    const upgraded = needsRehash(attempt.password_hash) ? await hashPassword(password) : undefined;
    const [row] = await db.rpc("complete_login", {
      p_email: email,
      p_client: client,
      p_user_id: attempt.user_id,
      p_new_password_hash: upgraded,
    });
    if (!row) throw new ApiError("UNAUTHORIZED", "invalid email or password");
    c.set("userId", String(row.id));
    return c.json(await sessionFor(config, row), 200);
  });
}

/**
 * Bearer-token authentication for routes: `createRoute({ middleware: [requireAuth] as const, security:
 * [{ bearerAuth: [] }] })`. Verifies the token (lib/auth/tokens.ts), checks that its user still exists and is not
 * deleted and that the token's version is the user's current one (not revoked), and puts the user id
 * (`c.get("userId")`) and the raw token (`c.get("authToken")`, for `db.rpc(fn, args, { jwt })` so Supabase
 * applies RLS as that user) on the context. Every refusal is 401 with
 * `WWW-Authenticate: Bearer error="invalid_token"`. The token itself never reaches a log line.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { InvalidTokenError, isServiceRoleToken, type VerifiedToken, verifyToken } from "../lib/auth/tokens";
import type { RpcRow } from "../lib/db/port";

/**
 * A live account as get_auth_user, register_user and complete_login return it (a new account has no token
 * version yet: 0).
 */
export type AuthUserRow = RpcRow<"register_user"> & { token_version?: number | null };

declare module "hono" {
  interface ContextVariableMap {
    /** The raw bearer token of an authenticated request (never log it). */
    authToken?: string;
    /** The live profile behind the token, as get_auth_user returns it. */
    authUser?: AuthUserRow;
    /** Set by optionalUserOrOperator: the token is an operator's (role service_role), not a user's. */
    operator?: boolean;
  }
}

export function unauthorized(reason: string): ApiError {
  // The reason is one of our own fixed phrases (tokens.ts), never token content, so it is safe in a header.
  return new ApiError("UNAUTHORIZED", reason, {
    headers: { "WWW-Authenticate": `Bearer error="invalid_token", error_description="${reason}"` },
  });
}

/** The bearer token of the request: undefined when there is no Authorization header at all. */
function bearerToken(c: Context<AppEnv>): string | undefined {
  const header = c.req.header("authorization");
  if (header === undefined) return undefined;
  const match = /^Bearer +([^\s]+) *$/i.exec(header);
  if (!match) throw unauthorized("Authorization must be: Bearer <token>");
  return match[1];
}

async function authenticate(c: Context<AppEnv>, token: string): Promise<void> {
  const { config, db } = c.get("services");
  let verified: VerifiedToken;
  try {
    verified = await verifyToken(config, token);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthorized(error.message);
    throw error;
  }
  const userId = verified.userId;
  const [user] = await db.rpc("get_auth_user", { p_user_id: userId }, { jwt: token });
  if (!user) throw unauthorized("token user does not exist");
  // Supabase Auth's own tokens (JWKS) carry no version: Supabase revokes those itself (see README).
  if (verified.source === "local" && Number(user.token_version ?? 0) !== verified.tokenVersion) {
    throw unauthorized("token was revoked");
  }
  c.set("userId", userId);
  c.set("authToken", token);
  c.set("authUser", user);
}

/** Refuses the request with 401 unless it carries a valid token of a live user. */
export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = bearerToken(c);
  if (token === undefined) throw unauthorized("a bearer token is required");
  await authenticate(c, token);
  await next();
};

/**
 * Authenticates when a token is sent, lets anonymous requests through. A token that is sent but invalid is still
 * refused: a client with an expired token should learn it rather than silently get anonymous answers.
 */
export const optionalAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = bearerToken(c);
  if (token !== undefined) await authenticate(c, token);
  await next();
};

/**
 * Like optionalAuth, and also accepts an operator's token (role service_role, signed with JWT_SECRET), setting
 * `c.get("operator")`. For the username endpoints, where the user themself or an operator may act.
 */
export const optionalUserOrOperator: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = bearerToken(c);
  if (token !== undefined) {
    if (await isServiceRoleToken(c.get("services").config, token)) c.set("operator", true);
    else await authenticate(c, token);
  }
  await next();
};

/** The authenticated user of a route behind requireAuth. */
export function currentUser(c: Context<AppEnv>): { id: string; token: string } {
  const id = c.get("userId");
  const token = c.get("authToken");
  if (!id || !token) throw new Error("currentUser() needs the requireAuth middleware on the route");
  return { id, token };
}

/** OpenAPI `security` for routes behind requireAuth. */
export const BEARER_AUTH = [{ bearerAuth: [] }];

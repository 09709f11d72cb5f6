/**
 * Test accounts. `createTestUser(server)` signs up through the real endpoint (the token is a real session);
 * `createTestUser(db)` inserts the account directly and signs a token with TEST_JWT_SECRET, for tests that start
 * their server with `startTestServer(db, AUTH_TEST_ENV)` or only need a user row.
 */
import { SignJWT } from "jose";
import { hashPassword } from "../../functions/lib/auth/password";
import type { SqlExecutor } from "../../functions/lib/db/port";
import type { TestServer } from "./server";

/** A fixed HS256 key for tests that forge or inspect tokens (never used outside tests). */
export const TEST_JWT_SECRET = "test-only-secret-0123456789abcdef-0123456789abcdef";
/** Pass to startTestServer so tokens made here verify there. */
export const AUTH_TEST_ENV = { JWT_SECRET: TEST_JWT_SECRET };
export const TEST_PASSWORD = "correct horse battery staple";

export interface TestUser {
  id: string;
  email: string;
  password: string;
  displayName: string;
  username: string | null;
  token: string;
}

export interface TestUserOverrides {
  email?: string;
  password?: string;
  displayName?: string;
  username?: string;
  /** db mode only: the key to sign with (default TEST_JWT_SECRET). */
  secret?: string;
  /** db mode only: extra or replaced claims. */
  claims?: Record<string, unknown>;
}

let counter = 0;
function uniqueEmail(): string {
  counter += 1;
  return `user${counter}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@test.marquee.dev`;
}

function isServer(target: TestServer | SqlExecutor): target is TestServer {
  return typeof (target as TestServer).url === "string" && typeof (target as TestServer).json === "function";
}

/** Signs a token the way the API does (sub, role, aud, iss, iat, exp), with any claim overridden. */
export async function signTestToken(
  userId: string,
  options: { secret?: string; claims?: Record<string, unknown>; alg?: string; expiresInSeconds?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: userId,
    role: "authenticated",
    aud: "authenticated",
    iss: "marquee",
    iat: now,
    exp: now + (options.expiresInSeconds ?? 3600),
    ...options.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

export async function createTestUser(
  target: TestServer | SqlExecutor,
  overrides: TestUserOverrides = {},
): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? TEST_PASSWORD;
  const displayName = overrides.displayName ?? email.split("@")[0];
  const username = overrides.username ?? null;
  if (isServer(target)) {
    const res = await target.json("/v1/auth/register", {
      email,
      password,
      displayName,
      ...(username ? { username } : {}),
    });
    const body = await res.json();
    if (res.status !== 201) throw new Error(`createTestUser: register answered ${res.status}: ${JSON.stringify(body)}`);
    return { id: body.user.id, email: body.user.email, password, displayName, username, token: body.accessToken };
  }
  const [row] = await target.query<{ id: string }>(
    `select id from public.register_user(p_email => $1, p_password_hash => $2, p_display_name => $3, p_username => $4)`,
    [email.toLowerCase(), await hashPassword(password), displayName, username],
  );
  const token = await signTestToken(row.id, { secret: overrides.secret, claims: overrides.claims });
  return { id: row.id, email: email.toLowerCase(), password, displayName, username, token };
}

/** `Authorization: Bearer <token>` headers for fetch. */
export function bearer(user: { token: string }): Record<string, string> {
  return { Authorization: `Bearer ${user.token}` };
}

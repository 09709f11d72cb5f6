/**
 * Helpers for tests that run inside workerd against the real Worker entry (functions/worker.ts).
 *
 * - `call(path, init)` sends a request through the Worker exactly as a client would (its own execution context,
 *   waitUntil and all). The Worker's DATABASE_URL points at the database global-setup.ts started: migrated,
 *   with the catalogue fixture of test/support/catalog-fixture.ts, shared by every file of this suite.
 * - `callWith(env, path, init)` runs the same entry with other bindings (a bad configuration, an unreachable
 *   database) and waits for its waitUntil work, so nothing leaks into the next test.
 * - `registerUser()` creates an account through the Worker's own register endpoint and returns its token;
 *   `signTestToken(userId, ...)` forges tokens the Worker accepts (its JWT_SECRET is TEST_JWT_SECRET).
 *
 * The database is shared: tests that write must use their own rows (registerUser makes a unique email each
 * time) and must not assume an empty table. Requests go one at a time (see global-setup.ts): do not fire
 * requests in parallel with Promise.all.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import worker from "../../functions/worker";
import { TEST_PASSWORD } from "../support/auth";

export const ORIGIN = "https://marquee.test";

export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, init));
}

/** A JSON request (POST unless init says otherwise). */
export function callJson(path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return call(path, {
    method: "POST",
    ...init,
    headers: { "content-type": "application/json", ...(init.headers ?? {}) },
    body: JSON.stringify(body),
  });
}

/** Runs the Worker entry with these bindings instead of the suite's (unset keys are absent, not inherited). */
export async function callWith(bindings: Record<string, string>, path: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${ORIGIN}${path}`, init), bindings, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, text };
}

/** The suite's own bindings, for tests that want to change only one of them. */
export const suiteBindings: Record<string, string> = { ...env };

/** Reads a JSON body and fails with the status and body if the status is not the expected one. */
export async function expectJson<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${res.status}: ${text}`);
  }
  return JSON.parse(text) as T;
}

export interface WorkerUser {
  id: string;
  email: string;
  password: string;
  token: string;
}

let users = 0;

/** Signs up a fresh user through the Worker's own `POST /v1/auth/register` and returns its session token. */
export async function registerUser(overrides: Record<string, unknown> = {}): Promise<WorkerUser> {
  users += 1;
  const email = `worker-${users}-${Date.now().toString(36)}@test.marquee.dev`;
  const password = TEST_PASSWORD;
  const res = await callJson("/v1/auth/register", { email, password, displayName: `Worker ${users}`, ...overrides });
  const body = await expectJson<{ accessToken: string; user: { id: string; email: string } }>(res, 201);
  return { id: body.user.id, email: body.user.email, password, token: body.accessToken };
}

export const bearer = (user: { token: string }) => ({ Authorization: `Bearer ${user.token}` });

/** The Worker verifies tokens with TEST_JWT_SECRET (vitest.config.ts), so tests can forge and tamper with them. */
export { signTestToken, TEST_JWT_SECRET } from "../support/auth";

/**
 * Helpers for tests that run inside workerd against the real Worker entry (functions/worker.ts).
 *
 * - `call(path, init)` sends a request through the Worker exactly as a client would (its own execution context,
 *   waitUntil and all). The Worker's DATABASE_URL points at the database global-setup.ts started: migrated,
 *   with the catalogue fixture of test/support/catalog-fixture.ts, shared by every file of this suite.
 * - `callWith(env, path, init)` runs the same entry with other bindings (a bad configuration, an unreachable
 *   database) and waits for its waitUntil work, so nothing leaks into the next test.
 * - `callTaste(path, init)` is callWith with DATABASE_URL pointing at the second database global-setup.ts started:
 *   the taste world of test/recommend/fixture.ts, with embeddings and the nightly neighbours already computed.
 * - `registerUser()` creates an account through the Worker's own register endpoint and returns its token
 *   (`registerTasteUser()` does the same in the taste database);
 *   `signTestToken(userId, ...)` forges tokens the Worker accepts (its JWT_SECRET is TEST_JWT_SECRET).
 *
 * Both databases are shared: tests that write must use their own rows (registerUser makes a unique email each
 * time) and must not assume an empty table. Requests go one at a time (see global-setup.ts): do not fire
 * requests in parallel with Promise.all.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { inject } from "vitest";
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
export async function callWith(bindings: Record<string, unknown>, path: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${ORIGIN}${path}`, init), bindings, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, text };
}

const { HYPERDRIVE, ...plainBindings } = env as unknown as Record<string, unknown>;

/**
 * The suite's own bindings without HYPERDRIVE, for tests that want to change only one of them: bound, the Worker
 * prefers Hyperdrive over DATABASE_URL (worker.ts), so a test of DATABASE_URL must leave it out.
 */
export const suiteBindings = plainBindings as Record<string, string>;

/** The suite's Hyperdrive binding (wrangler.toml; locally a direct connection to the suite database). */
export const hyperdriveBinding = HYPERDRIVE;

let tasteBindings: Record<string, string> | undefined;

/**
 * Runs the Worker entry against the taste database. One bindings object for the whole file, as an isolate would
 * have, so the configuration is parsed once.
 */
export function callTaste(path: string, init?: RequestInit) {
  tasteBindings ??= { ...suiteBindings, DATABASE_URL: inject("workerTasteDatabaseUrl") };
  return callWith(tasteBindings, path, init);
}

/** A request init with a JSON body and, when given, the user's token. */
export function jsonInit(method: string, body: unknown, user?: { token: string } | null): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json", ...(user ? bearer(user) : {}) },
    body: JSON.stringify(body),
  };
}

/** Parses what callWith or callTaste answered, failing with the status and body if the status is not the expected one. */
export function parseJson<T = Record<string, unknown>>(answer: { res: Response; text: string }, status: number): T {
  if (answer.res.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${answer.res.status}: ${answer.text}`);
  }
  return JSON.parse(answer.text) as T;
}

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

type Registered = { accessToken: string; user: { id: string; email: string } };

function signUpBody(overrides: Record<string, unknown>) {
  users += 1;
  const email = `worker-${users}-${Date.now().toString(36)}@test.marquee.dev`;
  return { email, password: TEST_PASSWORD, displayName: `Worker ${users}`, ...overrides };
}

const toUser = (body: Registered, sent: { password: unknown }): WorkerUser => ({
  id: body.user.id,
  email: body.user.email,
  password: String(sent.password),
  token: body.accessToken,
});

/** Signs up a fresh user through the Worker's own `POST /v1/auth/register` and returns its session token. */
export async function registerUser(overrides: Record<string, unknown> = {}): Promise<WorkerUser> {
  const sent = signUpBody(overrides);
  return toUser(await expectJson<Registered>(await callJson("/v1/auth/register", sent), 201), sent);
}

/** registerUser, in the taste database (through callTaste). */
export async function registerTasteUser(overrides: Record<string, unknown> = {}): Promise<WorkerUser> {
  const sent = signUpBody(overrides);
  return toUser(parseJson<Registered>(await callTaste("/v1/auth/register", jsonInit("POST", sent)), 201), sent);
}

export const bearer = (user: { token: string }) => ({ Authorization: `Bearer ${user.token}` });

/** `call` as this user, with a JSON body when one is given. */
export function callAs(user: { token: string }, method: string, path: string, body?: unknown): Promise<Response> {
  return call(path, body === undefined ? { method, headers: bearer(user) } : jsonInit(method, body, user));
}

/** The Worker verifies tokens with TEST_JWT_SECRET (vitest.config.ts), so tests can forge and tamper with them. */
export { signTestToken, TEST_JWT_SECRET } from "../support/auth";

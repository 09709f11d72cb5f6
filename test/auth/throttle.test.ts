/**
 * Login and registration throttling with growing delays, never a lockout, on a clock the test moves: per
 * account and client, a much higher limit per account across clients, and nothing that lets one client lock out
 * the others behind its address.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AUTH_TEST_ENV, createTestUser } from "../support/auth";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

const LIMITS = {
  ...AUTH_TEST_ENV,
  LOGIN_FREE_FAILURES: "3",
  LOGIN_MAX_FAILURES_PER_ACCOUNT: "6",
  LOGIN_DELAY_BASE_SECONDS: "2",
  LOGIN_DELAY_MAX_SECONDS: "60",
  LOGIN_WINDOW_SECONDS: "600",
};

let clock = Date.parse("2026-12-02T10:00:00Z");
const now = () => clock;
const advance = (seconds: number) => {
  clock += seconds * 1000;
};

let db: TestDatabase;
let server: TestServer;
let second: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer(db, LIMITS, { now });
  // A second server on the same database stands in for a second Worker isolate: no memory shared.
  second = await startTestServer(db, LIMITS, { now });
});
afterAll(async () => {
  await second?.close();
  await server?.close();
  await db?.dispose();
});
beforeEach(async () => {
  await db.query("delete from public.login_throttle");
  advance(3600);
});

const login = (target: TestServer, email: string, password: string) =>
  target.json("/v1/auth/login", { email, password });

async function retryAfter(res: Response, what: string): Promise<number> {
  const text = await res.text();
  expect(res.status, `${what}: ${text}`).toBe(429);
  expect(JSON.parse(text).error.code).toBe("TOO_MANY_REQUESTS");
  return Number(res.headers.get("retry-after"));
}

/** Counts failures as another client address would: the throttle keys on the address, which tests cannot vary. */
async function failFrom(client: string, email: string, times: number) {
  for (let k = 0; k < times; k++) {
    await db.query(`select * from public.begin_login($1, $2, $3, $4, $5, $6, $7, $8)`, [
      email,
      client,
      new Date(clock).toISOString(),
      3,
      6,
      2,
      60,
      600,
    ]);
  }
}

describe("login throttling", () => {
  it("lets a few failures through, then makes each attempt wait a delay that doubles", async () => {
    const user = await createTestUser(server);
    for (let k = 1; k <= 3; k++) expect((await login(server, user.email, "wrong")).status, `free try ${k}`).toBe(401);
    // The fourth attempt comes at once: it must wait base * 2^0 = 2 s after the third.
    expect(await retryAfter(await login(server, user.email, user.password), "right password too soon")).toBe(2);
    expect(await retryAfter(await login(second, user.email, "wrong"), "another isolate")).toBe(2);
    advance(2);
    expect((await login(server, user.email, "wrong")).status, "after the wait: counted").toBe(401);
    expect(await retryAfter(await login(server, user.email, "wrong"), "fifth")).toBe(4);
    advance(4);
    expect((await login(server, user.email, "wrong")).status).toBe(401);
    expect(await retryAfter(await login(server, user.email, "wrong"), "sixth")).toBe(8);
    advance(8);
    expect((await login(server, user.email, user.password)).status, "never a lockout: right password works").toBe(200);
    expect((await login(server, user.email, "wrong")).status, "success forgets this client's failures").toBe(401);
  });

  it("caps the delay at LOGIN_DELAY_MAX_SECONDS", async () => {
    const user = await createTestUser(server);
    await failFrom("127.0.0.1", user.email, 3);
    let wait = 0;
    for (let k = 0; k < 8; k++) {
      const res = await login(server, user.email, "wrong");
      if (res.status === 429) {
        wait = Number(res.headers.get("retry-after"));
        advance(wait);
      }
    }
    expect(wait, "the last delay").toBeLessThanOrEqual(60);
    expect(wait).toBeGreaterThan(8);
  });

  it("forgets a client's failures after a quiet window", async () => {
    const user = await createTestUser(server);
    for (let k = 0; k < 3; k++) await login(server, user.email, "wrong");
    expect((await login(server, user.email, "wrong")).status).toBe(429);
    advance(601);
    for (let k = 0; k < 3; k++) expect((await login(server, user.email, "wrong")).status, `try ${k}`).toBe(401);
  });

  it("does not slow the owner on another client down when one client guesses", async () => {
    const user = await createTestUser(server);
    await failFrom("203.0.113.9", user.email, 5);
    expect((await login(server, user.email, user.password)).status, "the owner, elsewhere").toBe(200);
  });

  it("never lets one client lock out the other accounts behind its address", async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => createTestUser(server)));
    for (let k = 0; k < 12; k++) await login(server, `sprayed${k}@example.org`, "wrong");
    for (const u of users.slice(0, 3)) for (let k = 0; k < 3; k++) await login(server, u.email, "wrong");
    const res = await login(server, users[3].email, users[3].password);
    expect(res.status, "a colleague behind the same address still signs in").toBe(200);
  });

  it("applies delays to every client once one account has many failures from many clients", async () => {
    const user = await createTestUser(server);
    for (let k = 0; k < 6; k++) await failFrom(`198.51.100.${k}`, user.email, 1);
    const wait = await retryAfter(await login(server, user.email, user.password), "account-wide limit");
    expect(wait).toBe(2);
    advance(wait);
    expect((await login(server, user.email, user.password)).status, "after the delay, the owner gets in").toBe(200);
  });

  it("cannot be overshot by parallel guesses", async () => {
    const user = await createTestUser(server);
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => login(server, user.email, "wrong").then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 401).length, statuses.join(",")).toBe(3);
    expect(statuses.filter((s) => s === 429).length).toBe(7);
  });
});

describe("registration throttling", () => {
  let registrations: TestServer;
  beforeAll(async () => {
    registrations = await startTestServer(
      db,
      {
        ...AUTH_TEST_ENV,
        REGISTER_FREE_PER_CLIENT: "2",
        REGISTER_DELAY_BASE_SECONDS: "30",
        REGISTER_WINDOW_SECONDS: "3600",
      },
      { now },
    );
  });
  afterAll(async () => {
    await registrations?.close();
  });
  const register = (email: string) =>
    registrations.json("/v1/auth/register", { email, password: "a good password", displayName: "R" });

  it("lets a few registrations through per client, then makes each wait a delay that doubles", async () => {
    expect((await register(`r1-${clock}@example.org`)).status).toBe(201);
    expect((await register(`r2-${clock}@example.org`)).status).toBe(201);
    expect(await retryAfter(await register(`r3-${clock}@example.org`), "third at once")).toBe(30);
    advance(30);
    expect((await register(`r3-${clock}@example.org`)).status).toBe(201);
    expect(await retryAfter(await register(`r4-${clock}@example.org`), "fourth")).toBe(60);
  });

  it("counts a taken email too, so probing which emails exist is throttled like registering", async () => {
    const email = `taken-${clock}@example.org`;
    expect((await register(email)).status).toBe(201);
    expect((await register(email)).status).toBe(409);
    expect((await register(email)).status, "probing again").toBe(429);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AUTH_TEST_ENV, createTestUser } from "../support/auth";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

const LIMITS = {
  ...AUTH_TEST_ENV,
  LOGIN_MAX_FAILURES_PER_ACCOUNT: "3",
  LOGIN_MAX_FAILURES_PER_CLIENT: "8",
  LOGIN_WINDOW_SECONDS: "600",
};

let db: TestDatabase;
let server: TestServer;
let second: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer(db, LIMITS);
  // A second server on the same database stands in for a second Worker isolate: no memory shared.
  second = await startTestServer(db, LIMITS);
});
afterAll(async () => {
  await second?.close();
  await server?.close();
  await db?.dispose();
});
beforeEach(async () => {
  await db.query("delete from public.login_throttle");
});

const login = (target: TestServer, email: string, password: string) =>
  target.json("/v1/auth/login", { email, password });

describe("login throttling", () => {
  it("answers 429 with Retry-After after too many failures on one account, even for the right password", async () => {
    const user = await createTestUser(server);
    for (let k = 1; k <= 3; k++)
      expect((await login(server, user.email, "wrong password")).status, `try ${k}`).toBe(401);
    const blocked = await login(server, user.email, user.password);
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get("retry-after"));
    expect(retryAfter, "Retry-After in seconds within the window").toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect((await blocked.json()).error.code).toBe("TOO_MANY_REQUESTS");
    const elsewhere = await login(second, user.email, user.password);
    expect(elsewhere.status, "another isolate sees the same count").toBe(429);
  });

  it("counts per account in any case of the email", async () => {
    const user = await createTestUser(server, { email: "case-throttle@example.org" });
    for (const email of ["case-throttle@example.org", "CASE-THROTTLE@example.org", " Case-Throttle@Example.org"]) {
      expect((await login(server, email, "wrong password")).status).toBe(401);
    }
    expect((await login(second, user.email, user.password)).status).toBe(429);
  });

  it("lets the window expire", async () => {
    const user = await createTestUser(server);
    for (let k = 0; k < 4; k++) await login(server, user.email, "wrong password");
    expect((await login(server, user.email, user.password)).status).toBe(429);
    await db.query("update public.login_throttle set window_started_at = now() - interval '11 minutes'");
    expect((await login(server, user.email, user.password)).status).toBe(200);
  });

  it("clears an account's failures after a successful login", async () => {
    const user = await createTestUser(server);
    for (let round = 0; round < 3; round++) {
      expect((await login(server, user.email, "wrong password")).status).toBe(401);
      expect((await login(server, user.email, "wrong password")).status).toBe(401);
      expect((await login(server, user.email, user.password)).status, `round ${round}`).toBe(200);
    }
  });

  it("limits one client address across many accounts (password spraying)", async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => createTestUser(server)));
    let status = 0;
    for (let k = 0; k < 8; k++) {
      status = (await login(k % 2 ? second : server, users[k % 4].email, "wrong password")).status;
      expect(status, `failure ${k + 1} of 8`).toBe(401);
    }
    const res = await login(server, users[4].email, users[4].password);
    expect(res.status, "a fresh account from the same address is refused too").toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("cannot be overshot by parallel guesses", async () => {
    const user = await createTestUser(server);
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => login(server, user.email, "wrong password").then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 401).length, statuses.join(",")).toBe(3);
    expect(statuses.filter((s) => s === 429).length).toBe(7);
  });
});

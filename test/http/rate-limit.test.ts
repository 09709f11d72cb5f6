/** The API-wide rate limit per client: 429 with Retry-After and the envelope, on a clock the test moves. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindingRateLimiter, memoryRateLimiter } from "../../functions/middleware/rate-limit";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let clock = Date.parse("2026-12-02T10:00:00Z");
let db: TestDatabase;
let limited: TestServer;
let unlimited: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  limited = await startTestServer(db, { RATE_LIMIT_PER_MINUTE: "3" }, { now: () => clock });
  unlimited = await startTestServer(db, { RATE_LIMIT_PER_MINUTE: "0" }, { now: () => clock });
});
afterAll(async () => {
  await limited?.close();
  await unlimited?.close();
  await db?.dispose();
});

describe("API-wide rate limit", () => {
  it("answers 429 with Retry-After past RATE_LIMIT_PER_MINUTE, and lets the client back as the limit refills", async () => {
    for (let k = 1; k <= 3; k++) expect((await limited.get("/v1/genres")).status, `request ${k}`).toBe(200);
    const refused = await limited.get("/v1/movies");
    const body = await refused.json();
    expect(refused.status, JSON.stringify(body)).toBe(429);
    expect(body.error.code).toBe("TOO_MANY_REQUESTS");
    expect(typeof body.error.requestId).toBe("string");
    // 3 per minute refill one request every 20 s.
    expect(refused.headers.get("retry-after")).toBe("20");
    const preflight = await limited.get("/v1/movies", {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" },
    });
    expect(preflight.status, "preflight requests are not limited").toBeLessThan(300);
    clock += 20_000;
    expect((await limited.get("/v1/genres")).status, "after Retry-After").toBe(200);
    expect((await limited.get("/v1/genres")).status, "one token came back, not more").toBe(429);
  });

  it("is off at RATE_LIMIT_PER_MINUTE=0", async () => {
    for (let k = 0; k < 20; k++) expect((await unlimited.get("/ping")).status).toBe(200);
  });

  it("keeps one client's budget apart from another's", async () => {
    const limiter = memoryRateLimiter({ perMinute: 2, now: () => clock });
    expect((await limiter.limit("a")).ok).toBe(true);
    expect((await limiter.limit("a")).ok).toBe(true);
    expect((await limiter.limit("a")).ok).toBe(false);
    expect((await limiter.limit("b")).ok, "another client").toBe(true);
  });

  it("answers the Workers binding's refusal with Retry-After of its period", async () => {
    const keys: string[] = [];
    const binding = {
      async limit({ key }: { key: string }) {
        keys.push(key);
        return { success: keys.length <= 1 };
      },
    };
    const limiter = bindingRateLimiter(binding, 60);
    expect(await limiter.limit("client:1.2.3.4")).toEqual({ ok: true });
    expect(await limiter.limit("client:1.2.3.4")).toEqual({ ok: false, retryAfter: 60 });
    expect(keys).toEqual(["client:1.2.3.4", "client:1.2.3.4"]);
  });
});

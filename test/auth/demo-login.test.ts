import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_LOGIN, loadDemoData } from "../../node/demo/load-demo";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  await loadDemoData(db, { users: 20 });
  server = await startTestServer(db);
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

describe("the documented demo login", () => {
  it("signs in as a demo user who already has ratings", async () => {
    const res = await server.json("/v1/auth/login", DEMO_LOGIN);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.user.email).toBe("demo@marquee.dev");
    const ratings = await (
      await server.get("/v1/ratings/me?limit=5", { headers: { Authorization: `Bearer ${body.accessToken}` } })
    ).json();
    expect(ratings.data.length, "the demo user has ratings to personalise from").toBe(5);
  });
});

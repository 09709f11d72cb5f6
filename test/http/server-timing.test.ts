import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_PASSWORD } from "../support/auth";
import { FILMS, loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  server = await startTestServer(db);
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

/** `db;dur=1.2, app;dur=0.3` as { db: 1.2, app: 0.3 }, failing with the raw header when it is absent. */
function metrics(res: Response): Record<string, number> {
  const header = res.headers.get("Server-Timing");
  expect(header, `${res.url} answered ${res.status} without Server-Timing`).toBeTruthy();
  const out: Record<string, number> = {};
  for (const part of (header as string).split(",")) {
    const [name, ...params] = part.trim().split(";");
    const dur = params.find((p) => p.startsWith("dur="));
    out[name] = Number(dur?.slice(4));
  }
  return out;
}

const logFor = (res: Response) => server.logs.find((l) => l.requestId === res.headers.get("X-Request-Id"));

describe("Server-Timing", () => {
  it("splits a film read into database and app time, and the log line carries the same figures", async () => {
    const res = await server.get(`/v1/movies/${FILMS.matrix.id}`);
    expect(res.status).toBe(200);
    const m = metrics(res);
    expect(Object.keys(m), JSON.stringify(m)).toEqual(["db", "app", "total"]);
    expect(m.db, JSON.stringify(m)).toBeGreaterThan(0);
    expect(m.total, JSON.stringify(m)).toBeGreaterThanOrEqual(m.db);
    const line = logFor(res);
    expect(line, JSON.stringify(server.logs.at(-1))).toMatchObject({ dbMs: m.db, appMs: m.app, dbCalls: 1 });
  });

  it("says no database time for /ping, and times errors too", async () => {
    const ping = await server.get("/ping");
    expect(metrics(ping).db).toBe(0);
    const missing = await server.get("/v1/movies/987654321");
    expect(missing.status).toBe(404);
    expect(metrics(missing).db).toBeGreaterThan(0);
    expect(logFor(missing)).toMatchObject({ status: 404, dbCalls: 1 });
  });

  it("is left off register and login, whatever they answer, while their log lines keep the figures", async () => {
    const email = `timing-${Date.now()}@test.marquee.dev`;
    const answers = [
      await server.json("/v1/auth/register", { email, password: TEST_PASSWORD, displayName: "Timing" }),
      await server.json("/v1/auth/register", { email, password: TEST_PASSWORD, displayName: "Timing" }),
      await server.json("/v1/auth/login", { email, password: TEST_PASSWORD }),
      await server.json("/v1/auth/login", { email, password: "not-the-password" }),
      await server.json("/v1/auth/login", { email: `nobody-${email}`, password: TEST_PASSWORD }),
    ];
    expect(answers.map((r) => r.status)).toEqual([201, 409, 200, 401, 401]);
    for (const res of answers) {
      expect(res.headers.get("Server-Timing"), `${res.status} from ${res.url}`).toBeNull();
      expect(logFor(res)?.dbMs, `log line of ${res.status} from ${res.url}`).toBeGreaterThan(0);
    }
  });
});

/**
 * POST /v1/recommendations/session through the Node server on the taste world (fixture.ts, nightly neighbours
 * computed): no account, the signals in the body, the given films never in the answer, nothing stored, its own
 * per-client rate limit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNightly } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";
import { FILMS, loadTasteWorldWithMe } from "./fixture";

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  await loadTasteWorldWithMe(db);
  await runNightly(db);
  server = await startTestServer(db, { SESSION_RATE_LIMIT_PER_MINUTE: "0", RECOMMENDATION_DIVERSITY: "0" });
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

async function session(body: unknown, target = server) {
  const res = await target.json("/v1/recommendations/session", body);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), headers: res.headers, text };
}

describe("POST /v1/recommendations/session", () => {
  it("recommends from the likes and ratings given, with reasons, never one of the films given", async () => {
    const given = [FILMS.alien.id, FILMS.aliens.id, FILMS.notebook.id, FILMS.bladeRunner.id];
    const counts = async () =>
      (
        await db.query<{ n: number }>(
          "select (select count(*) from public.ratings) + (select count(*) from public.interactions) + (select count(*) from public.recommendation_cache) as n",
        )
      )[0].n;
    const before = await counts();
    const answer = await session({
      liked: [FILMS.alien.id, FILMS.aliens.id],
      disliked: [FILMS.notebook.id],
      ratings: [{ movieId: FILMS.bladeRunner.id, rating: 4.5 }],
    });
    expect(answer.status, answer.text).toBe(200);
    const ids = answer.body.data.map((m: { id: number }) => m.id);
    for (const id of given) expect(ids, `given film ${id}`).not.toContain(id);
    expect(answer.body.data[0].title, answer.text).toBe("Prometheus");
    expect(answer.body.data[0].reasons[0].text).toMatch(/liked (Alien|Aliens)|rated Blade Runner/);
    expect(answer.body.strategy.served).toBe("item");
    expect(Number(await counts()), "nothing stored").toBe(Number(before));
  });

  it("answers popular films, without the given ones, when no given film has neighbours", async () => {
    const answer = await session({ liked: [FILMS.hiddenGem.id, 999_999] });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.strategy.served).toBe("popular");
    expect(answer.body.strategy.note).toMatch(/popular/);
    expect(answer.body.data.map((m: { id: number }) => m.id)).not.toContain(FILMS.hiddenGem.id);
  });

  it("refuses no signal, bad ratings, unknown fields and too many signals", async () => {
    for (const body of [
      {},
      { liked: [] },
      { ratings: [{ movieId: 1, rating: 4.2 }] },
      { liked: [1], email: "x" },
      { liked: Array.from({ length: 101 }, (_, k) => k + 1) },
      { liked: [1], limit: 51 },
    ]) {
      const answer = await session(body);
      expect(answer.status, `${JSON.stringify(body).slice(0, 80)}: ${answer.text}`).toBe(400);
    }
  });

  it("has its own per-client rate limit", async () => {
    const limited = await startTestServer(db, { SESSION_RATE_LIMIT_PER_MINUTE: "2" });
    try {
      const statuses = [];
      for (let k = 0; k < 3; k++) statuses.push((await session({ liked: [FILMS.alien.id] }, limited)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const last = await session({ liked: [FILMS.alien.id] }, limited);
      expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await limited.get("/v1/movies")).status, "other routes are not limited by it").toBe(200);
    } finally {
      await limited.close();
    }
  });
});

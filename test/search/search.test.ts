import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalEmbedder } from "../../functions/lib/embed/local";
import { TmdbClient } from "../../functions/lib/tmdb/client";
import { startFakeTmdb } from "../../node/fakes/tmdb-server";
import { backfillEmbeddings } from "../../node/jobs/backfill-embeddings";
import { syncTmdb } from "../../node/jobs/tmdb-sync";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";
import { CATALOGUE, ID } from "../tmdb/fixtures";

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  const tmdb = await startFakeTmdb(CATALOGUE);
  const client = new TmdbClient({ baseUrl: tmdb.url, token: "test-token", requestsPerSecond: 40 });
  await syncTmdb(db, client, { mode: "initial", limit: 20 }, { concurrency: 2, maxFailureRate: 0 });
  await tmdb.close();
  await backfillEmbeddings(db, new LocalEmbedder());
  server = await startTestServer(db);
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

async function search(path: string) {
  const res = await server.get(path);
  const body = await res.json();
  expect(res.status, `${path} -> ${JSON.stringify(body)}`).toBe(200);
  return body.data as { id: number; title: string; match: string; similarity: number | null }[];
}

describe("GET /v1/search", () => {
  it("finds films by what they are about, best first", async () => {
    const heists = await search("/v1/search?q=heists&limit=2");
    expect(heists.map((h) => h.id).sort(), JSON.stringify(heists)).toEqual([ID.heat, ID.inception].sort());
    const twist = await search("/v1/search?q=a%20heist%20with%20a%20twist%20ending");
    expect(twist[0]?.id, JSON.stringify(twist)).toBe(ID.inception);
    const space = await search("/v1/search?q=astronaut%20lost%20in%20outer%20space&limit=1");
    expect(space.map((h) => h.title)).toEqual(["Gravity"]);
  });

  it("puts a title typed exactly first, even above better semantic matches", async () => {
    const hits = await search("/v1/search?q=heat");
    expect(hits[0], JSON.stringify(hits)).toMatchObject({ id: ID.heat, match: "title" });
    const original = await search(`/v1/search?q=${encodeURIComponent("le fabuleux destin d'amélie poulain")}`);
    expect(original[0]).toMatchObject({ id: ID.amelie, match: "title" });
  });

  it("filters by genre, years and language, and the CineLibre alias answers the same", async () => {
    const hits = await search("/v1/search?q=heist&genre=crime");
    expect(hits.map((h) => h.id)).toEqual([ID.heat]);
    expect((await search("/v1/search?q=heist&year_from=2000")).map((h) => h.id)).not.toContain(ID.heat);
    expect((await search("/v1/search?q=paris&language=fr")).map((h) => h.id)).toEqual([ID.amelie]);
    expect(await search("/search/semantic?q=heist&genre=crime")).toEqual(hits);
  });

  it("answers 400 for empty, absurd or unknown input, and [] when nothing is close", async () => {
    for (const [path, field] of [
      ["/v1/search", "q"],
      ["/v1/search?q=%20%20", "q"],
      ["/v1/search?q=%3F%21%3F", "q"],
      [`/v1/search?q=${"x".repeat(201)}`, "q"],
      ["/v1/search?q=heist&limit=0", "limit"],
      ["/v1/search?q=heist&year_from=2010&year_to=2000", "year_from"],
      ["/v1/search?q=heist&colour=red", "colour"],
    ]) {
      const res = await server.get(path);
      const body = await res.json();
      expect(res.status, `${path} -> ${JSON.stringify(body)}`).toBe(400);
      expect(JSON.stringify(body.error.issues)).toContain(field);
    }
    expect(await search("/v1/search?q=the%20with%20of")).toEqual([]);
  });

  it("never returns adult films", async () => {
    const [{ count }] = await db.query<{ count: number }>(
      "select count(*)::int as count from public.movies where adult",
    );
    expect(count).toBe(0);
    expect((await search("/v1/search?q=adult%20only%20fixture")).map((h) => h.id)).not.toContain(ID.adult);
  });
});

describe("GET /v1/movies/{id}/similar", () => {
  it("lists the nearest films by content, never the film itself", async () => {
    const res = await server.get(`/v1/movies/${ID.inception}/similar?limit=10`);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const ids: number[] = body.data.map((m: { id: number }) => m.id);
    expect(ids).not.toContain(ID.inception);
    const rank = (id: number) => (ids.includes(id) ? ids.indexOf(id) : ids.length);
    // The Matrix shares two genres with Inception; Amélie shares nothing.
    expect(rank(ID.matrix), JSON.stringify(body.data)).toBeLessThan(rank(ID.amelie));
  });

  it("404s for an unknown film and 400s for a bad id", async () => {
    expect((await server.get("/v1/movies/999999/similar")).status).toBe(404);
    expect((await server.get("/v1/movies/abc/similar")).status).toBe(400);
  });
});

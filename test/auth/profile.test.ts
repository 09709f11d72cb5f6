/**
 * PATCH /v1/auth/me (display name, username, time zone, matching opt-in, public profile) and GET /v1/matches over
 * HTTP: the opt-in is off for a new account, matches need it on both sides, and no email ever leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILMS, loadTasteWorld } from "../recommend/fixture";
import { bearer, createTestUser, type TestUser } from "../support/auth";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  await loadTasteWorld(db);
  server = await startTestServer(db);
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

async function patch(user: TestUser, body: unknown) {
  const res = await server.get("/v1/auth/me", {
    method: "PATCH",
    headers: { ...bearer(user), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function rateAll(user: TestUser, ratings: [keyof typeof FILMS, number][]) {
  for (const [key, rating] of ratings) {
    const res = await server.get(`/v1/ratings/${FILMS[key].id}`, {
      method: "PUT",
      headers: { ...bearer(user), "content-type": "application/json" },
      body: JSON.stringify({ rating }),
    });
    expect(res.status).toBeLessThan(300);
  }
}

describe("PATCH /v1/auth/me", () => {
  it("starts with matching off and UTC, and changes only the fields given", async () => {
    const user = await createTestUser(server);
    const me = await (await server.get("/v1/auth/me", { headers: bearer(user) })).json();
    expect(me).toMatchObject({ matchable: false, publicProfile: false, timeZone: "UTC" });
    const changed = await patch(user, { timeZone: "Europe/Lisbon", matchable: true, displayName: " Ana " });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ timeZone: "Europe/Lisbon", matchable: true, displayName: "Ana" });
    expect(changed.body.email, "the email is kept").toBe(user.email);
    const again = await (await server.get("/v1/auth/me", { headers: bearer(user) })).json();
    expect(again).toMatchObject({ timeZone: "Europe/Lisbon", matchable: true, publicProfile: false });
  });

  it("refuses an unknown time zone, an empty body, unknown fields and a public profile without a username", async () => {
    const user = await createTestUser(server);
    for (const body of [{ timeZone: "Mars/Olympus" }, {}, { email: "x@y.org" }, { publicProfile: true }]) {
      const answer = await patch(user, body);
      expect(answer.status, `${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`).toBe(400);
      expect(answer.body.error.code).toBe("BAD_REQUEST");
    }
  });

  it("sets, makes public and removes a username; a taken one is 409", async () => {
    const ana = await createTestUser(server);
    const bea = await createTestUser(server);
    expect((await patch(ana, { username: "ana_profile", publicProfile: true })).body).toMatchObject({
      username: "ana_profile",
      publicProfile: true,
    });
    expect((await patch(bea, { username: "ANA_profile" })).status, "taken in another case").toBe(409);
    expect((await patch(ana, { username: null })).status, "a public profile keeps its username").toBe(400);
    expect((await patch(ana, { username: null, publicProfile: false })).body.username).toBeNull();
  });
});

describe("GET /v1/matches", () => {
  const TASTE: [keyof typeof FILMS, number][] = [
    ["alien", 5],
    ["aliens", 5],
    ["bladeRunner", 4],
    ["notebook", 1],
    ["titanic", 2],
    ["paddington", 4],
  ];

  it("lists a user who agrees once both opted in, by name and never by email", async () => {
    const ana = await createTestUser(server, { displayName: "Ana", username: "ana_match" });
    const bea = await createTestUser(server, { displayName: "Bea", username: "bea_match" });
    await rateAll(ana, TASTE);
    await rateAll(bea, TASTE);

    const off = await (await server.get("/v1/matches", { headers: bearer(ana) })).json();
    expect(off, "matching is off for a new account").toMatchObject({ matchable: false, data: [] });
    expect(off.note).toMatch(/matchable/);

    await patch(ana, { matchable: true });
    const lonely = await (await server.get("/v1/matches", { headers: bearer(ana) })).json();
    expect(lonely.data, "Bea has not opted in").toEqual([]);

    await patch(bea, { matchable: true });
    const res = await server.get("/v1/matches", { headers: bearer(ana) });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const body = JSON.parse(text);
    expect(body.data[0]).toMatchObject({
      username: "bea_match",
      displayName: "Bea",
      sharedFilms: 6,
      agreedFilms: 6,
      evidence: "You both rated or liked 6 films; you agree on 6",
    });
    expect(body.data[0].similarity).toBeGreaterThanOrEqual(0.8);
    expect(text, "no email in the answer").not.toContain(bea.email);
    expect(text, "no user id in the answer").not.toContain(bea.id);
  });
});

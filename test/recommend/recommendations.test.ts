import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNightly } from "../../node/jobs/nightly";
import { AUTH_TEST_ENV, bearer, createTestUser, type TestUser } from "../support/auth";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";
import { FILMS, interact, loadOtherUsers, loadTasteWorld, ME_RATINGS, rate, titleOf } from "./fixture";

let db: TestDatabase;
let server: TestServer;
let me: TestUser;

interface Item {
  id: number;
  title: string;
  score: number;
  predictedRating: number | null;
  sources: string[];
  reasons: { source: string; text: string; evidence: Record<string, unknown> }[];
}
interface Body {
  strategy: { requested: string; served: string; coldStart: string | null; note: string | null };
  data: Item[];
}

async function recommend(user: TestUser, query = ""): Promise<Body> {
  const res = await server.get(`/v1/recommendations${query}`, { headers: bearer(user) });
  const body = await res.json();
  expect(res.status, `${query} -> ${JSON.stringify(body)}`).toBe(200);
  return body;
}

const titles = (body: Body) => body.data.map((m) => m.title);
const rank = (body: Body, title: string) => {
  const at = titles(body).indexOf(title);
  return at < 0 ? Number.POSITIVE_INFINITY : at;
};

beforeAll(async () => {
  db = await freshDatabase();
  await loadTasteWorld(db);
  await loadOtherUsers(db);
  me = await createTestUser(db, { displayName: "me" });
  await rate(db, me.id, ME_RATINGS);
  await runNightly(db);
  server = await startTestServer(db, AUTH_TEST_ENV);
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

describe("GET /v1/recommendations", () => {
  it("puts the near film (Prometheus) first, above the far ones, and never what I already rated", async () => {
    const body = await recommend(me);
    expect(body.strategy).toMatchObject({ requested: "hybrid", served: "hybrid", coldStart: null });
    expect(titles(body)[0], JSON.stringify(titles(body))).toBe("Prometheus");
    expect(rank(body, "Prometheus")).toBeLessThan(rank(body, "Love Actually"));
    expect(rank(body, "Prometheus")).toBeLessThan(rank(body, "Titanic"));
    for (const [key] of ME_RATINGS) expect(titles(body), `already rated ${key}`).not.toContain(FILMS[key].title);
    expect(body.data[0].sources).toEqual(expect.arrayContaining(["item", "cf", "content"]));
  });

  it("explains with evidence: what I rated, how like-minded users rated it, what it shares with my taste", async () => {
    const top = (await recommend(me)).data[0];
    const by = (source: string) => top.reasons.find((r) => r.source === source);
    expect(by("item")?.text, JSON.stringify(top.reasons)).toMatch(/^You rated (Alien|Aliens) 5 stars/);
    expect(by("cf")?.text).toMatch(/^4 users with taste like yours \(correlation 0\.\d\d\) rated it 4\.\d on average$/);
    expect(by("cf")?.evidence).toMatchObject({ neighbours: 4 });
    expect(by("content")?.text).toMatch(/Science Fiction|Ridley Scott/);
    // My mean is 3.75 (5, 5, 4, 1); four like-minded users rated it 4.5 to 5 and rate it above their own means.
    const myMean = ME_RATINGS.reduce((sum, [, stars]) => sum + stars, 0) / ME_RATINGS.length;
    expect(top.predictedRating, "CF predicts the near film well above my mean").toBeGreaterThan(myMean + 0.3);
  });

  it("serves each strategy on its own and says so", async () => {
    for (const strategy of ["cf", "item", "content"]) {
      const body = await recommend(me, `?strategy=${strategy}`);
      expect(body.strategy.served, strategy).toBe(strategy);
      expect(titles(body)[0], `${strategy}: ${JSON.stringify(titles(body))}`).toBe("Prometheus");
      expect(
        body.data.every((m) => m.sources.length === 1 && m.sources[0] === strategy),
        strategy,
      ).toBe(true);
    }
    const popular = await recommend(me, "?strategy=popular");
    expect(popular.strategy.served).toBe("popular");
    expect(titles(popular), "a film with only three ratings is not popular").not.toContain("Hidden Gem");
    expect(popular.data[0].reasons[0].text).toMatch(
      /^Popular with Marquee viewers: \d\.\d stars on average from \d+ ratings$/,
    );
  });

  it("applies genre, year and language filters", async () => {
    const romance = await recommend(me, "?genre=romance");
    expect(romance.data.length).toBeGreaterThan(0);
    for (const m of romance.data)
      expect(m.title, JSON.stringify(titles(romance))).toMatch(/Titanic|Love Actually|Amélie/);
    const french = await recommend(me, "?language=fr");
    expect(titles(french)).toEqual(["Amélie"]);
    const recent = await recommend(me, "?year_from=2010&year_to=2015");
    expect(titles(recent).sort()).toEqual(["Paddington", "Prometheus"]);
  });

  it("reacts at once to a new rating, a hide and a dislike, without the nightly job", async () => {
    const user = await createTestUser(db);
    await rate(db, user.id, ME_RATINGS);
    const before = await recommend(user);
    expect(titles(before)[0], "a user the nightly job never saw still gets the near film").toBe("Prometheus");
    await rate(db, user.id, [["prometheus", 5]]);
    await interact(db, user.id, "paddington", "hide");
    await interact(db, user.id, "titanic", "dislike");
    const after = await recommend(user);
    expect(titles(after), "rated, hidden and disliked films disappear").not.toContain("Prometheus");
    expect(titles(after)).not.toContain("Paddington");
    expect(titles(after)).not.toContain("Titanic");
    const included = await recommend(user, "?exclude=rated");
    expect(titles(included), "exclude=rated keeps hidden films").toContain("Paddington");
  });

  it("cold start: no signals gets popularity; under 3 ratings gets popularity blended with content", async () => {
    const newcomer = await createTestUser(db);
    const none = await recommend(newcomer);
    expect(none.strategy).toMatchObject({ requested: "hybrid", served: "popular", coldStart: "no_signals" });
    expect(none.strategy.note).toContain("not rated or liked");
    expect(none.data.length).toBeGreaterThan(0);

    await rate(db, newcomer.id, [["alien", 5]]);
    const few = await recommend(newcomer);
    expect(few.strategy).toMatchObject({ served: "cold_start", coldStart: "few_ratings" });
    expect(rank(few, "Prometheus"), JSON.stringify(titles(few))).toBeLessThan(rank(few, "Love Actually"));
    expect(titles(few)).not.toContain("Alien");

    const liker = await createTestUser(db);
    await interact(db, liker.id, "titanic", "like");
    const liked = await recommend(liker, "?strategy=content");
    expect(liked.strategy.served).toBe("content");
    expect(rank(liked, "The Notebook"), JSON.stringify(titles(liked))).toBeLessThan(rank(liked, "Prometheus"));
  });

  it("answers the CineLibre alias the same way", async () => {
    const res = await server.get("/recommendations/personalized?limit=3", { headers: bearer(me) });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.data[0].title).toBe("Prometheus");
    expect(res.headers.get("cache-control")).toContain("no-store");
  });

  it("needs a token (401) and rejects bad input with 400 naming the field", async () => {
    const anonymous = await server.get("/v1/recommendations");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");
    for (const [query, field] of [
      ["?limit=51", "limit"],
      ["?strategy=magic", "strategy"],
      ["?exclude=rated,watched", "exclude"],
      ["?genre=Western", "unknown genre"],
      ["?year_from=2010&year_to=2000", "year_from"],
      ["?language=french", "language"],
      ["?user_id=someone-else", "user_id"],
    ]) {
      const res = await server.get(`/v1/recommendations${query}`, { headers: bearer(me) });
      const body = await res.json();
      expect(res.status, `${query}: ${JSON.stringify(body)}`).toBe(400);
      expect(body.error.message, query).toContain(field);
    }
  });
});

describe("GET /v1/recommendations/popular", () => {
  it("is public, Bayesian, and needs at least 5 ratings", async () => {
    const res = await server.get("/v1/recommendations/popular");
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const names = body.data.map((m: { title: string }) => m.title);
    expect(names).not.toContain("Hidden Gem");
    const scores = body.data.map((m: { score: number }) => m.score);
    expect(scores, "best first").toEqual([...scores].sort((a: number, b: number) => b - a));
    expect(body.data[0]).toMatchObject({ ratingCount: expect.any(Number), averageRating: expect.any(Number) });
  });

  it("filters by genre, says so in the reason, and serves the CineLibre alias and trending", async () => {
    const body = await (await server.get("/recommendations/popular?genre=science%20fiction")).json();
    expect(body.data.length).toBeGreaterThan(0);
    for (const m of body.data) expect(m.genres).toContain("Science Fiction");
    expect(body.data[0].reasons[0].text).toMatch(/^Popular in Science Fiction: /);
    const month = await (await server.get("/v1/recommendations/popular?period=month")).json();
    expect(month.period).toBe("month");
    expect(month.data[0].reasons[0].text, "all fixture ratings are from today").toContain("this month");
    expect((await server.get("/v1/recommendations/popular?period=decade")).status).toBe(400);
  });
});

describe("GET /v1/movies/{id}/similar", () => {
  it("ranks the near film above the far one, with reasons, never the film itself", async () => {
    const res = await server.get(`/v1/movies/${FILMS.alien.id}/similar`);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const ids: number[] = body.data.map((m: { id: number }) => m.id);
    expect(ids).not.toContain(FILMS.alien.id);
    const at = (id: number) => (ids.includes(id) ? ids.indexOf(id) : ids.length);
    expect(at(FILMS.prometheus.id), ids.map(titleOf).join(", ")).toBeLessThan(at(FILMS.loveActually.id));
    const prometheus = body.data.find((m: { id: number }) => m.id === FILMS.prometheus.id);
    expect(prometheus.reasons.map((r: { text: string }) => r.text).join(" | ")).toMatch(
      /watched Alien also watched this/,
    );
    expect(prometheus.reasons.map((r: { text: string }) => r.text).join(" | ")).toMatch(/Ridley Scott|Science Fiction/);
  });

  it("serves the CineLibre alias for movies and 404s other types, unknown films and 400s bad ids", async () => {
    const alias = await server.get(`/recommendations/similar/movie/${FILMS.alien.id}`);
    expect(alias.status).toBe(200);
    expect((await server.get(`/recommendations/similar/person/${FILMS.alien.id}`)).status).toBe(404);
    expect((await server.get("/v1/movies/999999/similar")).status).toBe(404);
    expect((await server.get("/v1/movies/abc/similar")).status).toBe(400);
  });
});

/**
 * Recommendations through the Worker inside workerd, over the taste database (test/recommend/fixture.ts, with
 * the nightly neighbours computed in global-setup.ts). "me" signs up and rates through the Worker, so every
 * signal the engine sees here arrived the way a client sends it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { FILMS, ME_RATINGS, titleOf } from "../recommend/fixture";
import { bearer, callTaste, jsonInit, parseJson, registerTasteUser, type WorkerUser } from "./support";

interface Item {
  id: number;
  title: string;
  score: number;
  predictedRating: number | null;
  sources: string[];
  reasons: { source: string; text: string; evidence: Record<string, unknown> }[];
}
interface Recommendations {
  strategy: { requested: string; served: string; coldStart: string | null; note: string | null };
  data: Item[];
}

type Key = keyof typeof FILMS;

let me: WorkerUser;

/** Rates through the Worker (PUT /v1/ratings/{movieId}), one request at a time. */
async function rate(user: WorkerUser, ratings: [Key, number][]): Promise<void> {
  for (const [key, rating] of ratings) {
    const answer = await callTaste(`/v1/ratings/${FILMS[key].id}`, jsonInit("PUT", { rating }, user));
    expect([200, 201], `rating ${key}: ${answer.text}`).toContain(answer.res.status);
  }
}

async function recommend(user: WorkerUser, path = "/v1/recommendations") {
  const answer = await callTaste(path, { headers: bearer(user) });
  return { body: parseJson<Recommendations>(answer, 200), res: answer.res };
}

const titles = (body: { data: { title: string }[] }) => body.data.map((m) => m.title);
const rank = (list: string[], title: string) => (list.includes(title) ? list.indexOf(title) : Number.POSITIVE_INFINITY);

beforeAll(async () => {
  me = await registerTasteUser({ displayName: "me" });
  await rate(me, ME_RATINGS);
});

describe("GET /v1/recommendations in workerd", () => {
  it("puts the near film (Prometheus) first, above the far ones, never what I rated, with reasons", async () => {
    const { body, res } = await recommend(me);
    const list = titles(body);
    expect(body.strategy, JSON.stringify(body.strategy)).toMatchObject({
      requested: "hybrid",
      served: "hybrid",
      coldStart: null,
    });
    expect(list[0], JSON.stringify(list)).toBe("Prometheus");
    expect(rank(list, "Prometheus")).toBeLessThan(rank(list, "Love Actually"));
    expect(rank(list, "Prometheus")).toBeLessThan(rank(list, "Titanic"));
    for (const [key] of ME_RATINGS) expect(list, `already rated ${key}`).not.toContain(FILMS[key].title);
    // A film only the content source found, sharing nothing with the films I liked, truthfully gets no reason.
    for (const m of body.data)
      if (m.reasons.length === 0) expect(m.sources, `${m.title} has no reason`).toEqual(["content"]);
    const top = body.data[0];
    expect(top.sources, JSON.stringify(top)).toEqual(expect.arrayContaining(["item", "cf", "content"]));
    const texts = top.reasons.map((r) => `${r.source}: ${r.text}`).join(" | ");
    expect(texts).toMatch(/item: You rated (Alien|Aliens) 5 stars/);
    expect(texts).toMatch(/cf: \d users with taste like yours/);
    expect(res.headers.get("cache-control"), "personal answers are never cached").toContain("no-store");
  });

  it("drops a film as soon as I rate it, and a film as soon as I hide it, without the nightly job", async () => {
    const twin = await registerTasteUser({ displayName: "twin" });
    await rate(twin, ME_RATINGS);
    const before = titles((await recommend(twin)).body);
    expect(before[0], JSON.stringify(before)).toBe("Prometheus");
    expect(before, "Paddington is there to be hidden").toContain("Paddington");

    await rate(twin, [["prometheus", 5]]);
    const rated = titles((await recommend(twin)).body);
    expect(rated, "a film I just rated disappears from the next answer").not.toContain("Prometheus");
    expect(rated.length, "the rest of the list is still served").toBeGreaterThan(0);

    const hid = await callTaste(
      "/v1/interactions",
      jsonInit("POST", { type: "hide", movieId: FILMS.paddington.id }, twin),
    );
    parseJson(hid, 201);
    expect(titles((await recommend(twin)).body), "a film I just hid disappears").not.toContain("Paddington");
  });

  it("cold start: no signals gets popularity and says so; one rating blends popularity with content", async () => {
    const newcomer = await registerTasteUser();
    const none = (await recommend(newcomer)).body;
    expect(none.strategy, JSON.stringify(none.strategy)).toMatchObject({
      requested: "hybrid",
      served: "popular",
      coldStart: "no_signals",
    });
    expect(none.strategy.note).toContain("not rated or liked");
    expect(none.data.length, "a newcomer still gets films").toBeGreaterThan(0);

    await rate(newcomer, [["alien", 5]]);
    const few = (await recommend(newcomer)).body;
    expect(few.strategy, JSON.stringify(few.strategy)).toMatchObject({
      served: "cold_start",
      coldStart: "few_ratings",
    });
    expect(titles(few), "the film I rated is left out").not.toContain("Alien");
    expect(rank(titles(few), "Prometheus"), JSON.stringify(titles(few))).toBeLessThan(
      rank(titles(few), "Love Actually"),
    );
  });

  it("answers 401 with WWW-Authenticate without a token", async () => {
    const answer = await callTaste("/v1/recommendations");
    const body = parseJson<{ error: { code: string } }>(answer, 401);
    expect(body.error.code).toBe("UNAUTHORIZED");
    expect(answer.res.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("answers the CineLibre alias GET /recommendations/personalized the same way", async () => {
    const { body, res } = await recommend(me, "/recommendations/personalized?limit=3");
    expect(body.data.length).toBe(3);
    expect(titles(body)[0], JSON.stringify(titles(body))).toBe("Prometheus");
    expect(res.headers.get("cache-control")).toContain("no-store");
  });
});

describe("GET /v1/recommendations/popular in workerd", () => {
  it("is public, best first, and leaves out a film with fewer than 5 ratings", async () => {
    const answer = await callTaste("/v1/recommendations/popular");
    const body = parseJson<{ period: string; data: { title: string; score: number; ratingCount: number }[] }>(
      answer,
      200,
    );
    expect(body.period).toBe("all");
    expect(body.data.length).toBeGreaterThan(0);
    expect(titles(body), "three ratings are not enough to be popular").not.toContain("Hidden Gem");
    const scores = body.data.map((m) => m.score);
    expect(scores, "best first").toEqual([...scores].sort((a, b) => b - a));
    for (const m of body.data) expect(m.ratingCount, m.title).toBeGreaterThanOrEqual(5);
    expect(answer.res.headers.get("cache-control")).toContain("public");
  });
});

describe("GET /v1/movies/{id}/similar in workerd", () => {
  it("lists the science fiction like Alien before any romance, with reasons, never Alien itself", async () => {
    const answer = await callTaste(`/v1/movies/${FILMS.alien.id}/similar`);
    const body = parseJson<{ data: { id: number; title: string; reasons: { text: string }[] }[] }>(answer, 200);
    const ids = body.data.map((m) => m.id);
    const shown = ids.map(titleOf).join(", ");
    expect(ids, shown).not.toContain(FILMS.alien.id);
    const scifi = [FILMS.aliens, FILMS.bladeRunner, FILMS.prometheus].map((f) => f.id);
    const romance = [FILMS.notebook, FILMS.titanic, FILMS.loveActually].map((f) => f.id);
    expect(ids.slice(0, 3).sort(), `the three sci-fi films come first: ${shown}`).toEqual([...scifi].sort());
    const lastScifi = Math.max(...scifi.map((id) => ids.indexOf(id)));
    for (const id of romance) {
      if (ids.includes(id)) expect(ids.indexOf(id), `${titleOf(id)} in ${shown}`).toBeGreaterThan(lastScifi);
    }
    const prometheus = body.data.find((m) => m.id === FILMS.prometheus.id);
    expect(prometheus?.reasons.map((r) => r.text).join(" | ")).toMatch(/watched Alien also watched this/);
  });

  it("answers 404 for an unknown film", async () => {
    const body = parseJson<{ error: { code: string } }>(await callTaste("/v1/movies/999999/similar"), 404);
    expect(body.error.code).toBe("NOT_FOUND");
  });
});

/**
 * The issue-13 endpoints inside workerd, over the taste database (nightly neighbours computed): batches and
 * /next, the profile edit and matches, anonymous sessions and the seed's aliases, all through the Worker entry.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { FILMS, ME_RATINGS } from "../recommend/fixture";
import { bearer, callTaste, jsonInit, parseJson, registerTasteUser, type WorkerUser } from "./support";

interface Answer {
  recommendationId: string | null;
  next: string | null;
  batch: { number: number } | null;
  data: { id: number; title: string; potentialMatches: number | null }[];
}

async function rate(user: WorkerUser, ratings: [keyof typeof FILMS, number][]) {
  for (const [key, rating] of ratings) {
    const answer = await callTaste(`/v1/ratings/${FILMS[key].id}`, jsonInit("PUT", { rating }, user));
    expect([200, 201], `rating ${key}: ${answer.text}`).toContain(answer.res.status);
  }
}

let ana: WorkerUser;
let bea: WorkerUser;

beforeAll(async () => {
  ana = await registerTasteUser({ displayName: "Ana", username: `ana_${Date.now().toString(36)}` });
  bea = await registerTasteUser({ displayName: "Bea", username: `bea_${Date.now().toString(36)}` });
  await rate(ana, ME_RATINGS);
  await rate(ana, [["paddington", 4]]);
  await rate(bea, ME_RATINGS);
  await rate(bea, [["paddington", 4]]);
});

describe("batches in workerd", () => {
  it("serves a first batch with a cursor, and the next batch without a repeat", async () => {
    const first = parseJson<Answer>(
      await callTaste("/v1/recommendations?limit=2&diversity=0", { headers: bearer(ana) }),
      200,
    );
    expect(first.recommendationId).toBeTruthy();
    expect(first.data).toHaveLength(2);
    const second = parseJson<Answer>(
      await callTaste(`/v1/recommendations/next?cursor=${encodeURIComponent(String(first.next))}`, {
        headers: bearer(ana),
      }),
      200,
    );
    expect(second.recommendationId).toBe(first.recommendationId);
    expect(second.batch?.number).toBe(2);
    for (const m of second.data) expect(first.data.map((f) => f.id)).not.toContain(m.id);
  });
});

describe("profile and matches in workerd", () => {
  it("matches two users who agree once both opt in, and shows potential matches on the batch", async () => {
    for (const user of [ana, bea]) {
      const answer = await callTaste(
        "/v1/auth/me",
        jsonInit("PATCH", { matchable: true, timeZone: "Europe/Lisbon" }, user),
      );
      expect(parseJson<{ matchable: boolean }>(answer, 200).matchable).toBe(true);
    }
    const list = parseJson<{ data: { displayName: string; sharedFilms: number }[] }>(
      await callTaste("/v1/matches", { headers: bearer(ana) }),
      200,
    );
    expect(
      list.data.map((m) => m.displayName),
      JSON.stringify(list),
    ).toContain("Bea");
    const batch = parseJson<Answer>(await callTaste("/v1/recommendations?limit=3", { headers: bearer(ana) }), 200);
    for (const m of batch.data) expect(typeof m.potentialMatches, "matching is on for Ana").toBe("number");
  });
});

describe("anonymous sessions and the seed's paths in workerd", () => {
  it("recommends from the signals given without an account, never one of them", async () => {
    const answer = parseJson<Answer>(
      await callTaste(
        "/v1/recommendations/session",
        jsonInit("POST", {
          liked: [FILMS.alien.id, FILMS.aliens.id],
          ratings: [{ movieId: FILMS.notebook.id, rating: 1 }],
        }),
      ),
      200,
    );
    const ids = answer.data.map((m) => m.id);
    expect(ids, JSON.stringify(answer.data.map((m) => m.title))).toContain(FILMS.prometheus.id);
    for (const id of [FILMS.alien.id, FILMS.aliens.id, FILMS.notebook.id]) expect(ids).not.toContain(id);
  });

  it("answers the seed's paths for me and 404 for another user", async () => {
    const mine = await callTaste(`/api/v1/recommendations/${ana.id}/next?batch_number=2`, { headers: bearer(ana) });
    expect(mine.res.status, mine.text).toBe(200);
    const theirs = await callTaste(`/api/v1/recommendations/${bea.id}/matches`, { headers: bearer(ana) });
    expect(theirs.res.status).toBe(404);
    const health = await callTaste("/api/v1/health/db");
    expect(parseJson<{ ok: boolean }>(health, 200).ok).toBe(true);
  });
});

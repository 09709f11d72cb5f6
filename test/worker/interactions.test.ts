/**
 * Interactions through the Worker inside workerd, over the suite database (the catalogue fixture): what a
 * signed-in user likes, hides and puts on the watchlist is listed back to them, by type, until they remove it.
 */
import { describe, expect, it } from "vitest";
import { FILMS } from "../support/catalog-fixture";
import { callAs, expectJson, registerUser, type WorkerUser } from "./support";

interface InteractionList {
  data: { type: string; movieId: number | null; title: string | null; weight: number }[];
  nextCursor: string | null;
}

const send = (method: string, path: string, user: WorkerUser, body?: unknown) => callAs(user, method, path, body);

async function myInteractions(user: WorkerUser, query = ""): Promise<InteractionList> {
  return expectJson<InteractionList>(await send("GET", `/v1/interactions/me${query}`, user), 200);
}

describe("interactions in workerd", () => {
  it("records like, hide and watchlist, lists them by type, and removes each", async () => {
    const u = await registerUser();
    const posts: [string, number][] = [
      ["like", FILMS.matrix.id],
      ["hide", FILMS.obscure.id],
      ["watchlist", FILMS.arrival.id],
    ];
    for (const [type, movieId] of posts) {
      const body = await expectJson<{ type: string; movieId: number; weight: number }>(
        await send("POST", "/v1/interactions", u, { type, movieId }),
        201,
      );
      expect(body, type).toMatchObject({ type, movieId });
    }
    const repeat = await send("POST", "/v1/interactions", u, { type: "like", movieId: FILMS.matrix.id });
    expect(repeat.status, `a repeated like is kept once: ${await repeat.text()}`).toBe(200);

    const all = await myInteractions(u);
    expect(
      all.data.map((i) => [i.type, i.title]),
      "newest first, with titles",
    ).toEqual([
      ["watchlist", "Arrival"],
      ["hide", "Tiny Perfect Film"],
      ["like", "The Matrix"],
    ]);
    for (const [type, movieId] of posts) {
      const only = await myInteractions(u, `?type=${type}`);
      expect(
        only.data.map((i) => [i.type, i.movieId]),
        `?type=${type}`,
      ).toEqual([[type, movieId]]);
    }
    const weights = Object.fromEntries(all.data.map((i) => [i.type, i.weight]));
    expect(weights.like, JSON.stringify(weights)).toBeGreaterThan(0);
    expect(weights.hide, JSON.stringify(weights)).toBeLessThan(0);

    for (const [type, movieId] of posts) {
      const res = await send("DELETE", `/v1/interactions/${type}/${movieId}`, u);
      expect(res.status, `remove ${type}: ${await res.text()}`).toBe(204);
    }
    expect((await myInteractions(u)).data, "everything removed").toEqual([]);
    await expectJson(await send("DELETE", `/v1/interactions/like/${FILMS.matrix.id}`, u), 404);
  });

  it("keeps users apart and rejects an unknown type with 400", async () => {
    const a = await registerUser();
    const b = await registerUser();
    await expectJson(await send("POST", "/v1/interactions", a, { type: "watchlist", movieId: FILMS.amelie.id }), 201);
    expect((await myInteractions(b)).data, "B sees none of A's entries").toEqual([]);
    await expectJson(await send("DELETE", `/v1/interactions/watchlist/${FILMS.amelie.id}`, b), 404);
    expect((await myInteractions(a, "?type=watchlist")).data.length, "A's entry survives B's delete").toBe(1);
    const bad = await send("POST", "/v1/interactions", a, { type: "poke", movieId: FILMS.amelie.id });
    expect((await expectJson<{ error: { code: string } }>(bad, 400)).error.code).toBe("BAD_REQUEST");
  });
});

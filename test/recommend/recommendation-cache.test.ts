/**
 * recommendation_cache behind get_recommendations: a repeated request is served from the stored list, and anything
 * the list depends on (a rating, an interaction, the nightly run, a film leaving the catalogue) shows in the very
 * next response. Taste world of fixture.ts: "me" should get Prometheus first.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcArgs, RpcRow } from "../../functions/lib/db/port";
import { runNightly } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { FILMS, interact, loadTasteWorldWithMe, rate } from "./fixture";

let db: TestDatabase;
let me: string;

// Rows flattened to what the assertions compare: the film, its evidence and the plan that served it.
const flatten = (rows: RpcRow<"get_recommendations">[]) =>
  rows.map((r) => ({
    ...r.movie,
    ...r.recommendation,
    item_because_title: r.item_because_title,
    content_because_title: r.content_because_title,
    ...r.strategy,
  }));
const recommend = async (args: Partial<RpcArgs<"get_recommendations">> = {}) =>
  flatten(await db.rpc("get_recommendations", { p_user_id: me, p_limit: 20, ...args }));
const live = async (args: Partial<RpcArgs<"get_recommendations_live">> = {}) =>
  flatten(await db.rpc("get_recommendations_live", { p_user_id: me, p_limit: 20, ...args }));

async function cached(strategy = "hybrid") {
  const [row] = await db.query<{ n: number; computed: string | null }>(
    `select count(*)::int as n, max(computed_at)::text as computed
     from public.recommendation_cache where user_id = $1 and strategy = $2`,
    [me, strategy],
  );
  return row;
}

beforeAll(async () => {
  db = await freshDatabase();
  me = await loadTasteWorldWithMe(db);
  await runNightly(db);
});
afterAll(async () => {
  await db?.dispose();
});

describe("get_recommendations with its cache", () => {
  it("stores the list on the first request and serves the same rows from it on the next", async () => {
    expect((await cached()).n, "nothing cached before the first request").toBe(0);
    const first = await recommend();
    const stored = await cached();
    expect(stored.n, "the whole list is stored").toBe(first.length);
    const second = await recommend();
    expect(second).toEqual(first);
    expect((await cached()).computed, "the second request did not recompute").toBe(stored.computed);
    expect(first[0]?.title).toBe("Prometheus");
  });

  it("returns a shorter list as the prefix of the stored one", async () => {
    const full = await recommend();
    const short = await recommend({ p_limit: 3 });
    expect(short).toEqual(full.slice(0, 3));
  });

  it("recomputes after a rating: the rated film is gone from the next response", async () => {
    await recommend();
    await rate(db, me, [["prometheus", 4]]);
    const after = await recommend();
    expect(after.map((r) => r.title)).not.toContain("Prometheus");
    expect((await cached()).n).toBe(after.length);
  });

  it("recomputes after an interaction: a hidden film is gone from the next response", async () => {
    const before = await recommend();
    const hidden = before[0];
    expect(hidden, "something to hide").toBeDefined();
    const key = Object.entries(FILMS).find(([, f]) => f.id === hidden.id)?.[0] as keyof typeof FILMS;
    await interact(db, me, key, "hide");
    expect((await recommend()).map((r) => r.id)).not.toContain(hidden.id);
  });

  it("drops a film that leaves the catalogue at once, without waiting for a recompute", async () => {
    const before = await recommend();
    const gone = before[0];
    await db.query("update public.movies set adult = true where id = $1", [gone.id]);
    try {
      const after = await recommend();
      expect(after.map((r) => r.id)).not.toContain(gone.id);
      expect(after).toEqual(before.slice(1));
    } finally {
      await db.query("update public.movies set adult = false where id = $1", [gone.id]);
    }
  });

  it("does not cache filtered requests, and the nightly job empties the cache", async () => {
    await recommend();
    const stored = await cached();
    await recommend({ p_genre: "Comedy" });
    expect(await cached(), "a filtered request leaves the stored list alone").toEqual(stored);
    await runNightly(db);
    expect((await cached()).n, "lists computed from the old neighbour tables are dropped").toBe(0);
  });

  it("answers concurrent first requests alike, storing the list once", async () => {
    await runNightly(db); // empties the cache
    const uncached = await live();
    const answers = await Promise.all(Array.from({ length: 8 }, () => recommend()));
    for (const [k, answer] of answers.entries()) expect(answer, `request ${k}`).toEqual(uncached);
    expect((await cached()).n, "one stored list, no duplicate rows").toBe(uncached.length);
  });

  it("keys the list by strategy and weights, each equal to the uncached computation", async () => {
    for (const args of [{}, { p_strategy: "item" }, { p_strategy: "cf" }, { p_weights: [0, 0, 1] }]) {
      const uncached = await live(args);
      expect(await recommend(args), JSON.stringify(args)).toEqual(uncached);
      expect(await recommend(args), `${JSON.stringify(args)} from the cache`).toEqual(uncached);
    }
  });
});

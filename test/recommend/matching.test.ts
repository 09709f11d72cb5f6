/**
 * Taste matching (supabase/schemas/09_matching.sql) on named fixtures over the taste world's films: Ana and Bea
 * agree on six films (a match), Cid rates the same six the opposite way (no match), Dan agrees with Ana on four
 * only (below the minimum overlap of 5) and liked Prometheus, so Ana liking Prometheus makes them match at once,
 * and Prometheus shows that one potential match beforehand. Eve agrees like Bea but never opted in.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../support/database";
import { FILMS, insertUser, interact, loadTasteWorld, rate } from "./fixture";

let db: TestDatabase;
const ids: Record<string, string> = {};

const SETTINGS = { p_threshold: 0.8, p_min_overlap: 5, p_shrinkage: 2 };

async function matches(user: string) {
  return db.rpc("get_matches", { p_user_id: ids[user], ...SETTINGS, p_limit: 20 });
}

async function evidence(user: string, films: number[]) {
  return db.rpc("match_evidence", { p_user_id: ids[user], p_movie_ids: films, ...SETTINGS });
}

beforeAll(async () => {
  db = await freshDatabase();
  await loadTasteWorld(db);
  for (const name of ["ana", "bea", "cid", "dan", "eve"]) ids[name] = await insertUser(db, name);
  await db.query("update public.users set matchable = true, username = display_name where id <> $1", [ids.eve]);
  await rate(db, ids.ana, [
    ["alien", 5],
    ["aliens", 5],
    ["bladeRunner", 4],
    ["notebook", 1],
    ["titanic", 2],
  ]);
  await interact(db, ids.ana, "paddington", "like");
  // Bea: within half a star of Ana everywhere, and her like of Paddington is a rating of 4.5.
  await rate(db, ids.bea, [
    ["alien", 4.5],
    ["aliens", 5],
    ["bladeRunner", 4],
    ["notebook", 1.5],
    ["titanic", 2],
    ["paddington", 4.5],
    ["loveActually", 5],
  ]);
  await rate(db, ids.cid, [
    ["alien", 1],
    ["aliens", 1.5],
    ["bladeRunner", 2],
    ["notebook", 5],
    ["titanic", 5],
    ["paddington", 1],
  ]);
  await rate(db, ids.dan, [
    ["alien", 5],
    ["aliens", 5],
    ["bladeRunner", 4],
    ["notebook", 1],
    ["prometheus", 5],
  ]);
  await rate(db, ids.eve, [
    ["alien", 5],
    ["aliens", 5],
    ["bladeRunner", 4],
    ["notebook", 1],
    ["titanic", 2],
    ["paddington", 4],
  ]);
});
afterAll(async () => {
  await db?.dispose();
});

describe("taste matching", () => {
  it("matches two users who agree, with the agreement evidence and the films both liked", async () => {
    const list = await matches("ana");
    const bea = list.find((m) => m.username === "bea");
    expect(bea, JSON.stringify(list)).toBeDefined();
    expect(bea?.shared, "six films both have a signal on (a like counts)").toBe(6);
    expect(bea?.agreed).toBe(6);
    expect(Number(bea?.similarity)).toBeGreaterThanOrEqual(0.8);
    expect(bea?.both_liked_titles).toEqual(expect.arrayContaining(["Alien", "Aliens", "Paddington"]));
    expect(bea?.both_liked_titles, "Love Actually is Bea's alone").not.toContain("Love Actually");
    expect(bea, "no id or email leaves the function").not.toHaveProperty("email");
    expect(Object.keys(bea ?? {})).not.toContain("other_id");
  });

  it("does not match a user who disagrees, nor one below the minimum overlap", async () => {
    const names = (await matches("ana")).map((m) => m.username);
    expect(names, "Cid rates the opposite way").not.toContain("cid");
    expect(names, "Dan shares only four films with Ana").not.toContain("dan");
    const pairs = await db.rpc("user_matches", { p_user_id: ids.ana, ...SETTINGS });
    const cid = pairs.find((p) => p.other_id === ids.cid);
    expect(cid, "Cid is not even near a match").toBeUndefined();
  });

  it("shows only users who opted in, and nothing to a user who did not", async () => {
    const names = (await matches("ana")).map((m) => m.username);
    expect(names, "Eve agrees but never opted in").not.toContain(`eve`);
    const pairs = await db.rpc("user_matches", { p_user_id: ids.ana, ...SETTINGS });
    expect(pairs.find((p) => p.other_id === ids.eve)?.matched, "Eve is a match in the cache").toBe(true);
    expect(await matches("eve"), "Eve is not matchable, so she sees no one").toEqual([]);
    await db.query("update public.users set matchable = false where id = $1", [ids.bea]);
    expect(
      (await matches("ana")).map((m) => m.username),
      "opting out hides Bea at once",
    ).not.toContain("bea");
    await db.query("update public.users set matchable = true where id = $1", [ids.bea]);
  });

  it("names the matches who liked a film and counts the potential matches liking it would make", async () => {
    const [love, prometheus] = await evidence("ana", [FILMS.loveActually.id, FILMS.prometheus.id]);
    expect(love.movie_id).toBe(FILMS.loveActually.id);
    expect(love.matched_usernames, "Bea (a match) rated Love Actually 5").toEqual(["bea"]);
    expect(love.matched_count).toBe(1);
    expect(prometheus.matched_count, "no match has a signal on Prometheus").toBe(0);
    expect(prometheus.potential_matches, "liking Prometheus would match Dan").toBe(1);
  });

  it("creates a match as soon as the user likes the film, without any job", async () => {
    await interact(db, ids.ana, "prometheus", "like");
    const dan = (await matches("ana")).find((m) => m.username === "dan");
    expect(dan, "Dan matches right after the like").toBeDefined();
    expect(dan?.shared).toBe(5);
  });

  it("stores a served batch's evidence on the stored list, reads it back while nothing changed, recomputes it when something did", async () => {
    const list = (refresh = false) =>
      db.rpc("recommendation_list", {
        p_user_id: ids.ana,
        p_strategy: "hybrid",
        p_refresh: refresh,
        p_depth: 100,
        p_cards: 100,
        ...SETTINGS,
      });
    const served = (films: number[], upcoming: number[] | null = null) =>
      db.rpc("recommendation_items", {
        p_user_id: ids.ana,
        p_strategy: "hybrid",
        p_movie_ids: films,
        ...SETTINGS,
        p_upcoming: upcoming,
      });
    const pick = (r: {
      matched_count: number | null;
      matched_usernames: (string | null)[] | null;
      potential_matches: number | null;
    }) => [r.matched_count, r.matched_usernames, r.potential_matches];
    const rows = await list(true);
    const films = rows.map((r) => Number(r.movie_id));
    expect(films.length, "Ana has a stored list").toBeGreaterThan(1);
    expect(
      rows.every((r) => r.matched_count === null),
      "nothing is stored before a batch is served",
    ).toBe(true);

    const live = await evidence("ana", films);
    const first = await served(films.slice(0, 1), films.slice(1));
    expect(first.map(pick), "serving computes what match_evidence computes").toEqual(live.slice(0, 1).map(pick));
    expect(
      (await list()).map(pick),
      "and stores it for the list's films still to come, which the list reads back (one round trip)",
    ).toEqual(live.map(pick));
    expect((await served(films)).map(pick), "serving them reads it").toEqual(live.map(pick));
    expect(
      live.some((r) => r.matched_usernames?.includes("bea")),
      "Bea (a match) liked a film of the list",
    ).toBe(true);

    await db.query("update public.users set matchable = false where id = $1", [ids.bea]);
    expect(
      (await list()).every((r) => r.matched_count === null),
      "a profile change among the pairs (Bea opted out) makes it stale",
    ).toBe(true);
    const afterOptOut = await served(films);
    expect(
      afterOptOut.flatMap((r) => r.matched_usernames ?? []),
      "Bea is no longer named",
    ).not.toContain("bea");
    expect(afterOptOut.map(pick)).toEqual((await evidence("ana", films)).map(pick));
    await db.query("update public.users set matchable = true where id = $1", [ids.bea]);

    await served(films);
    expect((await list()).every((r) => r.matched_count !== null)).toBe(true);
    await interact(db, ids.ana, "titanic", "dislike");
    expect(
      (await list()).every((r) => r.matched_count === null),
      "a new signal of Ana's (her pairs may move) makes it stale",
    ).toBe(true);
    expect((await served(films)).map(pick)).toEqual((await evidence("ana", films)).map(pick));
  });
});

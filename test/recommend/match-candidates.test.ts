/**
 * The nightly match candidates (user_match_candidates) against the live computation, on named fixtures over the
 * taste world's films. Ana's taste: Alien 5, Aliens 5, Blade Runner 4, The Notebook 1, Titanic 2, a like of
 * Paddington. Bea and Gus agree with her on five or six films (matches); Cid disagrees on everything; Dan agrees on
 * four and loved Prometheus (near: liking Prometheus matches them); Fay agrees on three and liked Prometheus (too
 * few films to be near before Ana likes it, near after); Hal agrees on four but opted out.
 * Every rule: the nightly row and the full on-request computation give the same figures for every user; a like
 * after the nightly run creates a match at once; and after each change the live update (only Ana's changed films)
 * gives what a fresh nightly run stores.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshMatchCandidates } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { FILMS, insertUser, interact, loadTasteWorld, rate } from "./fixture";

let db: TestDatabase;
const ids: Record<string, string> = {};
const SETTINGS = { p_threshold: 0.8, p_min_overlap: 5, p_shrinkage: 2 };
const NAMES = ["ana", "bea", "cid", "dan", "fay", "gus", "hal"];
const nameOf = (id: string) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? id;

/** user_matches as a stable, readable list: "name n/agreed/d similarity matched". */
async function pairsOf(user: string): Promise<string[]> {
  const rows = await db.rpc("user_matches", { p_user_id: ids[user], ...SETTINGS });
  return rows.map(
    (r) =>
      `${nameOf(String(r.other_id))} ${r.shared}/${r.agreed}/${Number(r.diff_sum)} ${Number(r.similarity).toFixed(4)} ${r.matched ? "match" : "near"}`,
  );
}

async function sourceOf(user: string): Promise<string | undefined> {
  const [row] = await db.query<{ source: string }>(
    "select source from public.user_match_candidates where user_id = $1",
    [ids[user]],
  );
  return row?.source;
}

beforeAll(async () => {
  db = await freshDatabase();
  await loadTasteWorld(db);
  for (const name of NAMES) ids[name] = await insertUser(db, name);
  await db.query("update public.users set matchable = true, username = display_name where id <> $1", [ids.hal]);
  await rate(db, ids.ana, [
    ["alien", 5],
    ["aliens", 5],
    ["bladeRunner", 4],
    ["notebook", 1],
    ["titanic", 2],
  ]);
  await interact(db, ids.ana, "paddington", "like");
  await rate(db, ids.bea, [
    ["alien", 4.5],
    ["aliens", 5],
    ["bladeRunner", 4],
    ["notebook", 1.5],
    ["titanic", 2],
    ["paddington", 4.5],
  ]);
  await rate(db, ids.cid, [
    ["alien", 1],
    ["aliens", 1.5],
    ["bladeRunner", 2],
    ["notebook", 5],
    ["titanic", 5],
  ]);
  await rate(db, ids.dan, [
    ["alien", 5],
    ["aliens", 5],
    ["bladeRunner", 4],
    ["notebook", 1],
    ["prometheus", 5],
  ]);
  await rate(db, ids.fay, [
    ["alien", 5],
    ["aliens", 5],
    ["bladeRunner", 4],
  ]);
  await interact(db, ids.fay, "prometheus", "like");
  await rate(db, ids.gus, [
    ["alien", 5],
    ["aliens", 5],
    ["bladeRunner", 4],
    ["notebook", 1],
    ["titanic", 2],
  ]);
  await rate(db, ids.hal, [
    ["alien", 5],
    ["aliens", 5],
    ["bladeRunner", 4],
    ["notebook", 1],
  ]);
});
afterAll(async () => {
  await db?.dispose();
});

describe("nightly match candidates", () => {
  it("stores for every user what the on-request computation gives, with the live fingerprint", async () => {
    await refreshMatchCandidates(db);
    for (const name of NAMES) {
      const [row] = await db.query<{ fingerprint: string; live: string }>(
        "select c.fingerprint, public.match_fingerprint(c.user_id) as live from public.user_match_candidates c where c.user_id = $1",
        [ids[name]],
      );
      expect(row?.fingerprint, `${name}: the nightly fingerprint is the one user_matches checks`).toBe(row?.live);
      const nightly = await pairsOf(name);
      expect(await sourceOf(name), `${name} is served from the nightly row`).toBe("nightly");
      await db.query("delete from public.user_match_candidates where user_id = $1", [ids[name]]);
      expect(await pairsOf(name), `${name}: nightly vs computed on request`).toEqual(nightly);
      expect(await sourceOf(name)).toBe("request");
    }
    // (n - d/2 + 1) / (n + 2): Gus 6/7, Bea (6 - 0.375 + 1) / 8; Dan and Hal 5/6 with one more film (near).
    expect((await pairsOf("ana")).sort(), "Cid is not even near; Fay shares three films only").toEqual([
      "bea 6/6/0.75 0.8281 match",
      "dan 4/4/0 0.8333 near",
      "gus 5/5/0 0.8571 match",
      "hal 4/4/0 0.8333 near",
    ]);
  });

  it("creates a match at once when the user likes a film after the nightly run, as the next run would store", async () => {
    await refreshMatchCandidates(db);
    const evidence = await db.rpc("match_evidence", {
      p_user_id: ids.ana,
      p_movie_ids: [FILMS.prometheus.id],
      ...SETTINGS,
    });
    expect(evidence[0]?.potential_matches, "liking Prometheus would match Dan (Hal opted out)").toBe(1);
    await interact(db, ids.ana, "prometheus", "like");
    const live = await pairsOf("ana");
    expect(await sourceOf("ana"), "only Ana's changed film was compared").toBe("update");
    expect(live, "Dan matches right after the like").toContain("dan 5/5/0 0.8571 match");
    expect(live, "Fay, who shares too few films to be near before, enters as near").toContain("fay 4/4/0 0.8333 near");
    await refreshMatchCandidates(db);
    expect(await pairsOf("ana"), "the live update agrees with a fresh nightly run").toEqual(live);
    expect(await sourceOf("ana")).toBe("nightly");
  });

  it("agrees with the nightly run after a changed and a removed rating", async () => {
    await rate(db, ids.ana, [["titanic", 1]]);
    await db.query("delete from public.ratings where user_id = $1 and movie_id = $2", [ids.ana, FILMS.bladeRunner.id]);
    const live = await pairsOf("ana");
    expect(await sourceOf("ana")).toBe("update");
    expect(
      live.find((p) => p.startsWith("gus")),
      "Gus now shares four films and differs on Titanic",
    ).toBe("gus 4/4/0.5 0.7917 near");
    await refreshMatchCandidates(db);
    expect(await pairsOf("ana"), "the live update agrees with a fresh nightly run").toEqual(live);
  });

  it("keeps at most the configured number of matched and of near users, the best ones", async () => {
    await refreshMatchCandidates(db, { depth: 1 });
    const [row] = await db.query<{ depth: number }>(
      "select depth from public.user_match_candidates where user_id = $1",
      [ids.bea],
    );
    expect(row?.depth).toBe(1);
    const bea = await pairsOf("bea");
    expect(
      bea.filter((p) => p.endsWith("match")),
      JSON.stringify(bea),
    ).toHaveLength(1);
    expect(bea.filter((p) => p.endsWith("near")).length, JSON.stringify(bea)).toBeLessThanOrEqual(1);
    await refreshMatchCandidates(db);
  });
});

/**
 * Nightly item candidates (user_item_candidates): recommend_items serves the stored sums corrected by the signals
 * changed since the run. The rule guarded: whatever changed (a new rating, a changed rating, a like, a hide, a
 * deleted rating), the answer equals the live sum over every signal's neighbours, evidence included.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { itemCandidateScorer, kthLargest } from "../../functions/lib/recommend/item-candidates";
import type { NeighbourList } from "../../functions/lib/recommend/neighbours";
import { runNightly } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { FILMS, insertUser, interact, loadTasteWorldWithMe, rate } from "./fixture";

let db: TestDatabase;
let me: string;

interface Row {
  movie_id: number;
  score: number;
  because_movie_id: number | null;
  because_rating: string | null;
  because_signal: string | null;
  because_similarity: number | null;
}

const items = (user: string) =>
  db.query<Row>(
    `select movie_id, score::float8 as score, because_movie_id, because_rating::text as because_rating,
            because_signal, because_similarity::float8 as because_similarity
     from public.recommend_items($1::uuid, p_limit => 50)`,
    [user],
  );

/** The live answer: the same call with the user's stored row set aside (restored afterwards). */
async function live(user: string): Promise<Row[]> {
  await db.query("create temp table if not exists held as select * from public.user_item_candidates limit 0");
  await db.query("insert into held select * from public.user_item_candidates where user_id = $1", [user]);
  await db.query("delete from public.user_item_candidates where user_id = $1", [user]);
  try {
    return await items(user);
  } finally {
    await db.query("insert into public.user_item_candidates select * from held where user_id = $1", [user]);
    await db.query("delete from held");
  }
}

async function expectSameAsLive(user: string, what: string) {
  const [stored] = await db.query<{ n: number }>(
    "select count(*)::int as n from public.user_item_candidates where user_id = $1",
    [user],
  );
  expect(stored.n, "the user has a stored row").toBe(1);
  const served = await items(user);
  const expected = await live(user);
  expect(expected.length, `${what}: the live answer is not empty`).toBeGreaterThan(0);
  expect(
    served.map((r) => r.movie_id),
    `${what}: the same films`,
  ).toEqual(expected.map((r) => r.movie_id));
  served.forEach((r, k) => {
    const e = expected[k];
    expect(r.score, `${what}: score of ${r.movie_id}`).toBeCloseTo(e.score, 4);
    expect(r.because_movie_id, `${what}: evidence of ${r.movie_id}`).toBe(e.because_movie_id);
    expect(r.because_rating, `${what}: evidence stars of ${r.movie_id}`).toBe(e.because_rating);
    expect(r.because_signal, `${what}: evidence signal of ${r.movie_id}`).toBe(e.because_signal);
    if (e.because_similarity === null) expect(r.because_similarity).toBeNull();
    else expect(r.because_similarity, `${what}: evidence similarity`).toBeCloseTo(e.because_similarity, 5);
  });
  return served;
}

beforeAll(async () => {
  db = await freshDatabase();
  me = await loadTasteWorldWithMe(db);
  await interact(db, me, "prometheus", "watchlist");
  await runNightly(db);
});
afterAll(async () => {
  await db?.dispose();
});

describe("user_signal_snapshot", () => {
  it("holds every user's non-zero signals as user_signals computes them", async () => {
    const users = await db.query<{ id: string }>("select id from public.users");
    expect(users.length).toBeGreaterThan(5);
    for (const { id } of users) {
      const [snap] = await db.query<{ m: number[] | null; w: number[] | null }>(
        "select movie_ids as m, weights as w from public.user_signal_snapshot() where user_id = $1",
        [id],
      );
      const signals = await db.query<{ movie_id: number; weight: number }>(
        "select movie_id, weight::float8 as weight from public.user_signals($1) where weight <> 0 order by movie_id",
        [id],
      );
      expect(snap?.m ?? [], `films of ${id}`).toEqual(signals.map((s) => s.movie_id));
      for (const [k, w] of (snap?.w ?? []).entries()) expect(Number(w)).toBeCloseTo(signals[k].weight, 5);
    }
  });
});

describe("recommend_items from the nightly candidates", () => {
  it("stores the user's candidates without the films they rated", async () => {
    const [row] = await db.query<{ movie_ids: number[]; because_ids: (number | null)[] }>(
      "select movie_ids, because_ids from public.user_item_candidates where user_id = $1",
      [me],
    );
    expect(row.movie_ids.length).toBeGreaterThan(0);
    for (const rated of [FILMS.alien.id, FILMS.aliens.id, FILMS.bladeRunner.id, FILMS.notebook.id])
      expect(row.movie_ids).not.toContain(rated);
    expect(row.movie_ids, "a watchlisted film stays (the request's exclusions decide)").toContain(FILMS.prometheus.id);
    expect(row.because_ids.length).toBe(row.movie_ids.length);
  });

  it("equals the live sum with nothing changed since the run", async () => {
    await expectSameAsLive(me, "unchanged");
  });

  it("equals the live sum after a new rating, a changed rating, a like, a hide and a deleted rating", async () => {
    await rate(db, me, [["paddington", 5]]);
    await expectSameAsLive(me, "new 5★ rating");
    await rate(db, me, [["bladeRunner", 1]]);
    await expectSameAsLive(me, "4★ changed to 1★");
    await interact(db, me, "amelie", "like");
    await expectSameAsLive(me, "a like");
    await interact(db, me, "titanic", "hide");
    await expectSameAsLive(me, "a hide");
    await db.query("delete from public.ratings where user_id = $1 and movie_id = $2", [me, FILMS.alien.id]);
    const after = await expectSameAsLive(me, "a deleted 5★ rating");
    expect(
      after.map((r) => r.movie_id),
      "the deleted rating's film can come back",
    ).toContain(FILMS.alien.id);
  });

  it("serves a user the nightly run did not see live, and a filtered request live", async () => {
    const newcomer = await insertUser(db, "newcomer");
    await rate(db, newcomer, [
      ["alien", 5],
      ["bladeRunner", 5],
    ]);
    const rows = await items(newcomer);
    expect(rows.length).toBeGreaterThan(0);
    const filtered = await db.query<{ movie_id: number }>(
      "select movie_id from public.recommend_items($1::uuid, p_genre => 'Romance', p_limit => 50)",
      [me],
    );
    for (const r of filtered) {
      const film = Object.values(FILMS).find((f) => f.id === r.movie_id);
      expect(film?.genres, `film ${r.movie_id} is a romance`).toContain("Romance");
    }
  });
});

describe("itemCandidateScorer", () => {
  // Three films with neighbours: 0 -> {1: 0.5, 2: 0.2, 3: 0.1}; 1 -> {0: 0.5, 3: 0.4}; 2 -> {3: 0.9}.
  const list: NeighbourList = {
    offsets: Int32Array.from([0, 3, 5, 6, 6]),
    neighbour: Int32Array.from([1, 2, 3, 0, 3, 3]),
    similarity: Float32Array.from([0.5, 0.2, 0.1, 0.5, 0.4, 0.9]),
    raw: new Float32Array(6),
    support: new Int32Array(6),
  };
  const ids = [10, 20, 30, 40];

  it("sums weight x similarity, leaves skipped films and non-positive sums out, and names the top contributor", () => {
    const score = itemCandidateScorer(list, ids, 10);
    const skip = Uint8Array.from([1, 0, 0, 0]);
    // Likes film 0 (weight 2), dislikes film 2 (weight -1).
    const out = score({ films: Int32Array.from([0, 2]), weights: Float32Array.from([2, -1]) }, skip);
    // film 1: 2*0.5 = 1; film 2: 2*0.2 = 0.4; film 3: 2*0.1 - 0.9 = -0.7 (left out); film 0 skipped.
    expect(Array.from(out.films)).toEqual([1, 2]);
    expect(out.scores[0]).toBeCloseTo(1, 6);
    expect(out.scores[1]).toBeCloseTo(0.4, 6);
    expect(Array.from(out.because)).toEqual([0, 0]);
    // The scorer's buffers are reset between users.
    const again = score({ films: Int32Array.from([1]), weights: Float32Array.from([1]) }, new Uint8Array(4));
    expect(Array.from(again.films)).toEqual([0, 3]);
    expect(again.scores[1]).toBeCloseTo(0.4, 6);
  });

  it("keeps only the best `depth`, ties broken by the smaller film id", () => {
    const score = itemCandidateScorer(list, ids, 1);
    const out = score({ films: Int32Array.from([1]), weights: Float32Array.from([1]) }, new Uint8Array(4));
    expect(Array.from(out.films)).toEqual([0]);
    const tie: NeighbourList = { ...list, similarity: Float32Array.from([0.5, 0.2, 0.1, 0.4, 0.4, 0.9]) };
    const tied = itemCandidateScorer(
      tie,
      ids,
      1,
    )({ films: Int32Array.from([1]), weights: Float32Array.from([1]) }, new Uint8Array(4));
    expect(Array.from(tied.films), "film id 10 before 40").toEqual([0]);
  });
});

describe("kthLargest", () => {
  it("finds the k-th largest value, duplicates included", () => {
    const random = (() => {
      let x = 12345;
      return () => {
        x = (x * 1103515245 + 12345) % 2147483648;
        return x / 2147483648;
      };
    })();
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(random() * 300);
      const values = Float64Array.from({ length: n }, () => Math.round(random() * 20) / 4);
      const sorted = Array.from(values).sort((a, b) => b - a);
      const k = 1 + Math.floor(random() * n);
      expect(kthLargest(values, n, k), `n ${n}, k ${k}`).toBe(sorted[k - 1]);
    }
  });
});

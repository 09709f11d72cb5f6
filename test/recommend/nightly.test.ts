import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNightly } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { FILMS, insertUser, loadTasteWorldWithMe, ME_RATINGS, rate } from "./fixture";

let db: TestDatabase;
let me: string;

beforeAll(async () => {
  db = await freshDatabase();
  me = await loadTasteWorldWithMe(db);
});
afterAll(async () => {
  await db?.dispose();
});

const neighboursOf = (userId: string) =>
  db.query<{ name: string; correlation: number; common_count: number }>(
    `select u.display_name as name, s.correlation, s.common_count from public.user_similarities s
     join public.users u on u.id = s.neighbour_id where s.user_id = $1 order by s.similarity desc`,
    [userId],
  );

describe("marquee jobs nightly", () => {
  it("keeps only Pearson neighbours with >= 3 films in common and correlation > 0.3", async () => {
    await runNightly(db);
    const mine = await neighboursOf(me);
    expect(mine.map((n) => n.name).sort(), JSON.stringify(mine)).toEqual(["scifi0", "scifi1", "scifi2", "scifi3"]);
    for (const n of mine) {
      expect(n.common_count).toBeGreaterThanOrEqual(3);
      expect(n.correlation).toBeGreaterThan(0.3);
    }
  });

  it("makes Prometheus Alien's nearest co-rated film, above the romance films", async () => {
    const rows = await db.query<{ neighbour_id: number; similarity: number }>(
      "select neighbour_id, similarity from public.movie_similarities where movie_id = $1 order by similarity desc",
      [FILMS.alien.id],
    );
    const ids = rows.map((r) => r.neighbour_id);
    expect(ids).toContain(FILMS.prometheus.id);
    const titanic = rows.find((r) => r.neighbour_id === FILMS.titanic.id);
    // EASE keeps its negative weights too: Alien's fans watching Titanic less than its popularity says.
    expect(
      titanic?.similarity ?? 0,
      "nobody watched Alien and Titanic: never a positive neighbour",
    ).toBeLessThanOrEqual(0);
    expect(rows[0]?.neighbour_id === FILMS.titanic.id, "and never the nearest").toBe(false);
  });

  it("is safe to re-run, records the run, and expires cached on-request neighbours", async () => {
    const late = await insertUser(db, "late");
    await rate(db, late, ME_RATINGS);
    await db.query("select * from public.user_neighbours($1)", [late]);
    const [cached] = await db.query<{ n: number }>(
      "select count(*)::int as n from public.user_neighbour_cache where user_id = $1",
      [late],
    );
    expect(cached.n, "a user the nightly job has not seen gets neighbours on request, cached").toBe(1);
    await db.query(
      "insert into public.user_neighbour_cache (user_id, fingerprint, neighbour_ids, similarities, correlations, common_counts, neighbour_means, expires_at) values ($1, 'x', '{}', '{}', '{}', '{}', '{}', now() - interval '1 hour')",
      [me],
    );

    const first = await db.query<{ n: number }>("select count(*)::int as n from public.movie_similarities");
    const summary = await runNightly(db);
    const second = await db.query<{ n: number }>("select count(*)::int as n from public.movie_similarities");
    expect(second[0].n, "re-running replaces, never duplicates").toBe(first[0].n);
    expect(summary.cacheRowsDeleted, "covered and expired cache rows are deleted").toBe(2);
    expect((await neighboursOf(late)).map((n) => n.name).sort(), "the sci-fi fans, and me (same ratings)").toEqual([
      "me",
      "scifi0",
      "scifi1",
      "scifi2",
      "scifi3",
    ]);
    const runs = await db.query<{ n: number }>("select count(*)::int as n from public.recommendation_job_runs");
    expect(runs[0].n).toBe(2);
  });

  it("agrees with the on-request rule: SQL user_neighbours(live) finds the nightly job's neighbours for every user", async () => {
    await runNightly(db);
    const users = await db.query<{ id: string; name: string }>("select id, display_name as name from public.users");
    let compared = 0;
    for (const user of users) {
      const nightly = await db.query<{
        neighbour_id: string;
        similarity: number;
        correlation: number;
        common_count: number;
      }>(
        `select neighbour_id, similarity, correlation, common_count from public.user_similarities
         where user_id = $1 order by similarity desc, neighbour_id`,
        [user.id],
      );
      const live = await db.query<{
        neighbour_id: string;
        similarity: number;
        correlation: number;
        common_count: number;
      }>("select neighbour_id, similarity, correlation, common_count from public.user_neighbours($1, true)", [user.id]);
      const byId = new Map(live.map((r) => [r.neighbour_id, r]));
      expect(live.map((r) => r.neighbour_id).sort(), `${user.name}: same neighbours`).toEqual(
        nightly.map((r) => r.neighbour_id).sort(),
      );
      for (const n of nightly) {
        const l = byId.get(n.neighbour_id);
        expect(l?.common_count, `${user.name}: films in common`).toBe(n.common_count);
        expect(Math.abs(Number(l?.correlation) - n.correlation), `${user.name}: correlation`).toBeLessThan(1e-4);
        expect(Math.abs(Number(l?.similarity) - n.similarity), `${user.name}: weighted similarity`).toBeLessThan(1e-4);
        compared++;
      }
    }
    expect(compared, "the fixture has neighbours to compare").toBeGreaterThan(10);
  });
});

/** `marquee model load`: externally trained weights and factors replace the serving tables. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFactors, loadSimilarities } from "../../node/cli/model";
import { runNightly } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { FILMS, loadTasteWorldWithMe } from "./fixture";

let db: TestDatabase;
let me: string;
let dir: string;

beforeAll(async () => {
  db = await freshDatabase();
  me = await loadTasteWorldWithMe(db);
  dir = await mkdtemp(join(tmpdir(), "marquee-model-"));
});
afterAll(async () => {
  await db?.dispose();
});

describe("model load", () => {
  it("replaces movie_similarities with the file's weights, skipping films the catalogue lacks", async () => {
    const file = join(dir, "sims.csv");
    await writeFile(
      file,
      `movie_id,neighbour_id,weight,support\n${FILMS.alien.id},${FILMS.prometheus.id},0.4,12\n${FILMS.alien.id},999999,0.3,1\n`,
    );
    await runNightly(db, { ratingModel: false });
    const [before] = await db.query<{ n: number }>("select count(*)::int as n from public.user_item_candidates");
    expect(before.n, "the nightly run stored item candidates").toBeGreaterThan(0);
    const result = await db.transaction((tx) => loadSimilarities(tx, file));
    expect(result).toEqual({ rows: 1, skipped: 1 });
    const rows = await db.query<{ neighbour_id: number; similarity: number }>(
      "select neighbour_id, similarity from public.movie_similarities",
    );
    expect(rows).toEqual([{ neighbour_id: FILMS.prometheus.id, similarity: expect.closeTo(0.4, 5) }]);
    const [stale] = await db.query<{ n: number }>("select count(*)::int as n from public.user_item_candidates");
    expect(stale.n, "item candidates summed over the old weights are dropped").toBe(0);
  });

  it("loads factors that predict_ratings then serves (method 'model')", async () => {
    const file = join(dir, "factors.csv");
    await writeFile(
      file,
      [
        "kind,id,bias,factors",
        "mean,,3.5,",
        `user,${me},0.2,1 0`,
        `film,${FILMS.prometheus.id},0.1,1 0`,
        `film,${FILMS.titanic.id},0,-1 0`,
      ].join("\n"),
    );
    const result = await db.transaction((tx) => loadFactors(tx, file));
    expect(result).toEqual({ users: 1, films: 2, skipped: 0 });
    const p = await db.rpc("predict_ratings", {
      p_user_id: me,
      p_movie_ids: [FILMS.prometheus.id, FILMS.titanic.id],
    });
    expect(p.map((r) => [Number(r.movie_id), r.method, Number(r.predicted_rating)])).toEqual(
      [
        [FILMS.titanic.id, "model", expect.closeTo(3.5 + 0.2 + 0 - 1, 4)],
        [FILMS.prometheus.id, "model", expect.closeTo(3.5 + 0.2 + 0.1 + 1, 4)],
      ].sort((a, b) => Number(a[0]) - Number(b[0])),
    );
  });

  it("rejects a file without the expected header", async () => {
    const file = join(dir, "bad.csv");
    await writeFile(file, "a,b,c\n1,2,3\n");
    await expect(db.transaction((tx) => loadSimilarities(tx, file))).rejects.toThrow(/header must start with/);
  });
});

/**
 * Truthful content reasons, on the taste world with hand-placed embeddings:
 * - "near": Prometheus sits next to Alien and shares its director and genres -> the reason names Alien and them;
 * - "far": Titanic shares its director with Aliens, which I liked, but is far from it -> the reason names no
 *   film and claims no closeness, only the shared director;
 * - "shares nothing": Amélie sits as close to Blade Runner as Prometheus to Alien but shares no genre, cast,
 *   keyword or director with it -> no content reason;
 * - "not liked": a user who rated Alien 3 stars is never told they liked it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recommendationReasons } from "../../functions/lib/recommend/reasons";
import { runNightly } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { FILMS, insertUser, loadTasteWorldWithMe, rate } from "./fixture";

let db: TestDatabase;
let me: string;

/** The normalised sum of the given components (axis -> amount); axis 0 is a component every film has some of. */
function vector(parts: Record<number, number>): string {
  const v = new Array(384).fill(0);
  for (const [axis, amount] of Object.entries(parts)) v[Number(axis)] = amount;
  const norm = Math.hypot(...v);
  return `[${v.map((x) => x / norm).join(",")}]`;
}

// Near pairs share an axis (cosine about 0.99); the four "crowd" films share much of axis 0 (cosine 0.5 between
// them), so the calibrated threshold (95th percentile of the 45 pairs) lands near 0.5. Titanic leans a little
// towards Aliens (cosine about 0.35): below the threshold although both are James Cameron films.
const PLACES: Record<number, string> = {
  [FILMS.alien.id]: vector({ 0: 0.2, 1: 1 }),
  [FILMS.prometheus.id]: vector({ 0: 0.2, 1: 1, 2: 0.1 }),
  [FILMS.aliens.id]: vector({ 0: 0.2, 10: 1 }),
  [FILMS.bladeRunner.id]: vector({ 0: 0.2, 20: 1 }),
  [FILMS.amelie.id]: vector({ 0: 0.2, 20: 1, 21: 0.1 }),
  [FILMS.titanic.id]: vector({ 0: 0.2, 40: 1, 10: 0.35 }),
  [FILMS.notebook.id]: vector({ 0: 1, 30: 1 }),
  [FILMS.paddington.id]: vector({ 0: 1, 50: 1 }),
  [FILMS.loveActually.id]: vector({ 0: 1, 60: 1 }),
  [FILMS.hiddenGem.id]: vector({ 0: 1, 70: 1 }),
};

type Row = Record<string, unknown>;
const contentRows = async (user: string) =>
  db.rpc("get_recommendations", { p_user_id: user, p_strategy: "content", p_limit: 20 });

beforeAll(async () => {
  db = await freshDatabase();
  me = await loadTasteWorldWithMe(db);
  for (const [id, embedding] of Object.entries(PLACES)) {
    await db.query("update public.movies set embedding = $2::vector, embedding_model = 'fixture' where id = $1", [
      Number(id),
      embedding,
    ]);
  }
  await runNightly(db);
});
afterAll(async () => {
  await db?.dispose();
});

describe("content reasons", () => {
  it("calibrates the similarity a content reason needs from the catalogue", async () => {
    const [run] = await db.query<{ t: number }>(
      "select (summary ->> 'contentThreshold')::real as t from public.recommendation_job_runs order by id desc limit 1",
    );
    expect(run.t, "95th percentile of pairwise cosines: at the crowd's 0.5, below the near pairs").toBeCloseTo(0.5, 1);
  });

  it("near: names the liked film and what both share", async () => {
    const rows = await contentRows(me);
    const prometheus = rows.find((r) => Number(r.movie?.id) === FILMS.prometheus.id);
    const reasons = (prometheus ? recommendationReasons(prometheus) : []).filter((r) => r.source === "content");
    expect(
      reasons.map((r) => r.text),
      JSON.stringify(prometheus),
    ).toEqual([expect.stringMatching(/^Shares .*director Ridley Scott.* with Alien, which you liked$/)]);
  });

  it("far: names no film, only what it shares with the films I liked", async () => {
    const rows = await contentRows(me);
    const titanic = rows.find((r) => Number(r.movie?.id) === FILMS.titanic.id);
    const reasons = (titanic ? recommendationReasons(titanic) : []).filter((r) => r.source === "content");
    expect(
      reasons.map((r) => r.text),
      JSON.stringify(titanic),
    ).toEqual(["Shares director James Cameron with films you liked"]);
  });

  it("shares nothing: no content reason", async () => {
    const rows = await contentRows(me);
    const amelie = rows.find((r) => Number(r.movie?.id) === FILMS.amelie.id);
    expect(amelie, "Amélie is still a content candidate").toBeDefined();
    const reasons = (amelie ? recommendationReasons(amelie) : []).filter((r) => r.source === "content");
    expect(reasons, JSON.stringify(amelie)).toEqual([]);
  });

  it("not liked: a 3-star film is never called liked", async () => {
    const lukewarm = await insertUser(db, "lukewarm");
    await rate(db, lukewarm, [
      ["alien", 3],
      ["titanic", 3],
      ["paddington", 3],
    ]);
    const rows = await contentRows(lukewarm);
    const texts = rows.flatMap((r) => recommendationReasons(r).map((x) => x.text));
    expect(
      texts.filter((t) => t.includes("which you liked")),
      texts.join(" | "),
    ).toEqual([]);
  });
});

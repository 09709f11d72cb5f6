/**
 * "all-5★ user": a user whose ratings are all equal has no Pearson correlation with anyone (zero variance); they
 * are compared by agreement instead and get collaborative neighbours, both from the nightly job and on request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNightly } from "../../node/jobs/nightly";
import { freshDatabase, type TestDatabase } from "../support/database";
import { insertUser, loadOtherUsers, loadTasteWorld, rate } from "./fixture";

let db: TestDatabase;
let nightlyFan: string;

const ALL_FIVE: Parameters<typeof rate>[2] = [
  ["alien", 5],
  ["aliens", 5],
  ["bladeRunner", 5],
];

const neighbourNames = async (user: string) =>
  (
    await db.query<{ name: string }>(
      `select u.display_name as name from public.user_neighbours($1) n join public.users u on u.id = n.neighbour_id
       order by n.similarity desc, u.display_name`,
      [user],
    )
  ).map((r) => r.name);

beforeAll(async () => {
  db = await freshDatabase();
  await loadTasteWorld(db);
  await loadOtherUsers(db);
  nightlyFan = await insertUser(db, "all-5 fan");
  await rate(db, nightlyFan, ALL_FIVE);
  await runNightly(db);
});
afterAll(async () => {
  await db?.dispose();
});

describe("all-5★ user", () => {
  it("gets the sci-fi fans as nightly neighbours, though Pearson is undefined for them", async () => {
    const names = await neighbourNames(nightlyFan);
    expect(names.sort(), "the four sci-fi fans rated the same three films highly").toEqual([
      "scifi0",
      "scifi1",
      "scifi2",
      "scifi3",
    ]);
  });

  it("gets them on request too when they rated after the nightly run", async () => {
    const late = await insertUser(db, "late all-5 fan");
    await rate(db, late, ALL_FIVE);
    const names = await neighbourNames(late);
    expect(names, "on-request neighbours include the sci-fi fans").toEqual(
      expect.arrayContaining(["scifi0", "scifi1", "scifi2", "scifi3"]),
    );
    const [first] = await db.rpc("get_recommendations", {
      p_user_id: late,
      p_strategy: "cf",
      p_limit: 3,
    });
    expect(first?.strategy?.served, "cf serves them instead of falling back to popular").toBe("cf");
  });
});

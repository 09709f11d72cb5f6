/**
 * What `npm start` does to a fresh embedded database: migrate, load the demo, embed it, and compute the nightly
 * neighbour tables once, so every recommendation strategy answers for the demo user on the first start.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../functions/env";
import type { SqlDatabase } from "../../functions/lib/db/port";
import { openPglite } from "../../node/db/pglite";
import { DEMO_LOGIN } from "../../node/demo/load-demo";
import { prepareDatabase } from "../../node/server";

let db: SqlDatabase;
const config = parseConfig({ MARQUEE_DB: "pglite" });

beforeAll(async () => {
  db = await openPglite();
  await prepareDatabase(db, config);
}, 600_000);

afterAll(async () => {
  await db?.close();
});

async function nightlyRuns(): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    "select count(*)::int as n from public.recommendation_job_runs where job = 'nightly'",
  );
  return row.n;
}

describe("the first start on an empty embedded database", () => {
  it("serves the demo user item-based recommendations, not the popularity fallback", async () => {
    const [demo] = await db.query<{ id: string }>("select id from public.users where email = $1", [DEMO_LOGIN.email]);
    for (const strategy of ["item", "cf", "content", "hybrid"]) {
      const rows = await db.rpc("get_recommendations", {
        p_user_id: demo.id,
        p_strategy: strategy,
        p_limit: 10,
      });
      expect(rows.length, `${strategy}: no recommendations`).toBe(10);
      expect(rows[0].strategy?.served, `${strategy} fell back`).toBe(strategy);
    }
  });

  it("computes the neighbours once: a second start leaves them to the nightly job", async () => {
    expect(await nightlyRuns()).toBe(1);
    await prepareDatabase(db, config);
    expect(await nightlyRuns()).toBe(1);
  });
});

/**
 * Recommendation batches over the stored list (routes/recommendations/batches.ts, recommendation_list), through
 * the Node server on the taste world of fixture.ts: each rule of the issue on its own user, so that no test sees
 * another's list. Batches of 2 so the world's handful of candidates spans several batches.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNightly } from "../../node/jobs/nightly";
import { AUTH_TEST_ENV, signTestToken } from "../support/auth";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";
import { FILMS, insertUser, loadOtherUsers, loadTasteWorld, ME_RATINGS, rate } from "./fixture";

interface Item {
  id: number;
  title: string;
  matchedUsers: unknown[];
  potentialMatches: number | null;
}
interface Answer {
  recommendationId: string | null;
  next: string | null;
  batch: {
    number: number;
    size: number;
    listDepth: number;
    diversity: number;
    restarted: string | null;
    expiresAt: string;
  } | null;
  data: Item[];
}

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  await loadTasteWorld(db);
  await loadOtherUsers(db);
  // Eight more films the sci-fi fans rated, so that "me" has candidates for several batches.
  await db.query(
    `insert into public.movies (id, title, original_title, release_date, release_year, original_language, genres,
       director, popularity, vote_count, vote_average)
     select 200 + k, 'Extra ' || k, 'Extra ' || k, make_date(1970 + 5 * k, 1, 1), 1970 + 5 * k,
            case when k % 2 = 0 then 'en' else 'fr' end,
            case when k % 2 = 0 then array['Science Fiction'] else array['Drama', 'Horror'] end,
            'Director ' || k, 5, 50, 6.5
     from generate_series(1, 8) k`,
  );
  await db.query(
    `insert into public.ratings (user_id, movie_id, rating)
     select u.id, 200 + k, 3.5 + (k % 4) * 0.5 from public.users u, generate_series(1, 8) k
     where u.display_name like 'scifi%'`,
  );
  await runNightly(db);
  server = await startTestServer(db, { ...AUTH_TEST_ENV, RECOMMENDATION_DIVERSITY: "0" });
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

async function newMe(name: string) {
  const id = await insertUser(db, name);
  await rate(db, id, ME_RATINGS);
  return { id, token: await signTestToken(id) };
}

async function get(user: { token: string }, path: string): Promise<Answer> {
  const res = await server.get(path, { headers: { Authorization: `Bearer ${user.token}` } });
  const text = await res.text();
  expect(res.status, `${path}: ${text}`).toBe(200);
  return JSON.parse(text) as Answer;
}

const first = (user: { token: string }, extra = "") => get(user, `/v1/recommendations?limit=2${extra}`);
const next = (user: { token: string }, cursor: string) =>
  get(user, `/v1/recommendations/next?cursor=${encodeURIComponent(cursor)}`);
const ids = (a: Answer) => a.data.map((m) => m.id);

/** Every batch of the list, first to last. */
async function allBatches(user: { token: string }) {
  const batches = [await first(user)];
  for (let k = 0; k < 20; k++) {
    const cursor = batches[batches.length - 1].next;
    if (!cursor) break;
    batches.push(await next(user, cursor));
  }
  return batches;
}

describe("recommendation batches", () => {
  it("serves a first batch from the cards the list brought, the same rows recommendation_items gives", async () => {
    const me = await newMe("one trip");
    const batch = await get(me, "/v1/recommendations?limit=3");
    expect(batch.data).toHaveLength(3);
    const carded = await db.query<Record<string, unknown>>(
      `select movie_id, movie, recommendation, item_because_title, content_because_title, strategy, book_because_id,
              book_because_title, book_because_readers
       from public.recommendation_list($1::uuid, 'hybrid', p_refresh => false, p_depth => 100, p_cards => 3)
       order by rank`,
      [me.id],
    );
    expect(
      carded.slice(3).every((r) => r.movie === null),
      "cards only for the first p_cards rows",
    ).toBe(true);
    const items = await db.query<Record<string, unknown>>(
      `select (movie).id as movie_id, movie, recommendation, item_because_title, content_because_title, strategy,
              book_because_id, book_because_title, book_because_readers
       from public.recommendation_items($1::uuid, 'hybrid', $2::int[])`,
      [me.id, carded.slice(0, 3).map((r) => r.movie_id)],
    );
    expect(carded.slice(0, 3)).toEqual(items);
    expect(ids(batch), "the batch is those films").toEqual(items.map((r) => Number(r.movie_id)));
  });

  it("pages through the stored list without ever repeating a film, then ends", async () => {
    const me = await newMe("pager");
    const batches = await allBatches(me);
    expect(batches.length, "the world's candidates span several batches of 2").toBeGreaterThanOrEqual(3);
    const served = batches.flatMap(ids);
    expect(new Set(served).size, `repeated: ${served}`).toBe(served.length);
    expect(new Set(batches.map((b) => b.recommendationId)).size, "one list throughout").toBe(1);
    expect(batches.map((b) => b.batch?.number)).toEqual(batches.map((_, k) => k + 1));
    const whole = await get(me, "/v1/recommendations?limit=50&diversity=0");
    expect(served, "the batches are the stored list in order").toEqual(ids(whole));
    for (const [key] of ME_RATINGS) expect(served).not.toContain(FILMS[key].id);
    expect(batches[batches.length - 1].next).toBeNull();
  });

  it("skips a film rated or hidden since, without recomputing the list", async () => {
    const me = await newMe("skipper");
    const whole = ids(await get(me, "/v1/recommendations?limit=50&diversity=0"));
    const batch1 = await first(me);
    const [hideMe, rateMe] = whole.slice(2, 4);
    await db.query("insert into public.interactions (user_id, movie_id, type) values ($1, $2, 'hide')", [
      me.id,
      hideMe,
    ]);
    await db.query("insert into public.ratings (user_id, movie_id, rating) values ($1, $2, 4)", [me.id, rateMe]);
    const batch2 = await next(me, batch1.next as string);
    expect(batch2.recommendationId, "next does not recompute the list").toBe(batch1.recommendationId);
    expect(ids(batch2)).not.toContain(hideMe);
    expect(ids(batch2)).not.toContain(rateMe);
    expect(ids(batch2), "the films after them fill the batch").toEqual(whole.slice(4, 6));
  });

  it("recomputes the first batch after a new rating; the old list's cursor then starts the fresh one", async () => {
    const me = await newMe("refresher");
    const batch1 = await first(me);
    const top = batch1.data[0].id;
    await db.query("insert into public.ratings (user_id, movie_id, rating) values ($1, $2, 5)", [me.id, top]);
    const again = await first(me);
    expect(again.recommendationId, "a new list").not.toBe(batch1.recommendationId);
    expect(ids(again)).not.toContain(top);
    const stale = await next(me, batch1.next as string);
    expect(stale.batch?.restarted).toBe("replaced");
    expect(stale.recommendationId).toBe(again.recommendationId);
    expect(stale.batch?.number).toBe(1);
  });

  it("expires the list at midnight: next starts a fresh list", async () => {
    const me = await newMe("sleeper");
    const batch1 = await first(me);
    await db.query(
      "update public.recommendation_cache set computed_at = computed_at - interval '1 day' where user_id = $1",
      [me.id],
    );
    const after = await next(me, batch1.next as string);
    expect(after.batch?.restarted).toBe("expired");
    expect(after.recommendationId).not.toBe(batch1.recommendationId);
    expect(Date.parse(String(after.batch?.expiresAt))).toBeGreaterThan(Date.now());
  });

  it("expires the list once the user interacted with every film served from it", async () => {
    const me = await newMe("finisher");
    const batch1 = await first(me);
    const batch2 = await next(me, batch1.next as string);
    expect(batch2.batch?.restarted, "one film left untouched keeps the list").toBeNull();
    const view = (id: number) =>
      db.query("insert into public.interactions (user_id, movie_id, type) values ($1, $2, 'view')", [me.id, id]);
    for (const m of [...batch1.data, ...batch2.data.slice(0, 1)]) await view(m.id);
    const kept = await next(me, batch2.next as string);
    expect(kept.batch?.restarted, "one served film is still untouched").toBeNull();
    for (const m of batch2.data.slice(1)) await view(m.id);
    const done = await next(me, batch2.next as string);
    expect(done.batch?.restarted).toBe("completed");
    expect(done.recommendationId).not.toBe(batch1.recommendationId);
  });

  it("expires at midnight in the user's time zone", async () => {
    const me = await newMe("traveller");
    const at = "2026-01-01T23:30:00Z";
    const expiry = async () =>
      new Date(
        String(
          (await db.rpc("recommendation_list_expiry", { p_user_id: me.id, p_computed_at: at }))[0]
            .recommendation_list_expiry,
        ),
      ).toISOString();
    expect(await expiry(), "UTC by default").toBe("2026-01-02T00:00:00.000Z");
    await db.query("update public.users set time_zone = 'Europe/Paris' where id = $1", [me.id]);
    expect(await expiry(), "00:30 on 2 January in Paris: the next midnight there").toBe("2026-01-02T23:00:00.000Z");
    await db.query("update public.users set time_zone = 'America/New_York' where id = $1", [me.id]);
    expect(await expiry(), "18:30 on 1 January in New York").toBe("2026-01-02T05:00:00.000Z");
  });

  it("re-ranks by diversity as asked: 0 is the relevance order, 1 spreads genres, decades and languages", async () => {
    const me = await newMe("explorer");
    const plain = await get(me, "/v1/recommendations?limit=4&diversity=0");
    const varied = await get(me, "/v1/recommendations?limit=4&diversity=1");
    const whole = await get(me, "/v1/recommendations?limit=50&diversity=0");
    expect(ids(plain)).toEqual(ids(whole).slice(0, 4));
    expect(ids(varied), "a different list").not.toEqual(ids(plain));
    expect(varied.batch?.diversity).toBe(1);
    const next1 = await next(me, varied.next as string);
    expect(
      ids(next1).some((id) => ids(varied).includes(id)),
      "the diverse order pages without repeats",
    ).toBe(false);
  });

  it("refuses a cursor that is not one of its own, and a filtered list has no batches", async () => {
    const me = await newMe("forger");
    const res = await server.get("/v1/recommendations/next?cursor=abc.def", {
      headers: { Authorization: `Bearer ${me.token}` },
    });
    expect(res.status).toBe(400);
    const filtered = await get(me, "/v1/recommendations?genre=Romance");
    expect(filtered.recommendationId).toBeNull();
    expect(filtered.next).toBeNull();
  });
});

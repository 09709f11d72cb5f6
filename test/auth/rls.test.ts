/**
 * The database layer of authorisation, tested the way PostgREST calls it: inside a transaction, `set local role
 * authenticated` (or anon) and `request.jwt.claims` set to the token's claims. Nothing here goes through the edge.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestUser, type TestUser } from "../support/auth";
import { FILMS, loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";

let db: TestDatabase;
let ana: TestUser;
let ben: TestUser;

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  ana = await createTestUser(db, { displayName: "Ana" });
  ben = await createTestUser(db, { displayName: "Ben" });
  for (const [user, film, stars] of [
    [ana, FILMS.matrix.id, 5],
    [ben, FILMS.matrix.id, 2],
    [ben, FILMS.amelie.id, 4],
  ] as const) {
    await db.query("insert into public.ratings (user_id, movie_id, rating) values ($1, $2, $3)", [
      user.id,
      film,
      stars,
    ]);
  }
  await db.query(
    "insert into public.interactions (user_id, movie_id, type) values ($1, $2, 'like'), ($3, $2, 'hide')",
    [ana.id, FILMS.arrival.id, ben.id],
  );
});
afterAll(async () => {
  await db?.dispose();
});

type Outcome = { rows: Record<string, unknown>[]; error?: undefined } | { rows?: undefined; error: string };

/** Runs one statement as `role` with the claims PostgREST would set for `user`, then rolls everything back. */
async function as(
  role: "authenticated" | "anon",
  user: TestUser | null,
  sql: string,
  params: unknown[] = [],
): Promise<Outcome> {
  let outcome: Outcome = { rows: [] };
  let finished = false;
  try {
    await db.transaction(async (tx) => {
      const claims = user ? { sub: user.id, role, aud: "authenticated" } : { role };
      await tx.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
      await tx.query(`set local role ${role}`);
      try {
        outcome = { rows: await tx.query(sql, params) };
      } catch (error) {
        outcome = { error: `${(error as { code?: string }).code}: ${(error as Error).message}` };
      }
      finished = true;
      throw new Error("roll back");
    });
  } catch (error) {
    // The adapters wrap what the callback throws, so the deliberate rollback is recognised by the flag.
    if (!finished) throw error;
  }
  return outcome;
}

function denied(outcome: Outcome, what: string) {
  expect(outcome.error, `${what} should be refused, got ${JSON.stringify(outcome.rows)}`).toMatch(
    /^42501|permission denied|row-level security/,
  );
}

describe("RLS as authenticated (PostgREST claims)", () => {
  it("shows a user only their own ratings, profile and interactions", async () => {
    const ratings = await as("authenticated", ana, "select user_id, movie_id from public.ratings");
    expect(ratings.rows?.map((r) => r.user_id)).toEqual([ana.id]);
    const users = await as("authenticated", ana, "select id from public.users");
    expect(users.rows?.map((r) => r.id)).toEqual([ana.id]);
    const interactions = await as("authenticated", ben, "select user_id, type from public.interactions");
    expect(interactions.rows).toEqual([{ user_id: ben.id, type: "hide" }]);
  });

  it("refuses writes in another user's name and leaves their rows alone", async () => {
    denied(
      await as("authenticated", ana, "insert into public.ratings (user_id, movie_id, rating) values ($1, $2, 1)", [
        ben.id,
        FILMS.arrival.id,
      ]),
      "inserting a rating as Ben",
    );
    denied(
      await as(
        "authenticated",
        ana,
        "insert into public.interactions (user_id, movie_id, type) values ($1, $2, 'like')",
        [ben.id, FILMS.arrival.id],
      ),
      "inserting an interaction as Ben",
    );
    const update = await as(
      "authenticated",
      ana,
      "update public.ratings set rating = 0.5 where user_id = $1 returning 1",
      [ben.id],
    );
    expect(update.rows, "Ben's ratings are invisible to Ana's update").toEqual([]);
    const del = await as("authenticated", ana, "delete from public.ratings where user_id = $1 returning 1", [ben.id]);
    expect(del.rows).toEqual([]);
    const delI = await as("authenticated", ana, "delete from public.interactions where user_id = $1 returning 1", [
      ben.id,
    ]);
    expect(delI.rows).toEqual([]);
    const moveOwn = await as("authenticated", ana, "update public.ratings set user_id = $1 where user_id = $2", [
      ben.id,
      ana.id,
    ]);
    denied(moveOwn, "handing a rating over to Ben");
  });

  it("lets a user change their own rows", async () => {
    const own = await as(
      "authenticated",
      ana,
      "update public.ratings set rating = 3 where user_id = $1 returning rating::text",
      [ana.id],
    );
    expect(own.rows).toEqual([{ rating: "3.0" }]);
    const name = await as("authenticated", ana, "update public.users set display_name = 'Ana B' returning id");
    expect(name.rows?.map((r) => r.id)).toEqual([ana.id]);
    denied(
      await as("authenticated", ana, "update public.users set email = 'x@example.org'"),
      "changing the email directly",
    );
  });

  it("keeps credentials and the login throttle out of reach", async () => {
    denied(await as("authenticated", ana, "select * from public.user_credentials"), "reading password hashes");
    denied(await as("authenticated", ana, "select * from public.login_throttle"), "reading the throttle");
    denied(
      await as("authenticated", ana, "select * from public.begin_login('x@y.z', 'c', now(), 1, 1, 1, 60, 60)"),
      "begin_login",
    );
    denied(await as("authenticated", ana, "select * from public.register_user('x@y.z', 'h', 'n')"), "register_user");
    denied(
      await as("authenticated", ana, "select * from public.throttle_attempt(array['k'], array[1], now(), 1, 1, 60)"),
      "throttle_attempt",
    );
    denied(
      await as("authenticated", ana, "select * from public.complete_login('x@y.z', 'c', $1)", [ana.id]),
      "complete_login",
    );
  });

  it("runs the API's SQL functions under RLS, confined to the caller", async () => {
    const mine = await as("authenticated", ana, "select movie_id from public.list_my_ratings($1)", [ana.id]);
    expect(mine.rows?.map((r) => r.movie_id)).toEqual([FILMS.matrix.id]);
    const theirs = await as("authenticated", ana, "select movie_id from public.list_my_ratings($1)", [ben.id]);
    expect(theirs.rows, "Ben's ratings through Ana's token").toEqual([]);
    denied(
      await as("authenticated", ana, "select * from public.put_rating($1, $2, 1)", [ben.id, FILMS.arrival.id]),
      "put_rating as Ben",
    );
    const put = await as("authenticated", ana, "select created from public.put_rating($1, $2, 4.5)", [
      ana.id,
      FILMS.arrival.id,
    ]);
    expect(put.rows).toEqual([{ created: true }]);
    const like = await as("authenticated", ana, "select type from public.record_interaction($1, 'like', $2)", [
      ana.id,
      FILMS.amelie.id,
    ]);
    expect(like.rows).toEqual([{ type: "like" }]);
    denied(
      await as("authenticated", ana, "select * from public.record_interaction($1, 'like', $2)", [
        ben.id,
        FILMS.amelie.id,
      ]),
      "liking as Ben",
    );
    const removed = await as("authenticated", ana, "select * from public.remove_interaction($1, 'hide', $2)", [
      ben.id,
      FILMS.arrival.id,
    ]);
    expect(removed.rows, "Ben's hide cannot be removed by Ana").toEqual([]);
    const me = await as("authenticated", ana, "select id from public.get_auth_user($1)", [ben.id]);
    expect(me.rows).toEqual([]);
  });
});

describe("RLS as anon", () => {
  it("reaches no user-owned row and no account function", async () => {
    for (const table of ["users", "ratings", "interactions", "user_credentials", "login_throttle"]) {
      denied(await as("anon", null, `select * from public.${table}`), `anon reading ${table}`);
    }
    for (const [sql, params] of [
      ["select * from public.put_rating($1, $2, 4)", [ana.id, FILMS.matrix.id]],
      ["select * from public.list_my_ratings($1)", [ana.id]],
      ["select * from public.record_interaction($1, 'like', $2)", [ana.id, FILMS.matrix.id]],
      ["select * from public.get_auth_user($1)", [ana.id]],
      ["select * from public.begin_login('x@y.z', 'c', now(), 1, 1, 1, 60, 60)", []],
    ] as const) {
      denied(await as("anon", null, sql, [...params]), `anon calling ${sql}`);
    }
    const movies = await as("anon", null, "select count(*)::int as n from public.movies");
    expect(movies.rows?.[0].n, "the catalogue stays public").toBe(Object.keys(FILMS).length);
  });
});

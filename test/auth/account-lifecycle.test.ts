/**
 * Account lifecycle: deleting an account with all its personal data, changing the password, signing out
 * everywhere. Old tokens die at the edge at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH_TEST_ENV, bearer, createTestUser, type TestUser } from "../support/auth";
import { loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  server = await startTestServer(db, AUTH_TEST_ENV);
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

const send = (path: string, user: { token: string }, method: string, body?: unknown) =>
  server.get(path, {
    method,
    headers: { ...bearer(user), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function withPersonalData(user: TestUser, other: TestUser) {
  for (const movieId of [603, 194]) {
    expect((await send(`/v1/ratings/${movieId}`, user, "PUT", { rating: 4.5 })).status).toBe(201);
  }
  expect((await send("/v1/interactions", user, "POST", { type: "search", query: "heist in paris" })).status).toBe(201);
  expect((await send("/v1/recommendations", user, "GET")).status).toBe(200);
  await db.query(
    `insert into public.recommendation_cache (user_id, strategy, rank, fingerprint, movie_id, recommendation, served)
     values ($1, 'hybrid', 1, 'f', 603, row(1, null, array['popular'], null, null, null, null, null, null, null, null,
             null, null, 10, 4)::public.recommendation_row,
             row('hybrid', 'hybrid', null, null, 5, 5)::public.recommendation_strategy)`,
    [user.id],
  );
  // Neighbour rows both ways, and another user's cached neighbours naming this one.
  await db.query(
    `insert into public.user_similarities (user_id, neighbour_id, similarity, correlation, common_count, neighbour_mean)
     values ($1, $2, 0.5, 0.5, 3, 4), ($2, $1, 0.5, 0.5, 3, 4)`,
    [user.id, other.id],
  );
  await db.query(
    `insert into public.user_neighbour_cache (user_id, fingerprint, neighbour_ids, similarities, correlations,
       common_counts, neighbour_means, expires_at)
     values ($1, 'f', array[$2::uuid], '{0.5}', '{0.5}', '{3}', '{4}', now() + interval '1 day')`,
    [other.id, user.id],
  );
  await server.json("/v1/auth/login", { email: user.email, password: "wrong password" });
}

/** Rows naming the user in every column personal_data_columns lists, by table.column. */
async function rowsNaming(userId: string): Promise<Record<string, number>> {
  const columns = await db.query<{ table_name: string; column_name: string; match: string }>(
    "select table_name, column_name, match from public.personal_data_columns",
  );
  const counts: Record<string, number> = {};
  for (const c of columns) {
    const where = c.match === "contains" ? `$1 = any (${c.column_name})` : `${c.column_name} = $1`;
    const [row] = await db.query<{ n: number }>(
      `select count(*)::int as n from public.${c.table_name} where ${where}`,
      [userId],
    );
    counts[`${c.table_name}.${c.column_name}`] = row.n;
  }
  return counts;
}

describe("DELETE /v1/auth/me", () => {
  it("deletes the account and every row naming it, and its token answers 401 at once", async () => {
    const user = await createTestUser(server);
    const other = await createTestUser(server);
    await withPersonalData(user, other);
    const before = await rowsNaming(user.id);
    expect(before["ratings.user_id"]).toBe(2);
    expect(before["user_neighbour_cache.neighbour_ids"]).toBe(1);
    expect(before["recommendation_cache.user_id"]).toBe(1);
    const otherBefore = await rowsNaming(other.id);

    const res = await send("/v1/auth/me", user, "DELETE");
    expect(res.status, await res.clone().text()).toBe(204);

    const after = await rowsNaming(user.id);
    expect(
      Object.entries(after).filter(([, n]) => n > 0),
      "rows still naming the deleted user",
    ).toEqual([]);
    const [throttle] = await db.query<{ n: number }>(
      "select count(*)::int as n from public.login_throttle where key like '%' || $1 || '%'",
      [user.email],
    );
    expect(throttle.n, "sign-in counters keyed by the email").toBe(0);
    const otherAfter = await rowsNaming(other.id);
    expect(otherAfter["ratings.user_id"], "another user's ratings stay").toBe(otherBefore["ratings.user_id"]);
    expect(otherAfter["users.id"]).toBe(1);

    const me = await send("/v1/auth/me", user, "GET");
    expect(me.status, "a deleted user's token").toBe(401);
    expect(me.headers.get("www-authenticate")).toContain("invalid_token");
    expect((await send("/v1/ratings/me", user, "GET")).status).toBe(401);
    expect((await server.json("/v1/auth/login", { email: user.email, password: user.password })).status).toBe(401);
    const again = await server.json("/v1/auth/register", {
      email: user.email,
      password: user.password,
      displayName: "Back",
    });
    expect(again.status, "the email is free again").toBe(201);
  });
});

describe("POST /v1/auth/password", () => {
  it("changes the password, revokes every earlier token and answers a new session", async () => {
    const user = await createTestUser(server);
    const otherDevice = (
      await (await server.json("/v1/auth/login", { email: user.email, password: user.password })).json()
    ).accessToken as string;

    const wrong = await send("/v1/auth/password", user, "POST", {
      currentPassword: "not my password",
      newPassword: "a brand new password",
    });
    expect(wrong.status, await wrong.clone().text()).toBe(403);
    const blank = await send("/v1/auth/password", user, "POST", {
      currentPassword: user.password,
      newPassword: "         ",
    });
    expect(blank.status).toBe(400);

    const res = await send("/v1/auth/password", user, "POST", {
      currentPassword: user.password,
      newPassword: "a brand new password",
    });
    const session = await res.json();
    expect(res.status, JSON.stringify(session)).toBe(200);
    for (const [what, token] of [
      ["this token", user.token],
      ["another device's token", otherDevice],
    ]) {
      const old = await send("/v1/auth/me", { token }, "GET");
      expect(old.status, what).toBe(401);
      expect((await old.json()).error.message).toBe("token was revoked");
    }
    expect((await send("/v1/auth/me", { token: session.accessToken }, "GET")).status, "the new session").toBe(200);
    expect((await server.json("/v1/auth/login", { email: user.email, password: user.password })).status).toBe(401);
    const fresh = await server.json("/v1/auth/login", { email: user.email, password: "a brand new password" });
    expect(fresh.status).toBe(200);
    expect((await send("/v1/auth/me", await fresh.json().then((b) => ({ token: b.accessToken })), "GET")).status).toBe(
      200,
    );
  });
});

describe("POST /v1/auth/logout-all", () => {
  it("revokes every token of the account; signing in again works", async () => {
    const user = await createTestUser(server);
    const other = await createTestUser(server);
    expect((await send("/v1/auth/logout-all", user, "POST")).status).toBe(204);
    expect((await send("/v1/auth/me", user, "GET")).status).toBe(401);
    expect((await send("/v1/auth/me", other, "GET")).status, "other users are untouched").toBe(200);
    const login = await server.json("/v1/auth/login", { email: user.email, password: user.password });
    expect(login.status).toBe(200);
    expect((await send("/v1/auth/me", { token: (await login.json()).accessToken }, "GET")).status).toBe(200);
  });
});

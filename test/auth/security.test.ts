/** The shared security tests (test/support/security.ts), run against every account, rating and interaction endpoint. */
import { afterAll, beforeAll } from "vitest";
import { AUTH_TEST_ENV, createTestUser, type TestUser } from "../support/auth";
import { FILMS, loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { securityTests } from "../support/security";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  server = await startTestServer(db, {
    ...AUTH_TEST_ENV,
    LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000",
    LOGIN_FREE_FAILURES: "1000",
  });
  user = await createTestUser(server, { email: "owner@example.org", username: "owner" });
  const other = await createTestUser(server, { email: "other@example.org" });
  // What belongs to someone else: Other's rating of Amélie and Other's hide of Arrival; the user has neither.
  await db.query("insert into public.ratings (user_id, movie_id, rating) values ($1, $2, 4)", [
    other.id,
    FILMS.amelie.id,
  ]);
  await db.query("insert into public.interactions (user_id, movie_id, type) values ($1, $2, 'hide')", [
    other.id,
    FILMS.arrival.id,
  ]);
  // And something of the user's own, so that lists and deletes have data to (not) leak.
  await db.query("insert into public.ratings (user_id, movie_id, rating) values ($1, $2, 5)", [
    user.id,
    FILMS.matrix.id,
  ]);
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

const ctx = () => ({ server, db, user });

securityTests(ctx, {
  method: "POST",
  path: "/v1/auth/register",
  auth: false,
  body: { email: "owner@example.org", password: "long enough password", displayName: "Dup", username: "owner_two" },
  freeText: ["password", "displayName"],
});
securityTests(ctx, {
  method: "POST",
  path: "/v1/auth/login",
  auth: false,
  body: { email: "owner@example.org", password: "wrong password" },
  freeText: [],
  allowedStatuses: [401],
});
securityTests(ctx, { method: "GET", path: "/v1/auth/me" });
securityTests(ctx, {
  method: "PUT",
  path: `/v1/ratings/${FILMS.matrix.id}`,
  body: { rating: 5 },
  hostilePath: (v) => `/v1/ratings/${v}`,
});
securityTests(ctx, { method: "GET", path: "/v1/ratings/me", strictQuery: true, paginated: true });
securityTests(ctx, {
  method: "DELETE",
  path: `/v1/ratings/${FILMS.obscure.id}`,
  hostilePath: (v) => `/v1/ratings/${v}`,
  otherUsersPath: `/v1/ratings/${FILMS.amelie.id}`,
});
securityTests(ctx, {
  method: "POST",
  path: "/ratings",
  body: { movie_id: FILMS.matrix.id, rating: 5 },
});
securityTests(ctx, { method: "GET", path: "/ratings/my", strictQuery: true, paginated: true });
securityTests(ctx, {
  method: "DELETE",
  path: `/ratings/${FILMS.obscure.id}`,
  hostilePath: (v) => `/ratings/${v}`,
  otherUsersPath: `/ratings/${FILMS.amelie.id}`,
});
securityTests(ctx, {
  method: "POST",
  path: "/v1/interactions",
  // A like the user already has would be a no-op; hostile values must never get that far anyway.
  body: { type: "like", movieId: 424242 },
  allowedStatuses: [],
});
securityTests(ctx, { method: "GET", path: "/v1/interactions/me", strictQuery: true, paginated: true });
securityTests(ctx, {
  method: "DELETE",
  path: `/v1/interactions/hide/${FILMS.obscure.id}`,
  hostilePath: (v) => `/v1/interactions/hide/${v}`,
  otherUsersPath: `/v1/interactions/hide/${FILMS.arrival.id}`,
});
securityTests(ctx, {
  method: "PATCH",
  path: "/v1/auth/me",
  body: { displayName: "Owner" },
  freeText: ["displayName"],
});
securityTests(ctx, { method: "GET", path: "/v1/matches", strictQuery: true });
// The token cases (a cursor is only had from a first batch; batches.test.ts covers the real ones).
securityTests(ctx, {
  method: "GET",
  path: "/v1/recommendations/next?cursor=not-a-cursor",
  allowedStatuses: [400],
});
securityTests(ctx, {
  method: "POST",
  path: "/v1/recommendations/session",
  auth: false,
  body: { liked: [FILMS.matrix.id] },
});

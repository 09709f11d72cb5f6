/**
 * 50 clients each write 20 ratings at the same time, over 10 shared films (each client rates every film twice,
 * changing its mind). The final state must be exact: 500 rows, each holding the client's last word.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH_TEST_ENV, bearer, createTestUser, type TestUser } from "../support/auth";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

const CLIENTS = 50;
const WRITES = 20;
const FILM_IDS = Array.from({ length: 10 }, (_, k) => 5000 + k);

let db: TestDatabase;
let server: TestServer;
let users: TestUser[];

beforeAll(async () => {
  db = await freshDatabase({ poolSize: 16 });
  await db.query(
    "insert into public.movies (id, title, release_year) select id, 'Shared film ' || id, 2000 from unnest($1::int[]) as id",
    [FILM_IDS],
  );
  server = await startTestServer(db, AUTH_TEST_ENV);
  users = await Promise.all(Array.from({ length: CLIENTS }, () => createTestUser(db)));
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

/** The j-th write of client c: which film, how many stars. */
function write(c: number, j: number) {
  return { film: FILM_IDS[(c + j) % FILM_IDS.length], stars: (((c * 7 + j * 3) % 10) + 1) / 2 };
}

describe("concurrent rating writes", () => {
  it("lose no update and create no duplicate", async () => {
    const failures: string[] = [];
    await Promise.all(
      users.map(async (user, c) => {
        for (let j = 0; j < WRITES; j++) {
          const { film, stars } = write(c, j);
          const res = await server.get(`/v1/ratings/${film}`, {
            method: "PUT",
            headers: { ...bearer(user), "content-type": "application/json" },
            body: JSON.stringify({ rating: stars }),
          });
          if (res.status !== 200 && res.status !== 201)
            failures.push(`client ${c} write ${j}: ${res.status} ${await res.text()}`);
          else await res.arrayBuffer();
        }
      }),
    );
    expect(failures, failures.slice(0, 3).join("\n")).toEqual([]);

    const expected = new Map<string, number>();
    users.forEach((user, c) => {
      for (let j = 0; j < WRITES; j++) {
        const { film, stars } = write(c, j);
        expected.set(`${user.id}/${film}`, stars);
      }
    });
    const rows = await db.query<{ user_id: string; movie_id: number; rating: string }>(
      "select user_id, movie_id, rating::text from public.ratings",
    );
    expect(rows.length, "one row per user and film").toBe(CLIENTS * FILM_IDS.length);
    const wrong = rows.filter((r) => expected.get(`${r.user_id}/${r.movie_id}`) !== Number(r.rating));
    expect(wrong.slice(0, 5), `${wrong.length} ratings differ from the client's last write`).toEqual([]);
  }, 120_000);
});

/**
 * Ratings through the Worker inside workerd, over the suite database (the catalogue fixture): what a signed-in
 * user rates comes back on their next request, newest first, and only to them.
 */
import { describe, expect, it } from "vitest";
import { FILMS } from "../support/catalog-fixture";
import { call, callAs, expectJson, registerUser, type WorkerUser } from "./support";

interface RatingList {
  data: { movieId: number; title: string; year: number | null; rating: number }[];
  nextCursor: string | null;
}

interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

const send = (method: string, path: string, user: WorkerUser, body?: unknown) => callAs(user, method, path, body);

async function myRatings(user: WorkerUser): Promise<RatingList> {
  return expectJson<RatingList>(await send("GET", "/v1/ratings/me", user), 200);
}

const rows = (list: RatingList) => list.data.map((r) => [r.title, r.year, r.rating]);

describe("ratings in workerd", () => {
  it("creates (201), updates (200), lists newest first with title and year, and deletes (204)", async () => {
    const ana = await registerUser({ displayName: "Ana" });
    const created = await expectJson(await send("PUT", `/v1/ratings/${FILMS.matrix.id}`, ana, { rating: 4.5 }), 201);
    expect(created).toMatchObject({ movieId: FILMS.matrix.id, rating: 4.5 });
    await expectJson(await send("PUT", `/v1/ratings/${FILMS.amelie.id}`, ana, { rating: 3 }), 201);
    expect(await myRatings(ana).then(rows), "the newest rating comes first").toEqual([
      ["Amélie", 2001, 3],
      ["The Matrix", 1999, 4.5],
    ]);

    const updated = await expectJson(await send("PUT", `/v1/ratings/${FILMS.matrix.id}`, ana, { rating: 5 }), 200);
    expect(updated, "a second PUT changes the rating").toMatchObject({ movieId: FILMS.matrix.id, rating: 5 });
    const list = await myRatings(ana);
    expect(rows(list), "the changed rating moves to the top").toEqual([
      ["The Matrix", 1999, 5],
      ["Amélie", 2001, 3],
    ]);
    expect(list.nextCursor).toBeNull();

    const deleted = await send("DELETE", `/v1/ratings/${FILMS.matrix.id}`, ana);
    expect(deleted.status, await deleted.text()).toBe(204);
    expect((await myRatings(ana)).data.map((r) => r.title)).toEqual(["Amélie"]);
    const again = await send("DELETE", `/v1/ratings/${FILMS.matrix.id}`, ana);
    expect((await expectJson<ErrorBody>(again, 404)).error.code, "already deleted").toBe("NOT_FOUND");
  });

  it("answers 400 naming the field for stars off the half-star scale, and keeps the last valid rating", async () => {
    const ben = await registerUser();
    await expectJson(await send("PUT", `/v1/ratings/${FILMS.arrival.id}`, ben, { rating: 2.5 }), 201);
    for (const rating of [4.3, 6]) {
      const body = await expectJson<ErrorBody>(
        await send("PUT", `/v1/ratings/${FILMS.arrival.id}`, ben, { rating }),
        400,
      );
      expect(body.error.code, `rating ${rating}`).toBe("BAD_REQUEST");
      expect(body.error.message, `rating ${rating}`).toContain("rating");
    }
    expect(rows(await myRatings(ben)), "the rejected ratings changed nothing").toEqual([["Arrival", 2016, 2.5]]);
  });

  it("keeps users apart: another user's list never shows my ratings, and they cannot delete them", async () => {
    const mine = await registerUser();
    const theirs = await registerUser();
    await expectJson(await send("PUT", `/v1/ratings/${FILMS.obscure.id}`, mine, { rating: 2 }), 201);
    await expectJson(await send("PUT", `/v1/ratings/${FILMS.arrival.id}`, theirs, { rating: 4 }), 201);
    expect(rows(await myRatings(theirs)), "their list holds only their rating").toEqual([["Arrival", 2016, 4]]);
    await expectJson(await send("DELETE", `/v1/ratings/${FILMS.obscure.id}`, theirs), 404);
    expect(rows(await myRatings(mine)), "my rating survives their delete").toEqual([["Tiny Perfect Film", 2015, 2]]);
  });

  it("answers the CineLibre alias POST /ratings and lists the result at GET /ratings/my", async () => {
    const dora = await registerUser();
    const created = await send("POST", "/ratings", dora, { movie_id: FILMS.amelie.id, rating: 4 });
    expect(await expectJson(created, 201)).toMatchObject({ movieId: FILMS.amelie.id, rating: 4 });
    await expectJson(await send("POST", "/ratings", dora, { movie_id: FILMS.amelie.id, rating: 3.5 }), 200);
    const list = await expectJson<RatingList>(await send("GET", "/ratings/my", dora), 200);
    expect(rows(list)).toEqual([["Amélie", 2001, 3.5]]);
    expect(rows(await myRatings(dora)), "the alias and /v1 see the same rating").toEqual([["Amélie", 2001, 3.5]]);
  });

  it("answers 401 without a token", async () => {
    const res = await call("/v1/ratings/me");
    expect((await expectJson<ErrorBody>(res, 401)).error.code).toBe("UNAUTHORIZED");
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });
});

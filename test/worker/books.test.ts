/**
 * Books through the real Worker entry inside workerd, over the suite database (the catalogue fixture and the
 * bookshelf of test/support/book-fixture.ts, with a few readers): the catalogue and its CineLibre aliases, similar
 * books, search by kind, ratings and signals, and recommendations with their cross-catalogue reason.
 */
import { describe, expect, it } from "vitest";
import { BOOKS } from "../support/book-fixture";
import { FILMS } from "../support/catalog-fixture";
import { call, callAs, expectJson, registerUser } from "./support";

interface Page {
  data: { kind: string; id: number; title: string }[];
  nextCursor: string | null;
}

describe("books in workerd", () => {
  it("lists books by popularity, pages with the cursor, and answers the CineLibre alias the same", async () => {
    const first = await expectJson<Page>(await call("/v1/books?limit=3"), 200);
    expect(first.data.map((b) => b.title)).toEqual(["The Great Gatsby", "The Hobbit", "The Fellowship of the Ring"]);
    expect(first.data.every((b) => b.kind === "book")).toBe(true);
    const next = await expectJson<Page>(
      await call(`/v1/books?limit=3&cursor=${encodeURIComponent(first.nextCursor ?? "")}`),
      200,
    );
    expect(next.data.map((b) => b.title)).toEqual(["Dune", "L'Étranger", "Dune Messiah"]);
    expect(await expectJson(await call("/books?limit=3"), 200)).toEqual(first);
    expect((await expectJson<Page>(await call("/v1/books?q=etranger"), 200)).data.map((b) => b.title)).toEqual([
      "L'Étranger",
    ]);
  });

  it("shows one book, 404 for an unknown one, 400 for a bad id, and the alias /books/{id}", async () => {
    const dune = await expectJson<Record<string, unknown>>(await call(`/v1/books/${BOOKS.dune.id}`), 200);
    expect(dune).toMatchObject({ title: "Dune", isbn13: [BOOKS.dune.isbn13], hasEmbedding: true });
    expect(await expectJson(await call(`/books/${BOOKS.dune.id}`), 200)).toEqual(dune);
    const missing = await expectJson<{ error: { code: string } }>(await call("/v1/books/424242"), 404);
    expect(missing.error.code).toBe("NOT_FOUND");
    await expectJson(await call("/v1/books/abc"), 400);
  });

  it("lists similar books with reasons, also through /recommendations/similar/book/{id}", async () => {
    type Similar = { data: { title: string; reasons: { text: string }[] }[] };
    const body = await expectJson<Similar>(await call(`/v1/books/${BOOKS.dune.id}/similar`), 200);
    expect(body.data[0]?.title).toBe("Dune Messiah");
    expect(body.data[0]?.reasons.map((r) => r.text)).toContain("Also in the Dune Chronicles series, like Dune");
    expect(await expectJson(await call(`/recommendations/similar/book/${BOOKS.dune.id}`), 200)).toEqual(body);
    await expectJson(await call("/recommendations/similar/comic/1"), 404);
  });

  it("searches books with kind=book and both catalogues with kind=all, films only by default", async () => {
    type Hits = { data: { kind: string; title: string }[] };
    const books = await expectJson<Hits>(await call("/v1/search?q=tolkien&kind=book"), 200);
    expect(books.data.map((h) => h.title)).toEqual(["The Hobbit", "The Fellowship of the Ring"]);
    const both = await expectJson<Hits>(await call("/v1/search?q=the&kind=all&limit=50"), 200);
    expect(new Set(both.data.map((h) => h.kind))).toEqual(new Set(["movie", "book"]));
    const films = await expectJson<Hits>(await call("/v1/search?q=the&limit=50"), 200);
    expect(films.data.every((h) => h.kind === "movie")).toBe(true);
  });

  it("rates a book, lists it, signals on it and deletes the rating, for the signed-in reader only", async () => {
    const ana = await registerUser({ displayName: "Ana" });
    await expectJson(await callAs(ana, "PUT", `/v1/book-ratings/${BOOKS.gatsby.id}`, { rating: 4 }), 201);
    await expectJson(await callAs(ana, "PUT", `/v1/book-ratings/${BOOKS.gatsby.id}`, { rating: 4.5 }), 200);
    const mine = await expectJson<{ data: { title: string; rating: number }[] }>(
      await callAs(ana, "GET", "/v1/book-ratings/me"),
      200,
    );
    expect(mine.data.map((r) => [r.title, r.rating])).toEqual([["The Great Gatsby", 4.5]]);
    await expectJson(
      await callAs(ana, "POST", "/v1/book-interactions", { type: "watchlist", bookId: BOOKS.dune.id }),
      201,
    );
    const signals = await expectJson<{ data: { type: string; bookId: number }[] }>(
      await callAs(ana, "GET", "/v1/book-interactions/me"),
      200,
    );
    expect(signals.data.map((i) => [i.type, i.bookId])).toEqual([["watchlist", BOOKS.dune.id]]);
    expect((await callAs(ana, "DELETE", `/v1/book-interactions/watchlist/${BOOKS.dune.id}`)).status).toBe(204);
    expect((await callAs(ana, "DELETE", `/v1/book-ratings/${BOOKS.gatsby.id}`)).status).toBe(204);
    expect((await callAs(ana, "DELETE", `/v1/book-ratings/${BOOKS.gatsby.id}`)).status).toBe(404);
    expect((await call("/v1/book-ratings/me")).status).toBe(401);
  });

  it("recommends Dune to a fan of Arrival, saying that Arrival's fans loved it", async () => {
    const fan = await registerUser({ displayName: "Fan" });
    await expectJson(await callAs(fan, "PUT", `/v1/ratings/${FILMS.arrival.id}`, { rating: 5 }), 201);
    const recs = await expectJson<{ coldStart: boolean; data: { title: string; reasons: { text: string }[] }[] }>(
      await callAs(fan, "GET", "/v1/recommendations/books"),
      200,
    );
    expect(recs.coldStart).toBe(false);
    expect(recs.data[0]?.title).toBe("Dune");
    expect(recs.data[0]?.reasons.map((r) => r.text)).toContain(
      "2 people who loved the film Arrival, as you did, loved this book",
    );
  });
});

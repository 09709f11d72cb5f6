/**
 * Books end to end through the Node server on a real database: the catalogue, similar books, search by kind,
 * ratings and signals, recommendations with their cross-catalogue reasons, the CineLibre aliases, and account
 * deletion reaching the book tables.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalEmbedder } from "../../functions/lib/embed/local";
import { theSeries } from "../../functions/lib/recommend/book-reasons";
import { bookReason } from "../../functions/lib/recommend/reasons";
import { backfillEmbeddings } from "../../node/jobs/backfill-embeddings";
import { refreshBookNeighbours } from "../../node/jobs/book-neighbours";
import { runNightly } from "../../node/jobs/nightly";
import { AUTH_TEST_ENV, bearer, createTestUser, type TestUser } from "../support/auth";
import { BOOKS, loadBookShelf, loadReaders } from "../support/book-fixture";
import { FILMS, loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;

const DUNE_FILM = { id: 438631, title: "Dune" };

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  await db.query(
    `insert into public.movies (id, title, original_title, release_date, release_year, original_language, genres,
       popularity, vote_count, vote_average)
     values ($1, $2, $2, '2021-09-15', 2021, 'en', '{Science Fiction}', 50, 9000, 7.8)`,
    [DUNE_FILM.id, DUNE_FILM.title],
  );
  await loadBookShelf(db);
  // Arrival's fans read Dune; Dune's readers go on to Dune Messiah; Tolkien's readers read both of his books.
  await loadReaders(db, [
    {
      films: [[FILMS.arrival.id, 5]],
      books: [
        [BOOKS.dune.id, 5],
        [BOOKS.messiah.id, 4],
      ],
    },
    { films: [[FILMS.arrival.id, 4.5]], books: [[BOOKS.dune.id, 4.5]] },
    {
      films: [[FILMS.arrival.id, 4]],
      books: [
        [BOOKS.dune.id, 4],
        [BOOKS.gatsby.id, 2],
      ],
    },
    {
      books: [
        [BOOKS.hobbit.id, 5],
        [BOOKS.fellowship.id, 5],
      ],
    },
    {
      books: [
        [BOOKS.hobbit.id, 4],
        [BOOKS.fellowship.id, 4.5],
        [BOOKS.gatsby.id, 4],
      ],
    },
  ]);
  // Co-reading and film-to-book pairs come from the nightly job's books step, as in production.
  await refreshBookNeighbours(db);
  await backfillEmbeddings(db, new LocalEmbedder(), { kind: "book" });
  await backfillEmbeddings(db, new LocalEmbedder(), { kind: "movie" });
  server = await startTestServer(db, AUTH_TEST_ENV);
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

async function ok<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<T> {
  const res = await server.get(path, init);
  const body = await res.json();
  expect(res.status, `${path} -> ${JSON.stringify(body)}`).toBe(200);
  return body as T;
}

async function titles(path: string): Promise<string[]> {
  return (await ok<{ data: { title: string }[] }>(path)).data.map((b) => b.title);
}

async function status(path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await server.get(path, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

describe("GET /v1/books", () => {
  it("lists by popularity (rating count) by default, each row a book card", async () => {
    const body = await ok<{ data: Record<string, unknown>[] }>("/v1/books");
    expect(body.data.map((b) => b.title)).toEqual([
      "The Great Gatsby",
      "The Hobbit",
      "The Fellowship of the Ring",
      "Dune",
      "L'Étranger",
      "Dune Messiah",
      "Tiny Perfect Book",
    ]);
    expect(body.data[3]).toMatchObject({
      kind: "book",
      id: BOOKS.dune.id,
      authors: ["Frank Herbert"],
      year: 1965,
      series: { name: "Dune Chronicles", position: "1" },
      ratingCount: BOOKS.dune.count,
    });
  });

  it("sorts by the Bayesian rating, so three perfect ratings do not beat two million", async () => {
    const list = await titles("/v1/books?sort=rating");
    expect(list.indexOf("Tiny Perfect Book")).toBeGreaterThan(list.indexOf("The Fellowship of the Ring"));
    expect(list[0]).toBe("The Fellowship of the Ring");
  });

  it("sorts by first publication year with unknown years last, both ways", async () => {
    expect((await titles("/v1/books?sort=year")).at(-1)).toBe("Tiny Perfect Book");
    expect(await titles("/v1/books?sort=year&order=asc")).toEqual([
      "The Great Gatsby",
      "The Hobbit",
      "L'Étranger",
      "The Fellowship of the Ring",
      "Dune",
      "Dune Messiah",
      "Tiny Perfect Book",
    ]);
  });

  it("filters by author, subject, language, year range and title words (accents folded)", async () => {
    expect(await titles("/v1/books?author=j.r.r.%20tolkien")).toEqual(["The Hobbit", "The Fellowship of the Ring"]);
    expect(await titles("/v1/books?subject=existentialism")).toEqual(["L'Étranger"]);
    expect(await titles("/v1/books?language=fr")).toEqual(["L'Étranger"]);
    expect(await titles("/v1/books?year_from=1960&year_to=1970")).toEqual(["Dune", "Dune Messiah"]);
    expect(await titles("/v1/books?q=etranger")).toEqual(["L'Étranger"]);
    expect(await titles("/v1/books?q=dune%20mess")).toEqual(["Dune Messiah"]);
  });

  it("pages with the signed cursor until every book is seen exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const body: { data: { title: string }[]; nextCursor: string | null } = await ok(
        `/v1/books?limit=2&sort=title${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      seen.push(...body.data.map((b) => b.title));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(new Set(seen).size).toBe(Object.keys(BOOKS).length);
  });

  it("answers 400 for a forged cursor, a film list's cursor, a cursor of another sort and bad filters", async () => {
    const films = await ok<{ nextCursor: string }>("/v1/movies?limit=1");
    const books = await ok<{ nextCursor: string }>("/v1/books?limit=1");
    for (const path of [
      "/v1/books?cursor=forged",
      `/v1/books?cursor=${encodeURIComponent(films.nextCursor)}`,
      `/v1/books?sort=title&cursor=${encodeURIComponent(books.nextCursor)}`,
      "/v1/books?sort=runtime",
      "/v1/books?year_from=2000&year_to=1990",
      "/v1/books?language=french",
      "/v1/books?limit=101",
      "/v1/books?genre=Drama",
    ]) {
      const r = await status(path);
      expect(r.status, `${path} -> ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body).toMatchObject({ error: { code: "BAD_REQUEST" } });
    }
  });
});

describe("GET /v1/books/{id}", () => {
  it("shows one book with its ISBNs and ids, and the CineLibre alias answers the same", async () => {
    const body = await ok(`/v1/books/${BOOKS.dune.id}`);
    expect(body).toMatchObject({
      id: BOOKS.dune.id,
      title: "Dune",
      isbn10: [BOOKS.dune.isbn10],
      isbn13: [BOOKS.dune.isbn13],
      goodreadsBookId: BOOKS.dune.goodreads,
      openLibraryWorkId: null,
      hasEmbedding: true,
    });
    expect(await ok(`/books/${BOOKS.dune.id}`)).toEqual(body);
    expect(await ok("/books?limit=3")).toEqual(await ok("/v1/books?limit=3"));
  });

  it("answers 404 for an unknown book and 400 for a bad id", async () => {
    expect((await status("/v1/books/424242")).status).toBe(404);
    expect((await status("/v1/books/0")).status).toBe(400);
    expect((await status("/v1/books/dune")).status).toBe(400);
  });
});

describe("similar books", () => {
  it("puts the next book of the series first, saying so, and counts the readers who loved both", async () => {
    const body = await ok<{ data: { title: string; reasons: { source: string; text: string }[] }[] }>(
      `/v1/books/${BOOKS.dune.id}/similar`,
    );
    expect(body.data[0]?.title).toBe("Dune Messiah");
    const texts = body.data[0]?.reasons.map((r) => r.text) ?? [];
    expect(texts).toContain("Also in the Dune Chronicles series, like Dune");
    expect(texts).toContain("Also by Frank Herbert");
    expect(texts).toContain("1 reader who loved Dune loved this too");
    expect(body.data.map((b) => b.title)).not.toContain("Dune");
  });

  it("is served by the CineLibre alias for type book, and 404 for types that do not exist", async () => {
    const v1 = await ok(`/v1/books/${BOOKS.hobbit.id}/similar`);
    expect(await ok(`/recommendations/similar/book/${BOOKS.hobbit.id}`)).toEqual(v1);
    expect((v1 as { data: { title: string }[] }).data[0]?.title).toBe("The Fellowship of the Ring");
    expect((await status("/recommendations/similar/comic/1")).status).toBe(404);
    expect((await status(`/recommendations/similar/book/${BOOKS.dune.id}?genre=Drama`)).status).toBe(400);
    expect((await status("/v1/books/424242/similar")).status).toBe(404);
    // The film path is unchanged.
    expect((await status(`/recommendations/similar/movie/${FILMS.matrix.id}`)).status).toBe(200);
  });
});

describe("GET /v1/search?kind=", () => {
  type Hit = { kind: string; title: string; match: string };
  const search = async (query: string) => (await ok<{ data: Hit[] }>(`/v1/search?${query}`)).data;

  it("searches films only by default, as before, and each hit says it is a film", async () => {
    const hits = await search("q=dune");
    expect(hits.map((h) => [h.kind, h.title])).toEqual([["movie", "Dune"]]);
  });

  it("searches books with kind=book: titles first, then authors", async () => {
    const hits = await search("q=dune&kind=book");
    expect(hits.slice(0, 2).map((h) => h.title)).toEqual(["Dune", "Dune Messiah"]);
    expect(hits.every((h) => h.kind === "book")).toBe(true);
    const byAuthor = await search("q=tolkien&kind=book");
    expect(byAuthor.map((h) => [h.title, h.match])).toEqual([
      ["The Hobbit", "person"],
      ["The Fellowship of the Ring", "person"],
    ]);
  });

  it("searches both with kind=all: the novel and the film together, each hit with its kind", async () => {
    const hits = await search("q=dune&kind=all");
    const kinds = hits.filter((h) => h.title === "Dune").map((h) => h.kind);
    expect(kinds.sort()).toEqual(["book", "movie"]);
    expect(hits.slice(0, 3).every((h) => h.match === "title")).toBe(true);
  });

  it("rejects an unknown kind", async () => {
    expect((await status("/v1/search?q=dune&kind=comic")).status).toBe(400);
  });
});

describe("book ratings and signals", () => {
  let reader: TestUser;
  let other: TestUser;
  beforeAll(async () => {
    reader = await createTestUser(server);
    other = await createTestUser(server);
  });

  const put = (user: TestUser, id: number, body: unknown) =>
    server.json(`/v1/book-ratings/${id}`, body, { method: "PUT", headers: bearer(user) });

  it("creates (201) then changes (200) a rating, lists it newest first, and deletes it", async () => {
    const created = await put(reader, BOOKS.gatsby.id, { rating: 4 });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ bookId: BOOKS.gatsby.id, rating: 4 });
    expect((await put(reader, BOOKS.gatsby.id, { rating: 3.5 })).status).toBe(200);
    await put(reader, BOOKS.etranger.id, { rating: 5 });
    const mine = await ok<{ data: { title: string; rating: number }[] }>("/v1/book-ratings/me", {
      headers: bearer(reader),
    });
    expect(mine.data.map((r) => [r.title, r.rating])).toEqual([
      ["L'Étranger", 5],
      ["The Great Gatsby", 3.5],
    ]);
    const theirs = await ok<{ data: unknown[] }>("/v1/book-ratings/me", { headers: bearer(other) });
    expect(theirs.data, "another user's ratings are not listed").toEqual([]);
    const del = () =>
      server.get(`/v1/book-ratings/${BOOKS.etranger.id}`, { method: "DELETE", headers: bearer(reader) });
    expect((await del()).status).toBe(204);
    expect((await del()).status).toBe(404);
    const films = await ok<{ data: unknown[] }>("/v1/ratings/me", { headers: bearer(reader) });
    expect(films.data, "book ratings are not film ratings").toEqual([]);
  });

  it("refuses bad stars (400), unknown books (404) and anonymous callers (401)", async () => {
    expect((await put(reader, BOOKS.dune.id, { rating: 4.2 })).status).toBe(400);
    expect((await put(reader, 424242, { rating: 4 })).status).toBe(404);
    const anonymous = await server.json(`/v1/book-ratings/${BOOKS.dune.id}`, { rating: 4 }, { method: "PUT" });
    expect(anonymous.status).toBe(401);
  });

  it("records signals with the film rules: like and dislike replace each other, a repeat is 200", async () => {
    const post = (body: unknown) => server.json("/v1/book-interactions", body, { headers: bearer(reader) });
    expect((await post({ type: "like", bookId: BOOKS.hobbit.id })).status).toBe(201);
    expect((await post({ type: "like", bookId: BOOKS.hobbit.id })).status).toBe(200);
    expect((await post({ type: "dislike", bookId: BOOKS.hobbit.id })).status).toBe(201);
    expect((await post({ type: "watchlist", bookId: BOOKS.fellowship.id })).status).toBe(201);
    expect((await post({ type: "search", query: "dune" })).status).toBe(400);
    expect((await post({ type: "like", bookId: 424242 })).status).toBe(404);
    const list = await ok<{ data: { type: string; title: string; weight: number }[] }>("/v1/book-interactions/me", {
      headers: bearer(reader),
    });
    expect(list.data.map((i) => [i.type, i.title])).toEqual([
      ["watchlist", "The Fellowship of the Ring"],
      ["dislike", "The Hobbit"],
    ]);
    const remove = () =>
      server.get(`/v1/book-interactions/watchlist/${BOOKS.fellowship.id}`, {
        method: "DELETE",
        headers: bearer(reader),
      });
    expect((await remove()).status).toBe(204);
    expect((await remove()).status).toBe(404);
  });
});

describe("GET /v1/recommendations/books", () => {
  type Rec = { title: string; sources: string[]; reasons: { source: string; text: string }[] };
  const recs = async (user: TestUser) =>
    ok<{ kind: string; coldStart: boolean; data: Rec[] }>("/v1/recommendations/books", { headers: bearer(user) });

  it("recommends to a film fan with no books yet what fans of the same film read, and says so", async () => {
    const fan = await createTestUser(server);
    const rate = await server.json(
      `/v1/ratings/${FILMS.arrival.id}`,
      { rating: 5 },
      { method: "PUT", headers: bearer(fan) },
    );
    expect(rate.status).toBe(201);
    const body = await recs(fan);
    expect(body.coldStart).toBe(false);
    expect(body.data[0]?.title).toBe("Dune");
    expect(body.data[0]?.reasons.map((r) => r.text)).toContain(
      "3 people who loved the film Arrival, as you did, loved this book",
    );
  });

  it("reads co-reading from the nightly books step: cosine over 4+ star fans, film pairs need 2 readers", async () => {
    const pair = await db.query<{ readers: number; score: number }>(
      "select readers, score from public.book_neighbours where book_id = $1 and neighbour_id = $2",
      [BOOKS.dune.id, BOOKS.messiah.id],
    );
    // Dune has 3 fans (4+ stars), Dune Messiah 1, and they share 1.
    expect(pair).toHaveLength(1);
    expect(pair[0].readers).toBe(1);
    expect(Number(pair[0].score)).toBeCloseTo(1 / Math.sqrt(3), 5);
    const gatsby = await db.query("select 1 from public.book_neighbours where book_id = $1 and neighbour_id = $2", [
      BOOKS.dune.id,
      BOOKS.gatsby.id,
    ]);
    expect(gatsby, "a 2-star rating makes no fan").toHaveLength(0);
    const film = await db.query<{ book_id: number; readers: number }>(
      "select book_id, readers from public.film_book_neighbours where movie_id = $1 order by readers desc, book_id",
      [FILMS.arrival.id],
    );
    expect(film, "Arrival's 3 fans all loved Dune; one pair of readers is too few for Dune Messiah").toEqual([
      { book_id: BOOKS.dune.id, readers: 3 },
    ]);
  });

  it("recommends the next book of a series a reader loved, with co-reading, and leaves out what they rated", async () => {
    const reader = await createTestUser(server);
    await server.json(`/v1/book-ratings/${BOOKS.dune.id}`, { rating: 5 }, { method: "PUT", headers: bearer(reader) });
    const body = await recs(reader);
    const titles = body.data.map((r) => r.title);
    expect(titles[0]).toBe("Dune Messiah");
    expect(titles).not.toContain("Dune");
    const texts = body.data[0]?.reasons.map((r) => r.text) ?? [];
    expect(texts).toContain("You rated Dune 5 stars, and 1 reader who loved it loved this too");
    expect(texts).toContain("Next in the Dune Chronicles series, after Dune, which you liked");
  });

  it("calls a series book next only after an earlier volume: a loved second volume makes the first an author tie", async () => {
    const reader = await createTestUser(server);
    await server.json(
      `/v1/book-ratings/${BOOKS.messiah.id}`,
      { rating: 5 },
      { method: "PUT", headers: bearer(reader) },
    );
    const body = await recs(reader);
    const dune = body.data.find((r) => r.title === "Dune");
    const texts = dune?.reasons.map((r) => r.text) ?? [];
    expect(texts).toContain("By Frank Herbert, who wrote Dune Messiah, which you liked");
    expect(texts.join(" "), "Dune comes before Dune Messiah").not.toMatch(/Next in/);
  });

  it("names a series whose name starts with The without a second article", () => {
    expect(theSeries("Dune Chronicles")).toBe("the Dune Chronicles series");
    expect(theSeries("The Hunger Games")).toBe("The Hunger Games series");
    expect(theSeries("Theodore Boone")).toBe("the Theodore Boone series");
  });

  it("serves popular books to a newcomer and says it is a cold start", async () => {
    const body = await recs(await createTestUser(server));
    expect(body.coldStart).toBe(true);
    expect(body.data.every((r) => r.sources.join() === "popular")).toBe(true);
    expect(body.data[0]?.reasons[0]?.text).toMatch(
      /^Popular with readers: \d\.\d\d stars on average from [\d,]+ ratings$/,
    );
  });

  it("needs a token", async () => {
    expect((await status("/v1/recommendations/books")).status).toBe(401);
  });

  it("is also GET /v1/recommendations?kind=book, which takes limit alone; films answer kind movie", async () => {
    const reader = await createTestUser(server);
    await server.json(`/v1/book-ratings/${BOOKS.dune.id}`, { rating: 5 }, { method: "PUT", headers: bearer(reader) });
    const own = await recs(reader);
    const viaKind = await ok<{ kind: string; data: Rec[] }>("/v1/recommendations?kind=book&limit=20", {
      headers: bearer(reader),
    });
    expect(viaKind.kind).toBe("book");
    expect(viaKind.data.map((r) => r.title)).toEqual(own.data.map((r) => r.title));
    const bad = await server.get("/v1/recommendations?kind=book&strategy=item&genre=Drama", {
      headers: bearer(reader),
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; message: string; issues?: { field: string }[] } };
    expect(body.error.code).toBe("BAD_REQUEST");
    expect(body.error.message).toMatch(/strategy, genre: not valid with kind=book/);
    expect(body.error.issues?.map((i) => i.field).sort()).toEqual(["genre", "strategy"]);
    const films = await ok<{ kind: string }>("/v1/recommendations", { headers: bearer(reader) });
    expect(films.kind).toBe("movie");
    expect((await server.get("/v1/recommendations?kind=song", { headers: bearer(reader) })).status).toBe(400);
  });
});

describe("film recommendations with a reason from books", () => {
  // Two more film fans who read nothing, so that Arrival has the 5 ratings popularity asks for (a newcomer's
  // list is popular films); then the nightly job, as in production: popularity views and co-reading.
  beforeAll(async () => {
    await loadReaders(db, [{ films: [[FILMS.arrival.id, 4]] }, { films: [[FILMS.arrival.id, 4]] }]);
    await runNightly(db);
  });
  type Film = { id: number; title: string; sources: string[]; reasons: { source: string; text: string }[] };
  const films = async (user: TestUser, query = "") =>
    ok<{ data: Film[] }>(`/v1/recommendations?limit=20${query}`, { headers: bearer(user) });
  const rateBook = async (user: TestUser, id: number, rating: number) => {
    const res = await server.json(`/v1/book-ratings/${id}`, { rating }, { method: "PUT", headers: bearer(user) });
    expect(res.status).toBe(201);
  };
  const bookReasons = (list: Film[], id: number) =>
    (list.find((f) => f.id === id)?.reasons ?? []).filter((r) => r.source === "books").map((r) => r.text);

  it("says that people who loved a book the reader loved also loved the film, with their number", async () => {
    const reader = await createTestUser(server);
    await rateBook(reader, BOOKS.dune.id, 5);
    const body = await films(reader);
    expect(
      body.data.map((f) => f.id),
      "Arrival is recommended (popular)",
    ).toContain(FILMS.arrival.id);
    expect(bookReasons(body.data, FILMS.arrival.id)).toEqual([
      "3 people who loved the book Dune, as you did, loved this film",
    ]);
    // Evidence, not a ranking source.
    expect(body.data.find((f) => f.id === FILMS.arrival.id)?.sources).not.toContain("books");
    // The filtered path (computed per request, not the stored list) says the same.
    const filtered = await films(reader, "&genre=Science%20Fiction");
    expect(bookReasons(filtered.data, FILMS.arrival.id)).toEqual([
      "3 people who loved the book Dune, as you did, loved this film",
    ]);
  });

  it("says nothing for a book the reader did not love, or one the film's fans did not love", async () => {
    const lukewarm = await createTestUser(server);
    await rateBook(lukewarm, BOOKS.dune.id, 3);
    const a = await films(lukewarm);
    expect(a.data.map((f) => f.id)).toContain(FILMS.arrival.id);
    expect(bookReasons(a.data, FILMS.arrival.id), "3 stars is not loved").toEqual([]);
    const other = await createTestUser(server);
    await rateBook(other, BOOKS.gatsby.id, 5);
    const b = await films(other);
    expect(b.data.map((f) => f.id)).toContain(FILMS.arrival.id);
    expect(bookReasons(b.data, FILMS.arrival.id), "Arrival's fans gave Gatsby 2 stars or did not read it").toEqual([]);
  });

  it("says nothing when the book's fans love the film no more than readers at large (lift)", async () => {
    const reader = await createTestUser(server);
    await rateBook(reader, BOOKS.dune.id, 5);
    const [pair] = await db.query<{ readers: number; lift: number }>(
      "select readers, lift::float8 as lift from public.film_book_neighbours where movie_id = $1 and book_id = $2",
      [FILMS.arrival.id, BOOKS.dune.id],
    );
    expect(pair.lift - 1, "Dune's fans are Arrival's fans: a real tie").toBeGreaterThan(1 / Math.sqrt(pair.readers));
    await db.query("update public.film_book_neighbours set lift = 1 where movie_id = $1 and book_id = $2", [
      FILMS.arrival.id,
      BOOKS.dune.id,
    ]);
    try {
      expect(bookReasons((await films(reader)).data, FILMS.arrival.id)).toEqual([]);
    } finally {
      await db.query("update public.film_book_neighbours set lift = $3 where movie_id = $1 and book_id = $2", [
        FILMS.arrival.id,
        BOOKS.dune.id,
        pair.lift,
      ]);
    }
  });

  it("words one person in the singular, and gives no reason without a book or a count", () => {
    expect(bookReason({ book_because_id: 7, book_because_title: "Dune", book_because_readers: 1 })?.text).toBe(
      "1 person who loved the book Dune, as you did, loved this film",
    );
    expect(bookReason({ book_because_id: null, book_because_title: null, book_because_readers: null })).toBe(undefined);
    expect(bookReason({ book_because_id: 7, book_because_title: "Dune", book_because_readers: 0 })).toBe(undefined);
  });

  it("reads the reader's loved books live: a like on a book counts at once, with no nightly run", async () => {
    const liker = await createTestUser(server);
    const before = await films(liker);
    expect(bookReasons(before.data, FILMS.arrival.id)).toEqual([]);
    const like = await server.json(
      "/v1/book-interactions",
      { type: "like", bookId: BOOKS.dune.id },
      { headers: bearer(liker) },
    );
    expect(like.status).toBe(201);
    const after = await films(liker);
    expect(bookReasons(after.data, FILMS.arrival.id)).toEqual([
      "3 people who loved the book Dune, as you did, loved this film",
    ]);
  });
});

describe("account deletion", () => {
  it("deletes the user's book ratings and signals", async () => {
    const user = await createTestUser(server);
    await server.json(`/v1/book-ratings/${BOOKS.dune.id}`, { rating: 4 }, { method: "PUT", headers: bearer(user) });
    await server.json("/v1/book-interactions", { type: "like", bookId: BOOKS.dune.id }, { headers: bearer(user) });
    expect((await server.get("/v1/auth/me", { method: "DELETE", headers: bearer(user) })).status).toBe(204);
    const [left] = await db.query<{ n: number }>(
      `select (select count(*) from public.book_ratings where user_id = $1)
            + (select count(*) from public.book_interactions where user_id = $1) as n`,
      [user.id],
    );
    expect(Number(left?.n)).toBe(0);
  });
});

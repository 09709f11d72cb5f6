/**
 * POST /v1/imports/letterboxd and GET /v1/imports/{id} over real HTTP on a real database: a tiny export built
 * here (ZIP or single CSV) against the named catalogue fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH_TEST_ENV, bearer, createTestUser, type TestUser } from "../support/auth";
import { FILMS, loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";
import { makeZip } from "../support/zip";

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  // A second "Arrival" from another year, so the year must decide.
  await db.query(
    "insert into public.movies (id, title, release_year, vote_count, genres) values (777001, 'Arrival', 1991, 5, '{Drama}')",
  );
  server = await startTestServer(db, { ...AUTH_TEST_ENV, IMPORT_MAX_BYTES: "20000", IMPORT_MAX_ROWS: "50" });
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

/** An export as Letterboxd writes it: whole-number ratings without ".0", quoted reviews with commas and newlines. */
const EXPORT = {
  "ratings.csv": [
    "Date,Name,Year,Letterboxd URI,Rating",
    "2020-01-02,The Matrix,1999,https://boxd.it/2b0k,4.5",
    "2020-01-03,Amelie,2001,https://boxd.it/2b8k,5",
    // Letterboxd dates Arrival's festival premiere a year before its release in the catalogue.
    "2020-01-04,Arrival,2016,https://boxd.it/aQ6,3",
  ].join("\r\n"),
  "likes/films.csv": ["Date,Name,Year,Letterboxd URI", '2020-02-01,"Matrix, The",1999,https://boxd.it/2b0k'].join("\n"),
  "watchlist.csv": ["Date,Name,Year,Letterboxd URI", "2020-03-01,Tiny Perfect Film,2015,https://boxd.it/x1"].join("\n"),
  "watched.csv": [
    "Date,Name,Year,Letterboxd URI",
    "2020-01-02,The Matrix,1999,https://boxd.it/2b0k",
    "2020-01-05,A Film Nobody Has,1950,https://boxd.it/nope",
  ].join("\n"),
  "diary.csv": [
    "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date",
    "2020-01-02,The Matrix,1999,https://boxd.it/e1,4.5,,,2019-12-31",
    '2021-05-01,The Matrix,1999,https://boxd.it/e2,,Yes,"rewatch, again",2021-04-30',
  ].join("\n"),
  "reviews.csv": [
    "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date",
    '2021-05-01,The Matrix,1999,https://boxd.it/e2,,Yes,"Still <b>great</b>, really.\n\nThe ""red pill"" scene, again.",,2021-04-30',
  ].join("\n"),
};

async function upload(user: TestUser | null, body: BodyInit, headers: Record<string, string> = {}) {
  const res = await server.get("/v1/imports/letterboxd", {
    method: "POST",
    headers: { ...(user ? bearer(user) : {}), ...headers },
    body,
  });
  return { res, body: await res.json() };
}

function form(file: Uint8Array | string, name: string, fields: Record<string, string> = {}) {
  const f = new FormData();
  f.set("file", new File([file as BlobPart], name));
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
}

async function signals(userId: string) {
  const ratings = await db.query<{ movie_id: number; rating: string }>(
    "select movie_id, rating::text from public.ratings where user_id = $1 order by movie_id",
    [userId],
  );
  const interactions = await db.query<{ movie_id: number; type: string }>(
    "select movie_id, type from public.interactions where user_id = $1 order by type, movie_id",
    [userId],
  );
  const history = await db.query<{ movie_id: number; watched_on: string; rewatch: boolean }>(
    "select movie_id, watched_on::text, rewatch from public.watch_history where user_id = $1 order by watched_on",
    [userId],
  );
  return { ratings, interactions, history };
}

describe("POST /v1/imports/letterboxd", () => {
  it("imports a ZIP export: ratings, likes, watchlist, seen, dated viewings, and reports the unmatched film", async () => {
    const user = await createTestUser(db);
    const zip = await makeZip(Object.fromEntries(Object.entries(EXPORT).map(([p, t]) => [`letterboxd-ana/${p}`, t])));
    const { res, body } = await upload(user, form(zip, "letterboxd-ana-2024.zip"));
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(res.headers.get("location")).toBe(`/v1/imports/${body.id}`);
    expect(body.status).toBe("done");
    expect(body.films, "Matrix, Amélie, Arrival, Tiny Perfect Film match; the 1950 film does not").toEqual({
      matched: 4,
      added: 0,
      unmatched: 1,
    });
    expect(body.unmatched).toEqual([{ name: "A Film Nobody Has", year: 1950, letterboxdUri: "https://boxd.it/nope" }]);
    expect(body.rowsRead).toBe(10);

    const s = await signals(user.id);
    expect(s.ratings).toEqual([
      { movie_id: FILMS.amelie.id, rating: "5.0" },
      { movie_id: FILMS.matrix.id, rating: "4.5" },
      { movie_id: FILMS.arrival.id, rating: "3.0" },
    ]);
    expect(s.interactions).toEqual([
      { movie_id: FILMS.matrix.id, type: "like" },
      { movie_id: FILMS.matrix.id, type: "seen" },
      { movie_id: FILMS.obscure.id, type: "watchlist" },
    ]);
    expect(s.history, "two diary entries, the review being the second one").toEqual([
      { movie_id: FILMS.matrix.id, watched_on: "2019-12-31", rewatch: false },
      { movie_id: FILMS.matrix.id, watched_on: "2021-04-30", rewatch: true },
    ]);

    const again = await server.get(`/v1/imports/${body.id}`, { headers: bearer(user) });
    expect(again.status).toBe(200);
    expect((await again.json()).films.unmatched).toBe(1);
  });

  it("changes nothing when the same export is imported again, and a newer export adds only what is new", async () => {
    const user = await createTestUser(db);
    const zip = await makeZip(EXPORT, { stored: true });
    expect((await upload(user, form(zip, "export.zip"))).res.status).toBe(201);
    const first = await signals(user.id);
    const repeat = await upload(user, form(zip, "export.zip"));
    expect(repeat.res.status, JSON.stringify(repeat.body)).toBe(201);
    expect(await signals(user.id), "a second import of the same export").toEqual(first);

    const newer = `${EXPORT["ratings.csv"]}\r\n2030-01-01,Amélie,2001,https://boxd.it/2b8k,2.5`;
    expect((await upload(user, form(newer, "ratings.csv"))).res.status).toBe(201);
    const after = await signals(user.id);
    expect(after.ratings.find((r) => r.movie_id === FILMS.amelie.id)?.rating, "the newer rating wins").toBe("2.5");
    expect(after.history).toEqual(first.history);
  });

  it("keeps a rating made in Marquee after the export's date", async () => {
    const user = await createTestUser(db);
    await db.query("insert into public.ratings (user_id, movie_id, rating) values ($1, $2, 2)", [
      user.id,
      FILMS.matrix.id,
    ]);
    const { res } = await upload(user, form(EXPORT["ratings.csv"], "ratings.csv"));
    expect(res.status).toBe(201);
    const s = await signals(user.id);
    expect(s.ratings.find((r) => r.movie_id === FILMS.matrix.id)?.rating, "Marquee's rating is newer").toBe("2.0");
  });

  it("sets a public username with the import", async () => {
    const user = await createTestUser(db);
    const { res } = await upload(
      user,
      form(EXPORT["watched.csv"], "watched.csv", { username: "ana_boxd", publicProfile: "true" }),
    );
    expect(res.status).toBe(201);
    const [row] = await db.query<{ username: string; public_profile: boolean }>(
      "select username, public_profile from public.users where id = $1",
      [user.id],
    );
    expect(row).toEqual({ username: "ana_boxd", public_profile: true });
    const other = await createTestUser(db);
    const taken = await upload(other, form(EXPORT["watched.csv"], "watched.csv", { username: "ANA_BOXD" }));
    expect(taken.res.status, JSON.stringify(taken.body)).toBe(409);
  });
});

describe("POST /v1/imports/letterboxd: wrong or corrupt uploads", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createTestUser(db);
  });

  const cases: [
    string,
    () => Promise<{ res: Response; body: { error: { code: string; message: string; requestId: string } } }>,
    number,
    RegExp,
  ][] = [
    ["no token", async () => upload(null, form(EXPORT["ratings.csv"], "ratings.csv")), 401, /bearer token/],
    [
      "a corrupt ZIP",
      async () => {
        const zip = await makeZip(EXPORT);
        return upload(user, form(zip.subarray(0, zip.length - 30), "export.zip"));
      },
      400,
      /ZIP/,
    ],
    [
      "deflate data that is garbage",
      async () => {
        const zip = await makeZip({ "ratings.csv": EXPORT["ratings.csv"] });
        for (let i = 40; i < 60; i++) zip[i] = 0xff;
        return upload(user, form(zip, "export.zip"));
      },
      400,
      /corrupt|inflate/,
    ],
    [
      "a ZIP without export files",
      async () => upload(user, form(await makeZip({ "notes.txt": "hello" }), "x.zip")),
      400,
      /none of the export's files/,
    ],
    [
      "wrong columns",
      async () => upload(user, form("Date,Title,Year\n2020-01-01,X,2000", "ratings.csv")),
      400,
      /missing the columns "Name", "Letterboxd URI", "Rating"/,
    ],
    [
      "a bad rating",
      async () => upload(user, form("Date,Name,Year,Letterboxd URI,Rating\n2020-01-01,X,2000,u,7", "ratings.csv")),
      400,
      /row 2: rating "7"/,
    ],
    [
      "an unclosed quote",
      async () => upload(user, form('Date,Name,Year,Letterboxd URI\n2020-01-01,"X,2000,u', "watched.csv")),
      400,
      /not closed/,
    ],
    ["an unknown CSV", async () => upload(user, form("a,b\n1,2", "notes.csv")), 415, /neither a ZIP/],
    [
      "JSON instead of multipart",
      async () => upload(user, JSON.stringify({ file: "x" }), { "content-type": "application/json" }),
      415,
      /multipart\/form-data/,
    ],
    [
      "no file field",
      async () =>
        upload(
          user,
          (() => {
            const f = new FormData();
            f.set("other", "x");
            return f;
          })(),
        ),
      400,
      /file/,
    ],
    ["too big", async () => upload(user, form("x".repeat(30_000), "watched.csv")), 413, /exceeds 20000 bytes/],
    [
      "too many rows",
      async () => {
        const lines = Array.from({ length: 60 }, (_, i) => `2020-01-01,Film ${i},2000,u${i}`);
        return upload(user, form(`Date,Name,Year,Letterboxd URI\n${lines.join("\n")}`, "watched.csv"));
      },
      413,
      /more than 50 rows/,
    ],
  ];

  for (const [name, send, status, message] of cases) {
    it(`answers ${status} for ${name}`, async () => {
      const { res, body } = await send();
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(body.error.message).toMatch(message);
      expect(body.error.requestId).toBeTruthy();
    });
  }

  it("marks an import that failed midway as failed, with the reason", async () => {
    const rows = await db.query<{ status: string; error: string }>(
      "select status, error from public.letterboxd_imports where user_id = $1 and status <> 'done' order by created_at",
      [user.id],
    );
    expect(rows.map((r) => r.status)).toContain("failed");
  });
});

describe("imports are private", () => {
  it("answers 404 for someone else's import, and RLS hides it from their token", async () => {
    const owner = await createTestUser(db);
    const other = await createTestUser(db);
    const { body } = await upload(owner, form(EXPORT["ratings.csv"], "ratings.csv"));
    const res = await server.get(`/v1/imports/${body.id}`, { headers: bearer(other) });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("NOT_FOUND");
    const bad = await server.get("/v1/imports/not-a-uuid", { headers: bearer(owner) });
    expect(bad.status).toBe(400);
  });

  it("refuses, in SQL, a JWT caller importing into another user's account", async () => {
    const owner = await createTestUser(db);
    const other = await createTestUser(db);
    const [{ id }] = await db.query<{ id: string }>(
      "select id from public.begin_letterboxd_import(p_user_id => $1, p_files => '{ratings.csv}')",
      [owner.id],
    );
    const attempt = db.transaction(async (tx) => {
      await tx.query("select set_config('request.jwt.claims', $1, true)", [
        JSON.stringify({ sub: other.id, role: "authenticated" }),
      ]);
      await tx.query("set local role authenticated");
      await tx.query("select * from public.import_letterboxd_rows($1, $2, '[]')", [owner.id, id]);
    });
    await expect(attempt).rejects.toThrow(/another user/);
  });
});

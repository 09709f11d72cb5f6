/** The catalogue SQL functions' contracts (migrations/*_catalog_functions.sql), called directly in SQL. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcArgs } from "../../functions/lib/db/port";
import { ADULT, FILMS, loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
});
afterAll(async () => {
  await db?.dispose();
});

interface Row {
  id: number;
  title: string;
  sort_key: string;
}

// Rows with the film card flattened, as the assertions read them.
const list = async (args: RpcArgs<"list_movies"> = {}) =>
  (await db.rpc("list_movies", args)).map((r) => ({ ...r.movie, sort_key: r.sort_key }) as Row);
const titles = async (args: RpcArgs<"list_movies"> = {}) => (await list(args)).map((r) => r.title);
const sqlState = (args: RpcArgs<"list_movies">) =>
  list(args).then(
    () => "no error",
    (e) => e.code as string,
  );

describe("list_movies", () => {
  it("orders by popularity, descending, by default, and never returns adult films", async () => {
    expect(await titles()).toEqual(["The Matrix", "Arrival", "Amélie", "Undated_Drama 100%", "Tiny Perfect Film"]);
  });

  it("returns the sort key of each row as text, for the keyset cursor", async () => {
    const [first] = await list({ p_sort: "title", p_descending: false, p_limit: 1 });
    expect(first).toMatchObject({ title: "Amélie", sort_key: "amélie" });
  });

  it("continues after (p_after_key, p_after_id) without repeating or skipping a row", async () => {
    const all = await list({ p_sort: "release_date" });
    const seen: string[] = [];
    let after: Row | undefined;
    do {
      const page = await list({
        p_sort: "release_date",
        p_limit: 2,
        p_after_key: after?.sort_key,
        p_after_id: after?.id,
      });
      seen.push(...page.map((r) => r.title));
      after = page.length === 2 ? page[1] : undefined;
    } while (after);
    expect(seen).toEqual(all.map((r) => r.title));
    expect(seen.at(-1), "unknown release dates sort last").toBe(FILMS.undated.title);
  });

  it("filters by genre name in any case or by TMDB id, year range, language, and title words", async () => {
    expect(await titles({ p_genre: "SCIENCE FICTION" })).toEqual(["The Matrix", "Arrival"]);
    expect(await titles({ p_genre: "35" })).toEqual(["Amélie"]);
    expect(await titles({ p_year_from: 2001, p_year_to: 2015 })).toEqual(["Amélie", "Tiny Perfect Film"]);
    expect(await titles({ p_language: "fr" })).toEqual(["Amélie"]);
    expect(await titles({ p_query: "%" }), "punctuation is no word and no wildcard: nothing").toEqual([]);
    expect(await titles({ p_query: "drama 10" }), "every word starts a title word").toEqual(["Undated_Drama 100%"]);
    expect(await titles({ p_query: "AMELIE" }), "accents and case folded").toEqual(["Amélie"]);
    expect(await titles({ p_query: "destin" }), "matches the original title too").toEqual(["Amélie"]);
    expect(await titles({ p_query: "adult" })).toEqual([]);
  });

  it("raises invalid_parameter_value (22023) for what the edge must answer with 400", async () => {
    expect(await sqlState({ p_genre: "Western" })).toBe("22023");
    expect(await sqlState({ p_sort: "votes" })).toBe("22023");
    expect(await sqlState({ p_limit: 0 })).toBe("22023");
    expect(await sqlState({ p_limit: 202 })).toBe("22023");
    expect(await sqlState({ p_after_key: "5" })).toBe("22023");
    expect(await sqlState({ p_limit: 201 })).toBe("no error");
  });
});

describe("get_movie", () => {
  it("returns the film's detail row", async () => {
    const [detail] = await db.rpc("get_movie", { p_id: FILMS.arrival.id });
    const row = { ...detail?.movie, ...detail };
    expect(row).toMatchObject({
      id: FILMS.arrival.id,
      title: "Arrival",
      release_year: 2016,
      original_language: "en",
      genres: ["Drama", "Science Fiction"],
      has_embedding: false,
    });
    expect(row).not.toHaveProperty("embedding");
  });

  it("returns no row for a missing or an adult film", async () => {
    expect(await db.rpc("get_movie", { p_id: 424242 })).toEqual([]);
    expect(await db.rpc("get_movie", { p_id: ADULT.id })).toEqual([]);
  });
});

describe("who may call the catalogue functions", () => {
  it("anon, authenticated and service_role may; PUBLIC may not", async () => {
    const rows = await db.query<{
      fn: string;
      anon: boolean;
      authenticated: boolean;
      service: boolean;
      everyone: boolean;
    }>(`
      select p.proname as fn,
             has_function_privilege('anon', p.oid, 'execute') as anon,
             has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
             has_function_privilege('service_role', p.oid, 'execute') as service,
             has_function_privilege('public', p.oid, 'execute') as everyone
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.proname in ('list_movies', 'get_movie', 'list_genres', 'marquee_health')
      order by 1`);
    expect(rows.map((r) => r.fn)).toEqual(["get_movie", "list_genres", "list_movies", "marquee_health"]);
    for (const r of rows)
      expect(r, r.fn).toMatchObject({ anon: true, authenticated: true, service: true, everyone: false });
  });

  it("runs list_movies and get_movie as the caller (security invoker), so RLS applies", async () => {
    const rows = await db.query<{ fn: string; definer: boolean }>(`
      select p.proname as fn, p.prosecdef as definer from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.proname in ('list_movies', 'get_movie') order by 1`);
    expect(rows).toEqual([
      { fn: "get_movie", definer: false },
      { fn: "list_movies", definer: false },
    ]);
  });
});

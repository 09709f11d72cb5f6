/**
 * The Supabase adapter against a local fake of Supabase's REST API (test/db/fakes/postgrest.ts) over real HTTP:
 * the exact requests it sends, real rows back in PostgREST's formats, PostgREST's errors, and network faults,
 * each mapped by the app to the envelope a client should see.
 */
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp, toApiError } from "../../functions/app";
import { parseConfig } from "../../functions/env";
import type { Database, Row, RpcOptions } from "../../functions/lib/db/port";
import { openSupabase } from "../../functions/lib/db/supabase";
import { openRemoteDatabase } from "../../functions/services";
import { FILMS } from "../support/catalog-fixture";
import { backingDatabase } from "./fakes/backing-database";
import { type FakeSupabase, startFakeSupabase } from "./fakes/postgrest";

/** The test's own SQL functions (test_whoami, ...) are not in the typed schema: call them untyped. */
const untyped = (db: Database) =>
  db as unknown as { rpc(fn: string, args?: Record<string, unknown>, options?: RpcOptions): Promise<Row[]> };

const USER_ID = "7d1c3a52-3f7e-4a8e-9a41-2f4f3c7b9e10";
let pglite: PGlite;
let fake: FakeSupabase;

beforeAll(async () => {
  pglite = await backingDatabase();
  fake = await startFakeSupabase(pglite);
});
afterEach(() => {
  fake.fault = null;
  fake.override = null;
  fake.requests.length = 0;
});
afterAll(async () => {
  await fake?.close();
  await pglite?.close();
});

/** The adapter as the Worker builds it from configuration. */
function adapter(env: Record<string, string> = {}): Database {
  const config = parseConfig({ SUPABASE_URL: fake.url, SUPABASE_ANON_KEY: fake.anonKey, ...env });
  expect(config.MARQUEE_DB).toBe("supabase");
  return openRemoteDatabase(config);
}

/** The real app over the Supabase adapter; requests go app -> adapter -> HTTP -> fake -> PGlite. */
function appOver(db: Database) {
  const config = parseConfig({ SUPABASE_URL: fake.url, SUPABASE_ANON_KEY: fake.anonKey, LOG_LEVEL: "silent" });
  return createApp({ services: () => ({ config, db }), log: () => {} });
}

async function envelope(res: Response) {
  const body = await res.json();
  return { status: res.status, code: body.error?.code as string | undefined, message: body.error?.message as string };
}

describe("the requests the Supabase adapter sends", () => {
  it("POSTs /rest/v1/rpc/<fn> with the named arguments as a JSON object and the key in apikey and Authorization", async () => {
    const rows = await adapter().rpc("list_movies", {
      p_genre: "Drama",
      p_limit: 2,
      p_query: undefined,
    });
    expect(rows.map((r) => r.movie?.title)).toEqual(["Arrival", "Undated_Drama 100%"]);
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/rest/v1/rpc/list_movies");
    expect(JSON.parse(request.body), "undefined arguments are left out so SQL defaults apply").toEqual({
      p_genre: "Drama",
      p_limit: 2,
    });
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers.apikey).toBe(fake.anonKey);
    expect(request.headers.authorization).toBe(`Bearer ${fake.anonKey}`);
  });

  it("forwards the caller's JWT as Authorization (apikey stays the project key), so SQL runs as that user", async () => {
    const token = await fake.userToken(USER_ID);
    const rows = await untyped(adapter()).rpc("test_whoami", {}, { jwt: token });
    expect(rows).toEqual([{ uid: USER_ID, role: "authenticated" }]);
    const [request] = fake.requests;
    expect(request.headers.authorization).toBe(`Bearer ${token}`);
    expect(request.headers.apikey).toBe(fake.anonKey);
    expect(request.body).toBe("{}");
  });

  it("uses the service_role key when configured, which PostgREST runs as service_role", async () => {
    const rows = await untyped(adapter({ SUPABASE_SERVICE_ROLE_KEY: fake.serviceRoleKey })).rpc("test_whoami");
    expect(rows).toEqual([{ uid: null, role: "service_role" }]);
    expect(fake.requests[0].headers.apikey).toBe(fake.serviceRoleKey);
  });

  it("sends arrays, booleans and nulls as JSON that PostgREST casts to the declared types", async () => {
    const rows = await untyped(adapter()).rpc("test_echo", {
      p_text: "l'été",
      p_int: 7,
      p_tags: ["a b", 'q"uote'],
      p_flag: false,
    });
    expect(rows).toEqual([
      { text_value: "l'été", int_value: 7, tags: ["a b", 'q"uote'], flag: false, big: 9007199254740, ratio: 2.5 },
    ]);
    expect(JSON.parse(fake.requests[0].body)).toEqual({
      p_text: "l'été",
      p_int: 7,
      p_tags: ["a b", 'q"uote'],
      p_flag: false,
    });
  });
});

describe("the app over Supabase", () => {
  it("serves the catalogue from PostgREST's JSON rows exactly as from SQL", async () => {
    const app = appOver(adapter());
    const list = await app.request("/v1/movies?genre=science%20fiction");
    expect(list.status).toBe(200);
    expect((await list.json()).data.map((m: { title: string }) => m.title)).toEqual(["The Matrix", "Arrival"]);
    const detail = await app.request(`/v1/movies/${FILMS.amelie.id}`);
    expect(await detail.json()).toMatchObject({
      id: FILMS.amelie.id,
      title: "Amélie",
      releaseDate: "2001-04-25",
      year: 2001,
      language: "fr",
      genres: ["Comedy"],
      voteCount: 9000,
    });
    const genres = await (await app.request("/v1/genres")).json();
    expect(genres.data).toContainEqual({ id: 18, name: "Drama", movieCount: 3 });
    const health = await (await app.request("/health")).json();
    expect(health.database).toMatchObject({ ok: true, adapter: "supabase" });
    expect(health.migrations.applied).toBeGreaterThanOrEqual(3);
  });

  it("answers 404 for a film PostgREST returns no row for", async () => {
    const res = await appOver(adapter()).request("/v1/movies/424242");
    expect(await envelope(res)).toMatchObject({ status: 404, code: "NOT_FOUND" });
  });
});

describe("PostgREST errors, mapped to the envelope", () => {
  it("a SQL function's invalid_parameter_value (PostgREST 400, code 22023) is a 400 naming the problem", async () => {
    const res = await appOver(adapter()).request("/v1/movies?genre=Western");
    expect(fake.requests.at(-1)?.path).toBe("/rest/v1/rpc/list_movies");
    expect(await envelope(res)).toEqual({ status: 400, code: "BAD_REQUEST", message: "unknown genre: Western" });
  });

  it("a unique violation (PostgREST 409, code 23505) keeps its SQLSTATE and detail and becomes 409 CONFLICT", async () => {
    const db = adapter();
    await untyped(db).rpc("test_add_genre", { p_id: 10770, p_name: "TV Movie" });
    const error = await untyped(db)
      .rpc("test_add_genre", { p_id: 10770, p_name: "TV Movie" })
      .catch((e) => e);
    expect(error).toMatchObject({ name: "DatabaseError", code: "23505", detail: "Key (id)=(10770) already exists." });
    expect(toApiError(error)).toMatchObject({ code: "CONFLICT", status: 409 });
  });

  it("an unknown function (PostgREST 404, PGRST202) is our fault: 500, not a 404 for the client", async () => {
    const error = await untyped(adapter())
      .rpc("no_such_function", { p_x: 1 })
      .catch((e) => e);
    expect(error).toMatchObject({ code: "PGRST202" });
    expect(error.message).toContain("Could not find the function public.no_such_function(p_x)");
    expect(toApiError(error).status).toBe(500);
  });

  it("a token PostgREST rejects (401, PGRST301) is not mistaken for a missing database", async () => {
    const error = await untyped(adapter())
      .rpc("test_whoami", {}, { jwt: "not.a.jwt" })
      .catch((e) => e);
    expect(error).toMatchObject({ code: "PGRST301" });
    expect(toApiError(error).status).toBe(500);
  });
});

describe("faults between the Worker and Supabase", () => {
  const cases = [
    ["a 503 page from the gateway", "unavailable"],
    ["a 200 whose body is cut off", "malformed"],
    ["no answer at all (timeout)", "hang"],
  ] as const;
  for (const [what, fault] of cases) {
    it(`answers 503 SERVICE_UNAVAILABLE for ${what}`, async () => {
      fake.fault = fault;
      const app = appOver(adapter({ DATABASE_STATEMENT_TIMEOUT_MS: "300" }));
      const res = await app.request("/v1/movies");
      expect(await envelope(res)).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
      expect(fake.requests.length, "the request did reach the fake").toBeGreaterThanOrEqual(1);
    });
  }

  it("answers 503 when PostgREST itself cannot reach Postgres (503, PGRST001)", async () => {
    fake.override = {
      status: 503,
      body: JSON.stringify({
        code: "PGRST001",
        details: 'connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused',
        hint: null,
        message: "Database client error. Retrying the connection.",
      }),
    };
    const res = await appOver(adapter()).request("/v1/movies/603");
    expect(await envelope(res)).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
  });

  it("answers 503 when Supabase cannot be reached at all (connection refused)", async () => {
    const gone = await startFakeSupabase(pglite);
    await gone.close();
    const db = openSupabase({ url: gone.url, key: gone.anonKey });
    const res = await appOver(db).request("/v1/movies/603");
    expect(await envelope(res)).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
  });
});

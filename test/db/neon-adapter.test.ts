/**
 * The Neon adapter against a local fake of Neon's SQL-over-HTTP endpoint (test/db/fakes/neon-http.ts) over real
 * HTTP: the exact requests @neondatabase/serverless sends, real rows back in Neon's raw-text array format,
 * Neon's error shape, and network faults, each mapped by the app to the envelope a client should see.
 */
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp, toApiError } from "../../functions/app";
import { parseConfig } from "../../functions/env";
import { openNeon } from "../../functions/lib/db/neon";
import type { Database, Row, RpcOptions } from "../../functions/lib/db/port";
import { FILMS } from "../support/catalog-fixture";
import { backingDatabase } from "./fakes/backing-database";
import { type FakeNeon, startFakeNeon } from "./fakes/neon-http";

/** The test's own SQL functions (test_whoami, ...) are not in the typed schema: call them untyped. */
const untyped = (db: Database) =>
  db as unknown as { rpc(fn: string, args?: Record<string, unknown>, options?: RpcOptions): Promise<Row[]> };

const USER_ID = "0b9f5a3e-8c1d-4e55-b0a2-6d7e8f901234";
let pglite: PGlite;
let fake: FakeNeon;

beforeAll(async () => {
  pglite = await backingDatabase();
  fake = await startFakeNeon(pglite);
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

function adapter(options: { timeoutMs?: number; connectionString?: string; url?: string } = {}): Database {
  return openNeon({
    connectionString: options.connectionString ?? fake.connectionString,
    fetchEndpoint: `${options.url ?? fake.url}/sql`,
    timeoutMs: options.timeoutMs,
  });
}

function appOver(db: Database) {
  const config = parseConfig({ MARQUEE_DB: "neon", DATABASE_URL: fake.connectionString, LOG_LEVEL: "silent" });
  return createApp({ services: () => ({ config, db }), log: () => {} });
}

async function envelope(res: Response) {
  const body = await res.json();
  return { status: res.status, code: body.error?.code as string | undefined, message: body.error?.message as string };
}

describe("the requests the Neon adapter sends", () => {
  it("POSTs {query, params} to /sql with the connection string and Neon's raw-text, array-mode headers", async () => {
    const rows = await adapter().rpc("list_movies", {
      p_genre: "Drama",
      p_limit: 2,
      p_query: undefined,
    });
    expect(rows.map((r) => r.movie?.title)).toEqual(["Arrival", "Undated_Drama 100%"]);
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/sql");
    expect(JSON.parse(request.body), "named arguments, values as parameters, undefined left out").toEqual({
      query: "select to_json(x) as row from (select * from public.list_movies(p_genre => $1, p_limit => $2)) as x",
      params: ["Drama", "2"],
    });
    const sent = new URL(request.headers["neon-connection-string"]);
    expect(`${sent.protocol}//${sent.username}@${sent.host}${sent.pathname}`).toBe(
      "postgresql://marquee@ep-fake-123456.eu-central-1.aws.neon.tech/neondb",
    );
    expect(request.headers["neon-raw-text-output"]).toBe("true");
    expect(request.headers["neon-array-mode"]).toBe("true");
    expect(request.headers.authorization, "no token unless the caller has one").toBeUndefined();
  });

  it("forwards the caller's JWT as the Authorization bearer, which Neon publishes to SQL", async () => {
    const claims = { sub: USER_ID, role: "authenticated" };
    const token =
      `${btoa(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${btoa(JSON.stringify(claims))}.c2ln`.replaceAll("=", "");
    const rows = await untyped(adapter()).rpc("test_whoami", {}, { jwt: token });
    expect(rows).toEqual([{ uid: USER_ID, role: "authenticated" }]);
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${token}`);
  });

  it("parses Neon's text output into typed values: arrays, booleans, and bigint/numeric as numbers", async () => {
    const rows = await untyped(adapter()).rpc("test_echo", {
      p_text: "l'été",
      p_int: 7,
      p_tags: ["a b", 'q"uote'],
      p_flag: false,
    });
    expect(rows).toEqual([
      { text_value: "l'été", int_value: 7, tags: ["a b", 'q"uote'], flag: false, big: 9007199254740, ratio: 2.5 },
    ]);
    expect(JSON.parse(fake.requests[0].body).params).toEqual(["l'été", "7", '{"a b","q\\"uote"}', "false"]);
  });
});

describe("the app over Neon", () => {
  it("serves the catalogue, film details, genres with numeric counts, and health", async () => {
    const app = appOver(adapter());
    const list = await app.request("/v1/movies?genre=science%20fiction");
    expect(list.status).toBe(200);
    expect((await list.json()).data.map((m: { title: string }) => m.title)).toEqual(["The Matrix", "Arrival"]);
    const detail = await app.request(`/v1/movies/${FILMS.amelie.id}`);
    expect(await detail.json()).toMatchObject({ id: 194, title: "Amélie", releaseDate: "2001-04-25", year: 2001 });
    const genres = await (await app.request("/v1/genres")).json();
    expect(genres.data).toContainEqual({ id: 18, name: "Drama", movieCount: 3 });
    const health = await (await app.request("/health")).json();
    expect(health.database).toMatchObject({ ok: true, adapter: "neon" });
  });

  it("answers 404 for a film with no row", async () => {
    expect(await envelope(await appOver(adapter()).request("/v1/movies/424242"))).toMatchObject({ status: 404 });
  });
});

describe("Neon errors (HTTP 400 with the Postgres error fields), mapped to the envelope", () => {
  it("invalid_parameter_value (22023) from a SQL function is a 400 naming the problem", async () => {
    const res = await appOver(adapter()).request("/v1/movies?genre=Western");
    expect(await envelope(res)).toEqual({ status: 400, code: "BAD_REQUEST", message: "unknown genre: Western" });
  });

  it("a unique violation (23505) keeps its detail and constraint and becomes 409 CONFLICT", async () => {
    const db = adapter();
    await untyped(db).rpc("test_add_genre", { p_id: 10770, p_name: "TV Movie" });
    const error = await untyped(db)
      .rpc("test_add_genre", { p_id: 10770, p_name: "TV Movie" })
      .catch((e) => e);
    expect(error).toMatchObject({
      name: "DatabaseError",
      code: "23505",
      detail: "Key (id)=(10770) already exists.",
      constraint: "genres_pkey",
    });
    expect(toApiError(error)).toMatchObject({ code: "CONFLICT", status: 409 });
  });

  it("an unknown function (42883) and a wrong password (28P01) are our faults: 500", async () => {
    const missing = await untyped(adapter())
      .rpc("no_such_function", { p_x: 1 })
      .catch((e) => e);
    expect(missing.code).toBe("42883");
    expect(toApiError(missing).status).toBe(500);
    const wrong = fake.connectionString.replace("fake-neon-password", "wrong");
    const denied = await adapter({ connectionString: wrong })
      .rpc("get_movie", { p_id: 603 })
      .catch((e) => e);
    expect(denied.code).toBe("28P01");
    expect(toApiError(denied).status).toBe(500);
  });
});

describe("faults between the Worker and Neon", () => {
  const cases = [
    ["a 503 page", "unavailable"],
    ["a 200 whose body is cut off", "malformed"],
    ["no answer at all (timeout)", "hang"],
  ] as const;
  for (const [what, fault] of cases) {
    it(`answers 503 SERVICE_UNAVAILABLE for ${what}`, async () => {
      fake.fault = fault;
      const res = await appOver(adapter({ timeoutMs: 300 })).request("/v1/movies");
      expect(await envelope(res)).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
      expect(fake.requests.length, "the request did reach the fake").toBe(1);
    });
  }

  it("answers 503 when Neon cannot be reached at all (connection refused)", async () => {
    const gone = await startFakeNeon(pglite);
    await gone.close();
    const res = await appOver(adapter({ url: gone.url })).request("/v1/movies/603");
    expect(await envelope(res)).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
  });
});

/**
 * A bounded, seeded fuzz over every operation of /openapi.json: random and edge values in path parameters, query
 * strings, bodies and headers, and other methods on the same paths. Every answer must be below 500, every error
 * must be the envelope, and a rejected request must leave the data as it was. The victim's data (a second user
 * whose token the fuzzer never holds) must be untouched at the end.
 *
 * FUZZ_SEED (default 9) and FUZZ_CASES (per operation, default 60) change the run; the failure message names the
 * seed and the request so a failure can be replayed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH_TEST_ENV, bearer, createTestUser, type TestUser } from "../support/auth";
import { loadCatalogFixture } from "../support/catalog-fixture";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

const SEED = Number(process.env.FUZZ_SEED ?? 9);
const CASES = Number(process.env.FUZZ_CASES ?? 60);

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;

const EDGE_STRINGS = [
  "",
  " ",
  "0",
  "-1",
  "1",
  "603",
  "27205",
  "2147483647",
  "2147483648",
  "9223372036854775808",
  "99999999999999999999999999",
  "1e999",
  "-1e-300",
  "1e-300",
  "NaN",
  "Infinity",
  "0x10",
  "1.5",
  "true",
  "null",
  "like",
  "movie",
  "hybrid",
  "popularity",
  "release_date",
  "desc",
  "week",
  "en",
  "Drama",
  "a\u0000b",
  "\u0000",
  "'; drop table public.ratings; --",
  "' or '1'='1",
  "%",
  "_",
  "\\",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "😀🎬",
  "ｍａｔｒｉｘ",
  "\u202e\u2066",
  "2026-99-99 00:00:00+00",
  "x".repeat(300),
  "y".repeat(5000),
];

const EDGE_JSON: unknown[] = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  0.5,
  4.5,
  5,
  6,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 53 + 1,
  603,
  "",
  "603",
  "a\u0000b",
  "like",
  "search",
  "rate",
  "x".repeat(400),
  [],
  [1, 2],
  {},
  { nested: { deeper: [null] } },
];

function randomString(rng: Rng): string {
  if (rng.chance(0.7)) return rng.pick(EDGE_STRINGS);
  const length = rng.int(20);
  let out = "";
  for (let i = 0; i < length; i++) out += String.fromCharCode(rng.chance(0.9) ? 32 + rng.int(95) : rng.int(0x3000));
  return out;
}

interface SchemaLike {
  type?: string | string[];
  properties?: Record<string, SchemaLike>;
  required?: string[];
  enum?: unknown[];
  example?: unknown;
  $ref?: string;
  oneOf?: SchemaLike[];
  anyOf?: SchemaLike[];
  items?: SchemaLike;
}

interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string; schema?: SchemaLike; required?: boolean }[];
  body?: SchemaLike;
  secured: boolean;
}

function resolve(doc: { components?: { schemas?: Record<string, SchemaLike> } }, s: SchemaLike | undefined) {
  let schema = s;
  for (let k = 0; schema?.$ref && k < 10; k++) schema = doc.components?.schemas?.[schema.$ref.split("/").at(-1) ?? ""];
  return schema;
}

/** A plausible value for a schema, or an edge value: mostly valid-looking, so requests get past the first check. */
function valueFor(rng: Rng, schema: SchemaLike | undefined, depth = 0): unknown {
  if (!schema || depth > 3 || rng.chance(0.25)) return rng.pick(EDGE_JSON);
  if (schema.enum && rng.chance(0.8)) return rng.pick(schema.enum);
  if (schema.example !== undefined && rng.chance(0.5)) return schema.example;
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) return valueFor(rng, rng.pick(variants), depth + 1);
  const type = Array.isArray(schema.type) ? rng.pick(schema.type) : schema.type;
  switch (type) {
    case "integer":
      return rng.pick([1, 603, 194, 27205, 0, -5, 2 ** 31, 20]);
    case "number":
      return rng.pick([0.5, 3, 4.5, 5, 5.5, 0.25, -1, 1e-300]);
    case "boolean":
      return rng.chance(0.5);
    case "array":
      return Array.from({ length: rng.int(3) }, () => valueFor(rng, schema.items, depth + 1));
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(name) ? rng.chance(0.9) : rng.chance(0.5)) {
          out[name] = valueFor(rng, prop, depth + 1);
        }
      }
      if (rng.chance(0.15)) out[randomString(rng).slice(0, 20) || "extra"] = rng.pick(EDGE_JSON);
      return out;
    }
    default:
      return randomString(rng);
  }
}

function operationsOf(doc: Record<string, unknown>): Operation[] {
  const ops: Operation[] = [];
  const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      const body = (op.requestBody as { content?: Record<string, { schema?: SchemaLike }> } | undefined)?.content?.[
        "application/json"
      ]?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        parameters: ((op.parameters as Operation["parameters"]) ?? []).map((p) => ({
          ...p,
          schema: resolve(doc, p.schema),
        })),
        body: resolve(doc, body),
        secured: Array.isArray(op.security) && op.security.length > 0,
      });
    }
  }
  return ops;
}

// Operations whose success ends the fuzzer's own session: fuzzed with every token but a valid one.
const SESSION_ENDING = new Set(["DELETE /v1/auth/me", "POST /v1/auth/logout-all", "POST /v1/auth/password"]);

let db: TestDatabase;
let server: TestServer;
let fuzzer: TestUser;
let victim: TestUser;

beforeAll(async () => {
  db = await freshDatabase();
  await loadCatalogFixture(db);
  server = await startTestServer(db, AUTH_TEST_ENV);
  fuzzer = await createTestUser(server);
  victim = await createTestUser(server);
  for (const user of [fuzzer, victim]) {
    for (const movieId of [603, 194]) {
      await server.get(`/v1/ratings/${movieId}`, {
        method: "PUT",
        headers: { ...bearer(user), "content-type": "application/json" },
        body: JSON.stringify({ rating: 4 }),
      });
    }
    await server.json("/v1/interactions", { type: "like", movieId: 27205 }, { headers: bearer(user) });
  }
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

/** Everything a request could change that belongs to people (not the sign-in counters, which count refusals). */
async function fingerprint(userId?: string): Promise<string> {
  const where = userId ? "where user_id = $1" : "";
  const params = userId ? [userId] : [];
  const [row] = await db.query<{ f: string }>(
    `select md5(concat_ws('|',
       (select string_agg(concat_ws(',', id, email, username, display_name, deleted_at, token_version), ';' order by id)
          from public.users ${userId ? "where id = $1" : ""}),
       (select string_agg(concat_ws(',', user_id, password_hash), ';' order by user_id) from public.user_credentials ${where}),
       (select string_agg(concat_ws(',', user_id, movie_id, rating, updated_at), ';' order by user_id, movie_id)
          from public.ratings ${where}),
       (select string_agg(concat_ws(',', id, user_id, type, movie_id, query, rating), ';' order by id)
          from public.interactions ${where}))) as f`,
    params,
  );
  return row.f;
}

function authHeader(rng: Rng, op: Operation): Record<string, string> {
  const valid = !SESSION_ENDING.has(`${op.method} ${op.path}`);
  const choice = rng.int(10);
  if (choice < (op.secured ? 6 : 3) && valid) return bearer(fuzzer);
  if (choice < 7) return {};
  return {
    Authorization: rng.pick([
      "Bearer",
      "Bearer ",
      "Basic dXNlcjpwYXNz",
      `Bearer ${fuzzer.token}x`,
      `Bearer ${fuzzer.token.split(".").slice(0, 2).join(".")}.`,
      "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
      `Bearer ${"a".repeat(5000)}`,
      `bearer   ${randomString(rng).replace(/[^\x21-\x7e]/g, "x") || "x"}`,
    ]),
  };
}

interface Built {
  method: string;
  url: string;
  init: RequestInit;
  label: string;
}

function build(rng: Rng, op: Operation): Built {
  const method = rng.chance(0.1) ? rng.pick(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]) : op.method;
  let path = op.path;
  for (const p of op.parameters.filter((q) => q.in === "path")) {
    const value = rng.chance(0.5) ? String(valueFor(rng, p.schema)) : randomString(rng);
    path = path.replace(`{${p.name}}`, encodeURIComponent(value));
  }
  const query = new URLSearchParams();
  for (const p of op.parameters.filter((q) => q.in === "query")) {
    if (rng.chance(p.required ? 0.9 : 0.4)) query.append(p.name, String(valueFor(rng, p.schema)));
  }
  if (rng.chance(0.1))
    query.append(rng.pick(["user_id", "limit", "cursor", "q", randomString(rng)]), randomString(rng));
  const headers: Record<string, string> = { ...authHeader(rng, op) };
  if (rng.chance(0.1))
    headers["X-Request-Id"] = rng.pick(["short", "x".repeat(200), "ok-request-id-123", "a b c d e f g h"]);
  if (rng.chance(0.1))
    headers["If-None-Match"] = rng.pick(['"abc"', "*", "W/", randomString(rng).replace(/[^\x21-\x7e]/g, "")]);
  let body: string | undefined;
  if (method !== "GET" && method !== "HEAD" && (op.body || rng.chance(0.2))) {
    const kind = rng.int(10);
    body =
      kind < 7
        ? JSON.stringify(valueFor(rng, op.body))
        : rng.pick(["", "{", "[]", "null", '{"a":1}{', "\u0000", "x".repeat(70_000), '{"__proto__":{"x":1}}']);
    headers["content-type"] = rng.chance(0.85)
      ? "application/json"
      : rng.pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]);
  }
  const search = query.toString();
  const url = `${path}${search ? `?${search}` : ""}`;
  return {
    method,
    url,
    init: { method, headers, body },
    label: `${method} ${url.slice(0, 200)} body=${(body ?? "").slice(0, 120)}`,
  };
}

describe(`fuzz over /openapi.json (seed ${SEED}, ${CASES} cases per operation)`, () => {
  it("never answers 5xx, always the envelope on errors, and never changes data on a rejected request", async () => {
    const doc = await (await server.get("/openapi.json")).json();
    const ops = operationsOf(doc);
    expect(ops.length, "operations in the document").toBeGreaterThan(20);
    const rng = prng(SEED);
    const byStatus: Record<number, number> = {};
    const victimBefore = await fingerprint(victim.id);
    let before = await fingerprint();
    let requests = 0;
    for (const op of ops) {
      for (let k = 0; k < CASES; k++) {
        const request = build(rng, op);
        const res = await server.get(request.url, request.init);
        const text = await res.text();
        requests++;
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        const where = `seed ${SEED}, ${request.label} -> ${res.status} ${text.slice(0, 300)}`;
        expect(res.status, where).toBeLessThan(500);
        if (res.status >= 400 && request.method !== "HEAD") {
          const envelope = JSON.parse(text);
          expect(typeof envelope.error?.code, where).toBe("string");
          expect(typeof envelope.error?.message, where).toBe("string");
          expect(typeof envelope.error?.requestId, where).toBe("string");
          expect(envelope.error.message, where).not.toMatch(/invalid input syntax|out of range for type|SQLSTATE/);
        }
        const after = await fingerprint();
        if (res.status >= 400) expect(after, `a rejected request changed data: ${where}`).toBe(before);
        before = after;
      }
    }
    expect(await fingerprint(victim.id), "the victim's data").toBe(victimBefore);
    const summary = Object.entries(byStatus)
      .map(([status, n]) => `${status}: ${n}`)
      .join(", ");
    console.log(`fuzz seed ${SEED}: ${requests} requests over ${ops.length} operations; by status ${summary}`);
    expect(
      Object.keys(byStatus).some((s) => Number(s) < 300),
      "some requests got through",
    ).toBe(true);
  }, 300_000);
});

/**
 * Shared security tests, generated per endpoint: missing and invalid tokens, another user's resource,
 * SQL-injection-shaped strings, unknown fields, wrong types, oversized bodies (413), wrong content type (415) and
 * huge pagination values. Every case must answer the error envelope with a 4xx, and leave the user-owned tables
 * exactly as they were.
 *
 *   securityTests(() => ({ server, db, user }), {
 *     method: "PUT", path: "/v1/ratings/603", body: { rating: 4 },
 *     hostilePath: (v) => `/v1/ratings/${v}`, otherUsersPath: "/v1/ratings/194",
 *   });
 */
import { describe, expect, it } from "vitest";
import type { SqlExecutor } from "../../functions/lib/db/port";
import type { TestServer } from "./server";

export interface SecurityContext {
  server: TestServer;
  db: SqlExecutor;
  /** A signed-in user ({ token }) whose requests are otherwise valid. */
  user: { token: string };
}

export interface SecurityTarget {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** A valid path for the user. */
  path: string;
  /** A valid JSON body, for endpoints that take one. */
  body?: Record<string, unknown>;
  /** false for public endpoints (register, login): the token cases are skipped. Default true. */
  auth?: boolean;
  /** The path with one segment replaced by a hostile value, for endpoints with path parameters. */
  hostilePath?: (value: string) => string;
  /** A path naming a resource that exists but belongs to someone else: must answer 404. */
  otherUsersPath?: string;
  /** Body fields that are free text (stored verbatim, so injection-shaped text is legitimate there). */
  freeText?: string[];
  /** Query parameters the endpoint validates strictly (so unknown ones are refused). */
  strictQuery?: boolean;
  /** The endpoint pages with limit and cursor. */
  paginated?: boolean;
  /** Status a hostile-but-well-typed body value may get instead of 400 (e.g. 401 for login). */
  allowedStatuses?: number[];
}

export const INJECTIONS = [
  "1 OR 1=1",
  "'; drop table public.ratings; --",
  "1; select pg_sleep(5)",
  '" OR ""="',
  "$1",
  "') union select * from public.user_credentials --",
  "%27%20OR%201%3D1",
];

const USER_TABLES = ["users", "user_credentials", "ratings", "interactions"];

/** A fingerprint of every user-owned table: any insert, update or delete changes it. */
export async function snapshot(db: SqlExecutor): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of USER_TABLES) {
    const [row] = await db.query<{ h: string; n: number }>(
      `select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from public.${table} t`,
    );
    out[table] = `${row.n}:${row.h}`;
  }
  return out;
}

async function expectEnvelope(res: Response, what: string, statuses: number[]) {
  const text = await res.text();
  expect(statuses, `${what}: got ${res.status} ${text.slice(0, 300)}`).toContain(res.status);
  let body: { error?: { code?: unknown; message?: unknown; requestId?: unknown } };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${what}: not JSON: ${text.slice(0, 200)}`);
  }
  expect(Object.keys(body), `${what}: ${text.slice(0, 200)}`).toEqual(["error"]);
  expect(typeof body.error?.code, what).toBe("string");
  expect(typeof body.error?.message, what).toBe("string");
  expect(body.error?.requestId, what).toBe(res.headers.get("x-request-id"));
  expect(text, `${what}: no stack trace or SQL leaks`).not.toMatch(/\n\s+at |syntax error at|pg_catalog|DatabaseError/);
}

function wrongTypes(value: unknown): unknown[] {
  const all: unknown[] = [12345, "not-a-number", true, null, [], { nested: 1 }];
  return all.filter(
    (v) => typeof v !== typeof value || Array.isArray(v) !== Array.isArray(value) || (v === null) !== (value === null),
  );
}

export function securityTests(context: () => SecurityContext, target: SecurityTarget) {
  const name = `${target.method} ${target.path}`;
  const needsAuth = target.auth !== false;
  const bodyMethod = target.method !== "GET";

  const send = (
    path: string,
    options: { token?: string | null; body?: string; contentType?: string | null } = {},
  ): Promise<Response> => {
    const { server, user } = context();
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? user.token : options.token;
    if (token !== null && needsAuth) headers.Authorization = `Bearer ${token}`;
    const body = options.body ?? (target.body ? JSON.stringify(target.body) : undefined);
    if (body !== undefined && bodyMethod) headers["content-type"] = options.contentType ?? "application/json";
    if (options.contentType === null) delete headers["content-type"];
    return server.get(path, { method: target.method, headers, body: bodyMethod ? body : undefined });
  };

  /** Runs fn and checks that no user-owned table changed. */
  const unchanged = async (fn: () => Promise<void>) => {
    const { db } = context();
    const before = await snapshot(db);
    await fn();
    expect(await snapshot(db), "the database changed").toEqual(before);
  };

  describe(`security: ${name}`, () => {
    if (needsAuth) {
      it("refuses a missing or invalid token with 401 and WWW-Authenticate", async () => {
        await unchanged(async () => {
          const { user } = context();
          const [h, p, s] = user.token.split(".");
          const tampered = `${h}.${p}.${s.slice(0, -4)}${s.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
          for (const [what, token] of [
            ["no token", null],
            ["garbage token", "garbage"],
            ["tampered signature", tampered],
            ["unsigned", `${h}.${p}.`],
          ] as const) {
            const res = await send(target.path, { token });
            expect(res.headers.get("www-authenticate"), what).toMatch(/^Bearer error="invalid_token"/);
            await expectEnvelope(res, what, [401]);
          }
        });
      });
    }

    if (target.otherUsersPath) {
      const other = target.otherUsersPath;
      it("answers 404 for another user's resource, without touching it", async () => {
        await unchanged(async () => {
          await expectEnvelope(await send(other), `someone else's ${other}`, [404]);
        });
      });
    }

    it("treats SQL-injection-shaped strings as data, never as SQL", async () => {
      await unchanged(async () => {
        for (const value of INJECTIONS) {
          if (target.hostilePath) {
            await expectEnvelope(
              await send(target.hostilePath(encodeURIComponent(value))),
              `path ${value}`,
              [400, 404, 405],
            );
          }
          if (target.strictQuery || target.paginated) {
            const sep = target.path.includes("?") ? "&" : "?";
            for (const param of target.paginated ? ["cursor", "limit"] : []) {
              const res = await send(`${target.path}${sep}${param}=${encodeURIComponent(value)}`);
              await expectEnvelope(res, `query ${param}=${value}`, [400]);
            }
          }
          if (target.body) {
            for (const field of Object.keys(target.body)) {
              if (target.freeText?.includes(field)) continue;
              const body = JSON.stringify({ ...target.body, [field]: value });
              await expectEnvelope(await send(target.path, { body }), `${field}=${value}`, [
                400,
                ...(target.allowedStatuses ?? []),
              ]);
            }
          }
        }
      });
    });

    if (target.body) {
      const valid = target.body;
      it("refuses unknown fields and wrong types with 400", async () => {
        await unchanged(async () => {
          await expectEnvelope(
            await send(target.path, { body: JSON.stringify({ ...valid, isAdmin: true }) }),
            "unknown field",
            [400],
          );
          await expectEnvelope(
            await send(target.path, { body: JSON.stringify({ ...valid, user_id: crypto.randomUUID() }) }),
            "user_id field",
            [400],
          );
          for (const [field, value] of Object.entries(valid)) {
            for (const wrong of wrongTypes(value)) {
              const body = JSON.stringify({ ...valid, [field]: wrong });
              await expectEnvelope(await send(target.path, { body }), `${field}: ${JSON.stringify(wrong)}`, [400]);
            }
            const { [field]: _missing, ...rest } = valid;
            if (field !== "username")
              await expectEnvelope(await send(target.path, { body: JSON.stringify(rest) }), `without ${field}`, [400]);
          }
          for (const raw of ["", "{", "[]", "null", '"text"', '{"a":1}{']) {
            await expectEnvelope(await send(target.path, { body: raw }), `body ${raw}`, [400]);
          }
        });
      });
    } else if (target.strictQuery) {
      it("refuses unknown query parameters with 400", async () => {
        await unchanged(async () => {
          const sep = target.path.includes("?") ? "&" : "?";
          await expectEnvelope(
            await send(`${target.path}${sep}user_id=${crypto.randomUUID()}`),
            "user_id param",
            [400],
          );
        });
      });
    }

    if (bodyMethod) {
      it("answers 413 for an oversized body and 415 for a non-JSON one", async () => {
        await unchanged(async () => {
          const { server } = context();
          const huge = JSON.stringify({
            ...(target.body ?? {}),
            padding: "x".repeat(server.config.MAX_BODY_BYTES + 1),
          });
          await expectEnvelope(await send(target.path, { body: huge }), "oversized body", [413]);
          const text = JSON.stringify(target.body ?? {});
          await expectEnvelope(await send(target.path, { body: text, contentType: "text/plain" }), "text/plain", [415]);
          await expectEnvelope(
            await send(target.path, { body: text, contentType: "application/x-www-form-urlencoded" }),
            "form",
            [415],
          );
        });
      });
    }

    if (target.paginated) {
      it("refuses huge and negative pagination values with 400", async () => {
        await unchanged(async () => {
          const sep = target.path.includes("?") ? "&" : "?";
          for (const query of [
            "limit=1000000",
            "limit=99999999999999999999999",
            "limit=1e309",
            "limit=-1",
            "limit=0",
            "limit=2.5",
            `cursor=${"A".repeat(5000)}`,
            `cursor=${btoa(JSON.stringify({ k: "2020-01-01 00:00:00+00", i: 1e300 }))}`,
            `cursor=${btoa(JSON.stringify({ k: "yesterday'; drop table x; --", i: 1 }))}`,
          ]) {
            await expectEnvelope(await send(`${target.path}${sep}${query}`), query.slice(0, 40), [400]);
          }
        });
      });
    }
  });
}

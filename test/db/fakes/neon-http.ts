/**
 * A fake of Neon's SQL-over-HTTP endpoint as @neondatabase/serverless 1.2 calls it, over real HTTP, executing
 * each statement for real on a PGlite database:
 * - `POST <fetchEndpoint>` (normally https://api.<host>/sql) with JSON `{query, params}`; params arrive as the
 *   driver prepared them (text, arrays as Postgres array literals, null).
 * - Headers: `Neon-Connection-String` (must name this fake's database and password), `Neon-Raw-Text-Output:
 *   true`, `Neon-Array-Mode: true`, and `Authorization: Bearer <jwt>` when the caller passes an authToken.
 * - Success: `{command, rowCount, rows, fields, rowAsArray}`, rows as arrays of Postgres text output (the
 *   driver parses them by each field's dataTypeID).
 * - A database error: HTTP 400 with the Postgres error fields (message, code, detail, hint, constraint...).
 */
import type { PGlite } from "@electric-sql/pglite";
import { decodeJwt } from "jose";
import { type Answer, type HttpFake, type RecordedRequest, startHttpFake } from "./http-fake";

export interface FakeNeon extends HttpFake {
  /** A connection string this fake accepts; point the driver's fetchEndpoint at `${url}/sql`. */
  connectionString: string;
}

const PASSWORD = "fake-neon-password";
const ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

async function handleSql(
  db: PGlite,
  parsers: Record<number, (v: string) => string>,
  request: RecordedRequest,
): Promise<Answer> {
  if (request.method !== "POST" || request.path !== "/sql") {
    return { status: 404, body: JSON.stringify({ message: `no route ${request.method} ${request.path}` }) };
  }
  let target: URL;
  try {
    target = new URL(request.headers["neon-connection-string"] ?? "");
  } catch {
    return { status: 400, body: JSON.stringify({ message: "missing or invalid Neon-Connection-String header" }) };
  }
  if (decodeURIComponent(target.password) !== PASSWORD) {
    return {
      status: 400,
      body: JSON.stringify({ message: `password authentication failed for user '${target.username}'`, code: "28P01" }),
    };
  }
  let payload: { query: string; params?: unknown[] };
  try {
    payload = JSON.parse(request.body);
    if (typeof payload.query !== "string") throw new Error("no query");
  } catch {
    return { status: 400, body: JSON.stringify({ message: "request body must be JSON with a query" }) };
  }
  const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? "")?.[1];
  try {
    const result = await db.transaction(async (tx) => {
      // Neon's JWT support publishes the verified claims to SQL; the fake trusts the token's payload.
      if (token)
        await tx.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(decodeJwt(token))]);
      return tx.query<unknown[]>(payload.query, payload.params ?? [], { rowMode: "array", parsers });
    });
    const command = /^\s*(\w+)/.exec(payload.query)?.[1].toUpperCase() ?? "";
    return {
      status: 200,
      body: JSON.stringify({
        command,
        rowCount: command === "SELECT" ? result.rows.length : (result.affectedRows ?? 0),
        rows: result.rows,
        fields: result.fields.map((f) => ({
          name: f.name,
          tableID: 0,
          columnID: 0,
          dataTypeID: f.dataTypeID,
          dataTypeSize: -1,
          dataTypeModifier: -1,
          format: "text",
        })),
        rowAsArray: true,
      }),
    };
  } catch (error) {
    const e = error as Record<string, unknown> & { message: string };
    const body: Record<string, unknown> = { message: e.message };
    for (const field of ERROR_FIELDS) if (e[field] !== undefined) body[field] = e[field];
    return { status: 400, body: JSON.stringify(body) };
  }
}

export async function startFakeNeon(db: PGlite): Promise<FakeNeon> {
  // Text output for every type: the driver, not the server, parses values (Neon-Raw-Text-Output: true).
  const { rows } = await db.query<{ oid: number }>("select oid::integer as oid from pg_type");
  const parsers = Object.fromEntries(rows.map((r) => [r.oid, (v: string) => v]));
  const fake = await startHttpFake((request) => handleSql(db, parsers, request));
  return Object.assign(fake, {
    connectionString: `postgresql://marquee:${PASSWORD}@ep-fake-123456.eu-central-1.aws.neon.tech/neondb?sslmode=require`,
  });
}

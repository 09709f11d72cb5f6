/**
 * Neon adapter: the same SQL statements as the Postgres wire adapter, sent one per HTTPS request by
 * `@neondatabase/serverless` (no connection to set up, which suits one-query edge requests). The caller's JWT,
 * when given, is forwarded as Neon's authToken so Neon RLS can see it.
 */
import { neon, neonConfig, types } from "@neondatabase/serverless";
import {
  type Database,
  DatabaseError,
  type Row,
  type RpcArgs,
  type RpcName,
  type RpcOptions,
  type RpcRow,
  rpcRows,
  rpcStatement,
  toDatabaseError,
} from "./port";

export interface NeonOptions {
  connectionString: string;
  /** Overrides the HTTP endpoint (tests point it at a local server). */
  fetchEndpoint?: string;
  /** Give up on a call after this many milliseconds (the database is then reported unreachable). */
  timeoutMs?: number;
}

// bigint and numeric as JS numbers, like the Postgres adapter; every other type as the driver parses it. The
// driver honours `types` only per query (neon(url, { types }) is silently ignored), so it goes with every call.
const NUMERIC_AS_NUMBER = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return types.getTypeParser(oid, format);
  },
};

/**
 * The driver reports a Postgres error (HTTP 400) with its SQLSTATE in `code`. Anything else has no code: it could
 * not connect or timed out ("Error connecting to database"), got a non-400 HTTP status ("Server error (HTTP
 * status 503)"), or got a body that is not the expected JSON. Those become class-08 codes, which the app answers
 * with 503.
 */
function fromDriver(error: unknown): DatabaseError {
  const e = toDatabaseError(error);
  if (e.code) return e;
  if (/^Error connecting to database/.test(e.message) || /^Server error \(HTTP status 5\d\d\)/.test(e.message)) {
    return new DatabaseError(e.message, "08006");
  }
  if (error instanceof SyntaxError || /unexpected result format/.test(e.message)) {
    return new DatabaseError(`invalid response from Neon: ${e.message}`, "08P01");
  }
  return e;
}

export function openNeon(options: NeonOptions): Database {
  // The driver keeps the endpoint override in its global config; only tests set it.
  if (options.fetchEndpoint) neonConfig.fetchEndpoint = options.fetchEndpoint;
  const sql = neon(options.connectionString);
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    kind: "neon",
    async rpc<F extends RpcName>(fn: F, args?: RpcArgs<F>, rpcOptions?: RpcOptions): Promise<RpcRow<F>[]> {
      const statement = rpcStatement(fn, args);
      try {
        const rows = await sql.query(statement.sql, statement.params, {
          types: NUMERIC_AS_NUMBER,
          fetchOptions: { signal: AbortSignal.timeout(timeoutMs) },
          ...(rpcOptions?.jwt ? { authToken: rpcOptions.jwt } : {}),
        });
        return rpcRows<RpcRow<F>>(fn, rows as { row: unknown }[]);
      } catch (error) {
        throw fromDriver(error);
      }
    },
    async close() {},
  };
}

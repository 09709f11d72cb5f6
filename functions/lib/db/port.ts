/**
 * The database port. The app depends on this interface, never on a driver: every adapter (PGlite, Postgres
 * wire, Supabase, Neon) calls the same SQL functions with the same named arguments.
 */

import type { RpcFunctions } from "./rpc-types";

export type Row = Record<string, unknown>;

/** Every SQL function the app may call, with its arguments and row (generated from the schema: rpc-types.ts). */
export type RpcName = keyof RpcFunctions;
export type RpcArgs<F extends RpcName> = RpcFunctions[F]["Args"];
export type RpcRow<F extends RpcName> = RpcFunctions[F]["Row"];

export interface RpcOptions {
  /**
   * The caller's raw JWT. Adapters that talk to PostgREST (Supabase) forward it so that RLS applies as that
   * user; adapters holding a direct connection ignore it (the edge has already authorised the call and passes
   * the user id as an argument).
   */
  jwt?: string;
}

/** What an HTTP handler may do with the database: call SQL functions. */
export interface Database {
  /** Adapter name, for /health and logs. */
  readonly kind: "pglite" | "postgres" | "supabase" | "neon";
  /**
   * Calls `public.<fn>(name => value, ...)` and returns its rows, typed by the function's name: a renamed
   * argument or column is a compile error.
   */
  rpc<F extends RpcName>(fn: F, args?: RpcArgs<F>, options?: RpcOptions): Promise<RpcRow<F>[]>;
  close(): Promise<void>;
}

/** A direct SQL connection: what jobs, migrations and tests need on top of RPCs. */
export interface SqlExecutor {
  /** One statement with $1.. parameters. */
  query<T = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlDatabase extends Database, SqlExecutor {
  readonly kind: "pglite" | "postgres";
  /** Runs fn in one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Builds `select to_json(x) as row from (select * from public.fn(a => $1, b => $2)) as x` for adapters that speak SQL. Each row
 * comes back as JSON, so that every adapter hands the app the same values PostgREST (Supabase) does: composite
 * columns such as a `movie_card` as nested objects, dates and timestamps as ISO text, numeric and bigint as
 * numbers. Names are checked against a strict identifier pattern because they are spliced into the statement;
 * values always travel as parameters. Arguments whose value is undefined are left out so the function's own
 * default applies. An array of objects is sent as JSON text: drivers would otherwise write it as a Postgres array
 * literal, and such an argument is always a jsonb one (PostgREST sends it as JSON too). Read the rows with `rpcRows`.
 */
export function rpcStatement(fn: string, args: Record<string, unknown> = {}): { sql: string; params: unknown[] } {
  if (!IDENTIFIER.test(fn)) throw new Error(`invalid SQL function name: ${fn}`);
  const params: unknown[] = [];
  const named: string[] = [];
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined) continue;
    if (!IDENTIFIER.test(name)) throw new Error(`invalid SQL argument name: ${name}`);
    const objects = Array.isArray(value) && value.length > 0 && value.every((v) => v !== null && typeof v === "object");
    params.push(objects ? JSON.stringify(value) : value);
    named.push(`${name} => $${params.length}`);
  }
  // The subquery names the columns as `select *` does (a single OUT column keeps its name, a scalar result is
  // named after the function), so every row is an object.
  return { sql: `select to_json(x) as row from (select * from public.${fn}(${named.join(", ")})) as x`, params };
}

/**
 * The rows of an `rpcStatement`. A function returning a scalar (`returns text`) gives `{ <fn>: value }`, as
 * `select * from fn()` and PostgREST's single-value arrays name it.
 */
export function rpcRows<T>(fn: string, rows: { row: unknown }[]): T[] {
  return rows.map((r) =>
    r.row !== null && typeof r.row === "object" && !Array.isArray(r.row) ? (r.row as T) : ({ [fn]: r.row } as T),
  );
}

/** A database error carrying the SQLSTATE, so the edge can map constraint violations to 4xx. */
export class DatabaseError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly detail?: string,
    readonly constraint?: string,
    /** The server routine that raised it (exec_stmt_raise: a PL/pgSQL RAISE); undefined when the driver hides it. */
    readonly routine?: string,
  ) {
    super(message);
    this.name = "DatabaseError";
  }
}

/** Normalises a driver's error (pg, PGlite, Neon and PostgREST all expose `code`). */
export function toDatabaseError(error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const e = error as {
    message?: string;
    code?: string;
    detail?: string;
    constraint?: string;
    details?: string;
    routine?: string;
  };
  return new DatabaseError(e?.message ?? String(error), e?.code, e?.detail ?? e?.details, e?.constraint, e?.routine);
}

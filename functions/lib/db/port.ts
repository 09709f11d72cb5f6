/**
 * The database port. The app depends on this interface, never on a driver: every adapter (PGlite, Postgres
 * wire, Supabase, Neon) calls the same SQL functions with the same named arguments.
 */

export type Row = Record<string, unknown>;

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
  /** Calls `public.<fn>(name => value, ...)` and returns its rows. */
  rpc<T = Row>(fn: string, args?: Record<string, unknown>, options?: RpcOptions): Promise<T[]>;
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
 * Builds `select * from public.fn(a => $1, b => $2)` for adapters that speak SQL. Names are checked against a
 * strict identifier pattern because they are spliced into the statement; values always travel as parameters.
 * Arguments whose value is undefined are left out so the function's own default applies.
 */
export function rpcStatement(fn: string, args: Record<string, unknown> = {}): { sql: string; params: unknown[] } {
  if (!IDENTIFIER.test(fn)) throw new Error(`invalid SQL function name: ${fn}`);
  const params: unknown[] = [];
  const named: string[] = [];
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined) continue;
    if (!IDENTIFIER.test(name)) throw new Error(`invalid SQL argument name: ${name}`);
    params.push(value);
    named.push(`${name} => $${params.length}`);
  }
  return { sql: `select * from public.${fn}(${named.join(", ")})`, params };
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

/**
 * Postgres wire adapter (node-postgres) for a real PostgreSQL given by DATABASE_URL. Works from Node and from
 * inside workerd (TCP through `cloudflare:sockets` with the nodejs_compat flag).
 */
import pg from "pg";
import {
  type Row,
  type RpcArgs,
  type RpcName,
  type RpcOptions,
  type RpcRow,
  rpcRows,
  rpcStatement,
  type SqlDatabase,
  type SqlExecutor,
  toDatabaseError,
} from "./port";

export interface PostgresOptions {
  connectionString: string;
  /** Pool size. In a Worker each request gets its own small pool; in Node one pool serves all requests. */
  max?: number;
  /** Milliseconds a statement may run before the server cancels it. */
  statementTimeoutMs?: number;
  /** Told how long each new connection took to open (TCP, TLS, startup and authentication), for Server-Timing. */
  onConnect?: (ms: number) => void;
}

// Return bigint counts and numeric values as JS numbers: every numeric column we expose fits a double, and the
// alternative (strings) would leak driver details into the API.
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query<T = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
      try {
        const result = await client.query({ text: sql, values: params, types });
        return result.rows as T[];
      } catch (error) {
        throw toDatabaseError(error);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await client.query(sql);
      } catch (error) {
        throw toDatabaseError(error);
      }
    },
  };
}

interface WritableSocket {
  write(data: Uint8Array | string, encoding?: unknown, callback?: (error?: Error) => void): boolean;
  cork?: () => void;
  uncork?: () => void;
}

/**
 * Gives a socket without cork/uncork (pg-cloudflare's, inside workerd) the pair, so that pg's extended-protocol
 * messages for one query (Parse, Bind, Describe, Execute, Sync) leave in one write, as they do from Node. Sent as
 * five small writes, the later ones wait for the server's delayed ACK of the first (Nagle's algorithm): about
 * 40 ms added to every query with parameters (`marquee bench api`, README "Benchmarks"). Node's net.Socket already
 * corks and is left alone.
 */
export function corkable(socket: WritableSocket): void {
  if (typeof socket.cork === "function") return;
  const write = socket.write.bind(socket);
  let held: { chunks: Uint8Array[]; callbacks: ((error?: Error) => void)[] } | null = null;
  socket.cork = () => {
    held ??= { chunks: [], callbacks: [] };
  };
  socket.uncork = () => {
    const batch = held;
    held = null;
    if (!batch || batch.chunks.length === 0) return;
    const joined = new Uint8Array(batch.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const chunk of batch.chunks) {
      joined.set(chunk, at);
      at += chunk.length;
    }
    write(joined, undefined, (error) => {
      for (const callback of batch.callbacks) callback(error);
    });
  };
  socket.write = (data, encoding, callback) => {
    if (!held) return write(data, encoding, callback);
    const done = typeof encoding === "function" ? (encoding as (error?: Error) => void) : callback;
    held.chunks.push(typeof data === "string" ? new TextEncoder().encode(data) : data);
    if (done) held.callbacks.push(done);
    return true;
  };
}

/**
 * The pg.Client every pool here uses: its socket corks (see corkable), and, when asked, it reports how long
 * connect() took (pg-pool calls connect with a callback, others await it).
 */
function marqueeClient(onConnect?: (ms: number) => void): typeof pg.Client {
  class MarqueeClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      const stream = (this as unknown as { connection?: { stream?: WritableSocket } }).connection?.stream;
      if (stream) corkable(stream);
    }
  }
  if (!onConnect) return MarqueeClient;
  const connect = pg.Client.prototype.connect as (this: pg.Client) => Promise<pg.Client>;
  MarqueeClient.prototype.connect = function (this: pg.Client, callback?: (error: Error | undefined) => void) {
    const started = performance.now();
    const connected = connect.call(this).then((client: pg.Client) => {
      onConnect(performance.now() - started);
      return client;
    });
    if (!callback) return connected;
    connected.then(() => callback(undefined), callback);
  } as typeof pg.Client.prototype.connect;
  return MarqueeClient;
}

export function openPostgres(options: PostgresOptions): SqlDatabase & { pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    statement_timeout: options.statementTimeoutMs,
    Client: marqueeClient(options.onConnect),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  const base = executor(pool);
  return {
    kind: "postgres",
    pool,
    ...base,
    async rpc<F extends RpcName>(fn: F, args?: RpcArgs<F>, _options?: RpcOptions): Promise<RpcRow<F>[]> {
      const { sql, params } = rpcStatement(fn, args);
      return rpcRows<RpcRow<F>>(fn, await base.query<{ row: unknown }>(sql, params));
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query("begin");
        const result = await fn(executor(client));
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => {});
        // The caller's own errors (say a MigrationError) pass through as they are; driver errors get the SQLSTATE.
        throw error instanceof pg.DatabaseError ? toDatabaseError(error) : error;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

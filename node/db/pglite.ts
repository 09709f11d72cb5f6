/**
 * PGlite adapter: PostgreSQL compiled to WASM, in-process, persisted to a folder. The embedded default for
 * `npm start` and the test suite. Node-only (it loads WASM and touches the file system), so the Worker bundle
 * never imports it.
 */
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { vector } from "@electric-sql/pglite-pgvector";
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
} from "../../functions/lib/db/port";

export interface PgliteOptions {
  /** Folder to persist to; in memory when omitted. */
  dataDir?: string;
  /** Reuse an already open instance (tests, pglite-socket). */
  instance?: PGlite;
}

export async function createPglite(dataDir?: string): Promise<PGlite> {
  return PGlite.create({ dataDir, extensions: { vector, pg_trgm, unaccent } });
}

function executor(client: Pick<PGlite, "query" | "exec">): SqlExecutor {
  return {
    async query<T = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
      try {
        const result = await client.query<T>(sql, params);
        return result.rows;
      } catch (error) {
        throw toDatabaseError(error);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await client.exec(sql);
      } catch (error) {
        throw toDatabaseError(error);
      }
    },
  };
}

export async function openPglite(options: PgliteOptions = {}): Promise<SqlDatabase & { pglite: PGlite }> {
  const pglite = options.instance ?? (await createPglite(options.dataDir));
  const base = executor(pglite);
  return {
    kind: "pglite",
    pglite,
    ...base,
    async rpc<F extends RpcName>(fn: F, args?: RpcArgs<F>, _options?: RpcOptions): Promise<RpcRow<F>[]> {
      const { sql, params } = rpcStatement(fn, args);
      return rpcRows<RpcRow<F>>(fn, await base.query<{ row: unknown }>(sql, params));
    },
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return pglite.transaction((tx) => fn(executor(tx)));
    },
    async close() {
      if (!options.instance && !pglite.closed) await pglite.close();
    },
  };
}

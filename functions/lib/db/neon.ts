/**
 * Neon adapter: the same SQL statements as the Postgres wire adapter, sent one per HTTPS request by
 * `@neondatabase/serverless` (no connection to set up, which suits one-query edge requests). The caller's JWT,
 * when given, is forwarded as Neon's authToken so Neon RLS can see it.
 */
import { neon, neonConfig } from "@neondatabase/serverless";
import { type Database, type Row, type RpcOptions, rpcStatement, toDatabaseError } from "./port";

export interface NeonOptions {
  connectionString: string;
  /** Overrides the HTTP endpoint (tests point it at a local server). */
  fetchEndpoint?: string;
}

const NUMERIC_AS_NUMBER = {
  getTypeParser: (oid: number) => (oid === 20 || oid === 1700 ? (v: string) => Number(v) : undefined),
};

export function openNeon(options: NeonOptions): Database {
  // The driver keeps the endpoint override in its global config; only tests set it.
  if (options.fetchEndpoint) neonConfig.fetchEndpoint = options.fetchEndpoint;
  const sql = neon(options.connectionString, {
    // biome-ignore lint/suspicious/noExplicitAny: the driver's CustomTypesConfig falls back to defaults on undefined
    types: NUMERIC_AS_NUMBER as any,
  });
  return {
    kind: "neon",
    async rpc<T = Row>(fn: string, args?: Record<string, unknown>, rpcOptions?: RpcOptions): Promise<T[]> {
      const statement = rpcStatement(fn, args);
      try {
        const rows = await sql.query(
          statement.sql,
          statement.params,
          rpcOptions?.jwt ? { authToken: rpcOptions.jwt } : {},
        );
        return rows as T[];
      } catch (error) {
        throw toDatabaseError(error);
      }
    },
    async close() {},
  };
}

/**
 * Supabase adapter: calls the same SQL functions as RPCs through PostgREST (`POST /rest/v1/rpc/<fn>` with the
 * named arguments as the JSON body). When the caller's JWT is given it is forwarded as the Authorization
 * header, so the function runs as that user and RLS applies exactly as for a browser talking to Supabase.
 */
import { createClient } from "@supabase/supabase-js";
import { type Database, DatabaseError, type Row, type RpcOptions } from "./port";

export interface SupabaseOptions {
  url: string;
  /** anon key (user calls carry the user's JWT) or service_role key (jobs). */
  key: string;
  fetch?: typeof fetch;
}

export function openSupabase(options: SupabaseOptions): Database {
  const client = createClient(options.url, options.key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: options.fetch ? { fetch: options.fetch } : undefined,
  });
  return {
    kind: "supabase",
    async rpc<T = Row>(fn: string, args: Record<string, unknown> = {}, rpcOptions?: RpcOptions): Promise<T[]> {
      // PostgREST treats a missing key as "use the default", like the SQL adapters do for undefined.
      const body = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
      let request = client.rpc(fn, body);
      if (rpcOptions?.jwt) request = request.setHeader("Authorization", `Bearer ${rpcOptions.jwt}`);
      const { data, error, status } = await request;
      if (error) {
        // PostgREST reports the SQLSTATE in `code`; network failures arrive with status 0 and no code.
        throw new DatabaseError(
          error.message,
          error.code || (status === 0 ? "08006" : undefined),
          error.details ?? undefined,
        );
      }
      if (data === null) return [];
      return (Array.isArray(data) ? data : [data]) as T[];
    },
    async close() {},
  };
}

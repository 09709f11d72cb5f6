/**
 * Supabase adapter: calls the same SQL functions as RPCs through PostgREST (`POST /rest/v1/rpc/<fn>` with the
 * named arguments as the JSON body). When the caller's JWT is given it is forwarded as the Authorization
 * header, so the function runs as that user and RLS applies exactly as for a browser talking to Supabase.
 */
import { createClient } from "@supabase/supabase-js";
import {
  type Database,
  DatabaseError,
  type Row,
  type RpcArgs,
  type RpcName,
  type RpcOptions,
  type RpcRow,
} from "./port";

export interface SupabaseOptions {
  url: string;
  /** anon key (user calls carry the user's JWT) or service_role key (jobs). */
  key: string;
  fetch?: typeof fetch;
  /** Give up on a call after this many milliseconds (the database is then reported unreachable). */
  timeoutMs?: number;
}

/**
 * Realtime is never used, but supabase-js builds its client eagerly and, on Node 20 (no global WebSocket),
 * throws unless a transport is given. This stand-in satisfies it without bundling a WebSocket library.
 */
class RealtimeNotUsed {
  constructor() {
    throw new Error("Marquee does not use Supabase Realtime");
  }
}

// SQLSTATE class 08 (connection exception): the app answers 503 for these.
const UNREACHABLE = "08006";
const PROTOCOL_VIOLATION = "08P01";

/**
 * PostgREST puts the SQLSTATE (or its own PGRST code) in `code`. What has no code did not come from PostgREST:
 * a network failure or timeout (status 0), a gateway's 5xx page, or a body that is not JSON.
 */
function errorCode(code: string | undefined, status: number): string | undefined {
  // PGRST000-PGRST003: PostgREST cannot reach Postgres or its schema cache is not ready.
  if (code && /^PGRST00[0-3]$/.test(code)) return UNREACHABLE;
  if (code) return code;
  if (status === 0 || status >= 500) return UNREACHABLE;
  if (status >= 200 && status < 300) return PROTOCOL_VIOLATION;
  return undefined;
}

export function openSupabase(options: SupabaseOptions): Database {
  const client = createClient(options.url, options.key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: RealtimeNotUsed as unknown as typeof WebSocket },
    global: options.fetch ? { fetch: options.fetch } : undefined,
  });
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    kind: "supabase",
    async rpc<F extends RpcName>(fn: F, args: RpcArgs<F> = {}, rpcOptions?: RpcOptions): Promise<RpcRow<F>[]> {
      // PostgREST treats a missing key as "use the default", like the SQL adapters do for undefined.
      const body = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
      let request = client.rpc(fn, body).abortSignal(AbortSignal.timeout(timeoutMs));
      if (rpcOptions?.jwt) request = request.setHeader("Authorization", `Bearer ${rpcOptions.jwt}`);
      const { data, error, status } = await request;
      if (error) {
        throw new DatabaseError(error.message, errorCode(error.code, status), error.details ?? undefined);
      }
      if (data === null) return [];
      return (Array.isArray(data) ? data : [data]) as RpcRow<F>[];
    },
    async close() {},
  };
}

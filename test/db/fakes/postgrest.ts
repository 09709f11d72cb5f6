/**
 * A fake of Supabase's REST API for RPCs (Kong gateway + PostgREST), over real HTTP, executing every call for
 * real on a PGlite database the way PostgREST does:
 * - `POST /rest/v1/rpc/<fn>` with the named arguments as a JSON object; `apikey` must be one of the project's
 *   keys; `Authorization: Bearer <jwt>` is verified (HS256, the project's JWT secret) and its `role` claim
 *   becomes the database role for the call (`set local role`), its claims `request.jwt.claims`.
 * - The function is resolved by name and argument names, arguments are cast to the declared types through
 *   `json_to_record`, and the rows come back as PostgREST renders them (json_agg), so dates, arrays and numbers
 *   are in PostgREST's own JSON formats.
 * - Errors use PostgREST's body `{code, details, hint, message}` and its SQLSTATE -> HTTP status table;
 *   PostgREST's own errors use its PGRST codes (PGRST102 bad body, PGRST202 unknown function, PGRST301 bad JWT).
 */
import type { PGlite, Transaction } from "@electric-sql/pglite";
import { jwtVerify, SignJWT } from "jose";
import { type Answer, type HttpFake, type RecordedRequest, startHttpFake } from "./http-fake";

export interface FakeSupabase extends HttpFake {
  anonKey: string;
  serviceRoleKey: string;
  /** Signs a user access token the way Supabase Auth would (role authenticated, sub = user id). */
  userToken(sub: string, claims?: Record<string, unknown>): Promise<string>;
}

const JWT_SECRET = new TextEncoder().encode("fake-supabase-jwt-secret-at-least-32-characters");

const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(JWT_SECRET);

/** PostgREST's error body; key order as PostgREST writes it. */
function pgrstError(
  status: number,
  code: string,
  message: string,
  details: string | null = null,
  hint: string | null = null,
): Answer {
  return { status, body: JSON.stringify({ code, details, hint, message }) };
}

/** PostgREST's SQLSTATE -> HTTP status table (docs.postgrest.org, "Errors"). */
export function statusForSqlState(code: string, role: string): number {
  if (code === "42501") return role === "anon" ? 401 : 403;
  const exact: Record<string, number> = {
    "23503": 409,
    "23505": 409,
    "25006": 405,
    P0001: 400,
    "42883": 404,
    "42P01": 404,
    "42P17": 500,
  };
  if (exact[code]) return exact[code];
  const byClass: [string, number][] = [
    ["08", 503],
    ["09", 500],
    ["0L", 403],
    ["0P", 403],
    ["25", 500],
    ["28", 403],
    ["2D", 500],
    ["38", 500],
    ["39", 500],
    ["3B", 500],
    ["40", 500],
    ["53", 503],
    ["54", 413],
    ["55", 500],
    ["57", 500],
    ["58", 500],
    ["F0", 500],
    ["HV", 500],
    ["P0", 500],
    ["XX", 500],
  ];
  return byClass.find(([prefix]) => code.startsWith(prefix))?.[1] ?? 400;
}

interface Signature {
  args: { name: string; type: string }[];
  required: number;
  returnsSet: boolean;
}

async function signatures(db: PGlite, fn: string): Promise<Signature[]> {
  const { rows } = await db.query<{
    names: string[] | null;
    modes: string[] | null;
    types: string[];
    defaults: number;
    retset: boolean;
    nargs: number;
  }>(
    `select p.proargnames as names, p.proargmodes::text[] as modes, p.pronargdefaults as defaults, p.proretset as retset,
            p.pronargs as nargs,
            array(select format_type(t, null) from unnest(p.proargtypes) as t) as types
     from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'public' and p.proname = $1`,
    [fn],
  );
  return rows.map((r) => {
    // proargnames covers all arguments (in and out) when proargmodes is set; the inputs come first.
    const inputNames = (r.names ?? []).filter((_, i) => !r.modes || ["i", "b", "v"].includes(r.modes[i]));
    return {
      args: r.types.map((type, i) => ({ name: inputNames[i] ?? "", type })),
      required: r.nargs - r.defaults,
      returnsSet: r.retset,
    };
  });
}

async function bearerRole(
  authorization: string | undefined,
): Promise<{ role: string; claims: Record<string, unknown> } | Answer> {
  const token = /^Bearer (.+)$/i.exec(authorization ?? "")?.[1];
  if (!token) return { role: "anon", claims: { role: "anon" } };
  try {
    const { payload } = await jwtVerify(token, JWT_SECRET, { algorithms: ["HS256"] });
    return { role: String(payload.role ?? "anon"), claims: payload as Record<string, unknown> };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_JWT_EXPIRED") return pgrstError(401, "PGRST303", "JWT expired");
    return pgrstError(401, "PGRST301", "JWSError JWSInvalidSignature");
  }
}

async function handleRpc(db: PGlite, keys: string[], request: RecordedRequest): Promise<Answer> {
  const match = /^\/rest\/v1\/rpc\/([A-Za-z0-9_]+)$/.exec(request.path);
  if (!match) return pgrstError(404, "PGRST125", "Invalid path specified in request URL");
  // The gateway: a project key must be present.
  const apikey = request.headers.apikey;
  if (!apikey) {
    return {
      status: 401,
      body: JSON.stringify({
        message: "No API key found in request",
        hint: "No `apikey` request header or url param was found.",
      }),
    };
  }
  if (!keys.includes(apikey)) return { status: 401, body: JSON.stringify({ message: "Invalid API key" }) };
  if (request.method !== "POST") return pgrstError(405, "PGRST117", `Unsupported HTTP method: ${request.method}`);
  const profile = request.headers["content-profile"];
  if (profile && profile !== "public") {
    return pgrstError(406, "PGRST106", "The schema must be one of the following: public", null, null);
  }
  const auth = await bearerRole(request.headers.authorization);
  if ("status" in auth) return auth;

  let args: Record<string, unknown>;
  try {
    args = request.body === "" ? {} : JSON.parse(request.body);
    if (args === null || typeof args !== "object" || Array.isArray(args)) throw new Error("not an object");
  } catch {
    return pgrstError(400, "PGRST102", "Empty or invalid json");
  }

  const fn = match[1];
  const given = Object.keys(args).sort();
  const candidates = await signatures(db, fn);
  const signature = candidates.find((s) => {
    const names = s.args.map((a) => a.name);
    return given.every((k) => names.includes(k)) && names.slice(0, s.required).every((n) => given.includes(n));
  });
  if (!signature) {
    return pgrstError(
      404,
      "PGRST202",
      `Could not find the function public.${fn}(${given.join(", ")}) in the schema cache`,
      `Searched for the function public.${fn} with parameters ${given.join(", ") || "without parameters"} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
    );
  }

  const used = signature.args.filter((a) => given.includes(a.name));
  const callArgs = used.map((a) => `"${a.name}" := pgrst_args."${a.name}"`).join(", ");
  const argsRecord = `json_to_record($1::json) as pgrst_args(${used.map((a) => `"${a.name}" ${a.type}`).join(", ")})`;
  // A set-returning function answers a JSON array of rows; any other answers its single value.
  const sql = signature.returnsSet
    ? used.length
      ? `select coalesce(json_agg(_postgrest_t), '[]')::text as body
         from (select pgrst_call.* from ${argsRecord}, lateral public."${fn}"(${callArgs}) as pgrst_call) _postgrest_t`
      : `select coalesce(json_agg(_postgrest_t), '[]')::text as body from public."${fn}"() _postgrest_t`
    : used.length
      ? `select to_json(public."${fn}"(${callArgs}))::text as body from ${argsRecord}`
      : `select to_json(public."${fn}"())::text as body`;

  try {
    const body = await db.transaction(async (tx: Transaction) => {
      await tx.query(
        "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('request.method', 'POST', true), set_config('request.path', $3, true)",
        [auth.role, JSON.stringify(auth.claims), request.path],
      );
      const result = await tx.query<{ body: string }>(sql, used.length ? [JSON.stringify(args)] : []);
      return result.rows[0].body;
    });
    if (!signature.returnsSet) return { status: 200, body };
    const count = (JSON.parse(body) as unknown[]).length;
    return { status: 200, body, headers: { "content-range": count ? `0-${count - 1}/*` : "*/*" } };
  } catch (error) {
    const e = error as { code?: string; message: string; detail?: string; hint?: string };
    const code = e.code ?? "XX000";
    return pgrstError(statusForSqlState(code, auth.role), code, e.message, e.detail ?? null, e.hint ?? null);
  }
}

export async function startFakeSupabase(db: PGlite): Promise<FakeSupabase> {
  const anonKey = await sign({ iss: "supabase", ref: "fakeproject", role: "anon" });
  const serviceRoleKey = await sign({ iss: "supabase", ref: "fakeproject", role: "service_role" });
  const fake = await startHttpFake((request) => handleRpc(db, [anonKey, serviceRoleKey], request));
  return Object.assign(fake, {
    anonKey,
    serviceRoleKey,
    userToken: (sub: string, claims: Record<string, unknown> = {}) =>
      sign({ sub, role: "authenticated", aud: "authenticated", ...claims }),
  });
}

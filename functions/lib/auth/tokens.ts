/**
 * Access tokens: HS256 JWTs issued and verified with jose, shaped like Supabase's (`sub`, `role: authenticated`,
 * `aud`, `iss`, `iat`, `exp`) so that, signed with the Supabase project's JWT secret, the same token passes
 * PostgREST and its RLS policies. Optionally, tokens signed by a JSON Web Key Set (Supabase Auth's asymmetric
 * keys) are accepted too. Algorithms are pinned per key source: the shared secret only ever verifies HS256, and
 * the key set only ES256/RS256, so no token can choose how it is checked.
 */
import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify, SignJWT } from "jose";

export interface TokenConfig {
  JWT_SECRET?: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWT_TTL_SECONDS: number;
  JWT_CLOCK_SKEW_SECONDS: number;
  AUTH_JWKS_URL?: string;
  AUTH_JWKS_ISSUER?: string;
  AUTH_JWKS_AUDIENCE: string;
}

export const TOKEN_ALGORITHM = "HS256";
export const JWKS_ALGORITHMS = ["ES256", "RS256"];
/** Longer than any token we or Supabase issue; bounds the work spent on garbage. */
export const MAX_TOKEN_LENGTH = 4096;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why a token was refused; the text goes into WWW-Authenticate's error_description, so it names no secret. */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

export interface VerifiedToken {
  userId: string;
  /** "local": signed with JWT_SECRET; "jwks": signed by a key in AUTH_JWKS_URL. */
  source: "local" | "jwks";
  expiresAt: number;
  /** The tv claim of a local token (0 when absent: tokens issued before versions existed). */
  tokenVersion: number;
}

const secretKeys = new Map<string, Uint8Array>();
function secretKey(secret: string | undefined): Uint8Array {
  if (!secret) throw new Error("JWT_SECRET is not configured");
  let key = secretKeys.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    secretKeys.set(secret, key);
  }
  return key;
}

// One fetched key set per URL and isolate; jose refetches on an unknown kid (rate-limited) and after maxAge.
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
function remoteKeySet(url: string) {
  let set = keySets.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), {
      cacheMaxAge: 10 * 60_000,
      cooldownDuration: 30_000,
      timeoutDuration: 5000,
    });
    keySets.set(url, set);
  }
  return set;
}

export function jwksIssuer(config: TokenConfig): string | undefined {
  return config.AUTH_JWKS_ISSUER ?? config.AUTH_JWKS_URL?.replace(/\/\.well-known\/jwks\.json$/, "");
}

/**
 * `tokenVersion` becomes the `tv` claim: the edge refuses a token whose version is not the user's current one
 * (users.token_version), which is how a password change or signing out everywhere kills older tokens.
 */
export async function issueToken(
  config: TokenConfig,
  userId: string,
  now = Math.floor(Date.now() / 1000),
  tokenVersion = 0,
): Promise<{ token: string; expiresAt: number }> {
  const expiresAt = now + config.JWT_TTL_SECONDS;
  const token = await new SignJWT({ role: "authenticated", tv: tokenVersion })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: "JWT" })
    .setSubject(userId)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(expiresAt)
    .sign(secretKey(config.JWT_SECRET));
  return { token, expiresAt };
}

function describe(error: unknown): string {
  const code = (error as { code?: string })?.code;
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return "token expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED": {
      const claim = (error as { claim?: string }).claim;
      return claim ? `token ${claim} claim is not accepted` : "token claims are not accepted";
    }
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "token signature is invalid";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "token algorithm is not accepted";
    case "ERR_JWKS_NO_MATCHING_KEY":
      return "token key is unknown";
    case "ERR_JWKS_TIMEOUT":
    case "ERR_JOSE_GENERIC":
      return "token keys are unavailable";
    default:
      return "token is malformed";
  }
}

/**
 * An operator's token: HS256 with JWT_SECRET and `role: service_role`, as Supabase's service key is. Such a token
 * names no user, so verifyToken refuses it; only the routes that serve operators call this. Issuer and audience
 * are not required (Supabase's service key has neither ours); expiry is checked when present.
 */
export async function isServiceRoleToken(config: TokenConfig, token: string): Promise<boolean> {
  if (token.length > MAX_TOKEN_LENGTH || !config.JWT_SECRET) return false;
  try {
    if (decodeProtectedHeader(token).alg !== TOKEN_ALGORITHM) return false;
    const { payload } = await jwtVerify(token, secretKey(config.JWT_SECRET), {
      algorithms: [TOKEN_ALGORITHM],
      clockTolerance: config.JWT_CLOCK_SKEW_SECONDS,
    });
    return payload.role === "service_role";
  } catch {
    return false;
  }
}

/** Verifies a bearer token; throws InvalidTokenError saying why it is refused. */
export async function verifyToken(config: TokenConfig, token: string): Promise<VerifiedToken> {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) {
    throw new InvalidTokenError("token is malformed");
  }
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new InvalidTokenError("token is malformed");
  }
  let payload: JWTPayload;
  let source: VerifiedToken["source"];
  try {
    if (alg === TOKEN_ALGORITHM) {
      source = "local";
      ({ payload } = await jwtVerify(token, secretKey(config.JWT_SECRET), {
        algorithms: [TOKEN_ALGORITHM],
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        clockTolerance: config.JWT_CLOCK_SKEW_SECONDS,
        requiredClaims: ["sub", "exp", "iat"],
        maxTokenAge: config.JWT_TTL_SECONDS + config.JWT_CLOCK_SKEW_SECONDS,
      }));
    } else if (config.AUTH_JWKS_URL && alg && JWKS_ALGORITHMS.includes(alg)) {
      source = "jwks";
      ({ payload } = await jwtVerify(token, remoteKeySet(config.AUTH_JWKS_URL), {
        algorithms: JWKS_ALGORITHMS,
        issuer: jwksIssuer(config),
        audience: config.AUTH_JWKS_AUDIENCE,
        clockTolerance: config.JWT_CLOCK_SKEW_SECONDS,
        requiredClaims: ["sub", "exp"],
      }));
    } else {
      throw new InvalidTokenError("token algorithm is not accepted");
    }
  } catch (error) {
    if (error instanceof InvalidTokenError) throw error;
    throw new InvalidTokenError(describe(error));
  }
  if (payload.role !== "authenticated") throw new InvalidTokenError("token role is not authenticated");
  if (typeof payload.sub !== "string" || !UUID.test(payload.sub)) {
    throw new InvalidTokenError("token subject is not a user id");
  }
  const tv = payload.tv ?? 0;
  if (!Number.isSafeInteger(tv) || (tv as number) < 0) throw new InvalidTokenError("token version is malformed");
  return { userId: payload.sub.toLowerCase(), source, expiresAt: payload.exp as number, tokenVersion: tv as number };
}

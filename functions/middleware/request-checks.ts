/**
 * Body size (413) and content type (415) checks, before any handler reads the body; NUL in the query (400).
 *
 * JSON routes take at most MAX_BODY_BYTES of `application/json`. A route that takes something else (an upload)
 * declares its own policy with `declareBodyPolicy(route, { maxBytes, contentTypes })`; the check finds it by the
 * route the request matched.
 *
 * A body without a declared length (chunked) is read here while counting, and the read is cancelled at the limit:
 * at most `maxBytes` plus one chunk is ever held, however much the client sends. (Hono's bodyLimit middleware
 * counts the same way but leaves the stream open, so the runtime keeps pulling the rest.)
 */
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Routes that check their own body size and type instead of MAX_BODY_BYTES and JSON: the Letterboxd upload
 * (routes/imports/upload-limit.ts, IMPORT_MAX_BYTES, multipart). A stopgap until per-route body limits are declared
 * with each route: then this set goes and that route declares its limit there.
 */
export const ROUTES_WITH_OWN_BODY_LIMIT = new Set(["/v1/imports/letterboxd"]);
const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

export interface BodyPolicy {
  /** Largest body accepted, in bytes (default: MAX_BODY_BYTES). */
  maxBytes?: number;
  /** Media types accepted, compared without parameters and case-insensitively, like `text/csv`. */
  contentTypes: string[];
  /** What the 415 message says is expected; default: the list of types. */
  describe?: string;
}

const policies = new Map<string, BodyPolicy>();

/** Hono's path syntax for an OpenAPI path: /v1/imports/{id} -> /v1/imports/:id. */
const honoPath = (path: string) => path.replace(/\{([^}]+)\}/g, ":$1");

/** Declares the body a route accepts instead of the JSON default. Call it before the route is registered. */
export function declareBodyPolicy(route: { method: string; path: string }, policy: BodyPolicy): void {
  policies.set(`${route.method.toUpperCase()} ${honoPath(route.path)}`, policy);
}

function policyFor(c: Parameters<MiddlewareHandler<AppEnv>>[0]): BodyPolicy | undefined {
  for (const route of matchedRoutes(c)) {
    const policy = policies.get(`${route.method} ${route.path}`);
    if (policy && route.method === c.req.method) return policy;
  }
  return undefined;
}

const tooLarge = (max: number) => new ApiError("PAYLOAD_TOO_LARGE", `request body exceeds ${max} bytes`);

/** Reads a stream into memory, giving up (and cancelling the stream) as soon as it passes `max` bytes. */
async function readBounded(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel("request body too large").catch(() => {});
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * PostgreSQL text cannot hold NUL: a query value with one would fail as a database error deep inside a handler.
 * Refused here for every route at once, naming the parameter.
 */
function checkQueryText(url: string) {
  const search = url.indexOf("?");
  if (search < 0 || !url.includes("%00", search)) return;
  for (const [name, value] of new URLSearchParams(url.slice(search + 1))) {
    if (name.includes("\0") || value.includes("\0")) {
      const field = name.includes("\0") ? "query" : name;
      throw new ApiError("BAD_REQUEST", `invalid query: ${field}: must not contain NUL characters`, {
        issues: [{ field, message: "must not contain NUL characters" }],
      });
    }
  }
}

export const requestChecks: MiddlewareHandler<AppEnv> = async (c, next) => {
  checkQueryText(c.req.url);
  if (!BODY_METHODS.has(c.req.method)) return next();
  if (ROUTES_WITH_OWN_BODY_LIMIT.has(c.req.path)) return next();
  const policy = policyFor(c);
  const max = policy?.maxBytes ?? c.get("services").config.MAX_BODY_BYTES;
  const declared = c.req.header("content-length");
  const chunked = c.req.header("transfer-encoding") !== undefined;
  const checkType = () => {
    const type = c.req.header("content-type") ?? "";
    const accepted = policy
      ? policy.contentTypes.includes(type.split(";")[0].trim().toLowerCase())
      : JSON_TYPE.test(type);
    if (!accepted) {
      const expected = policy ? (policy.describe ?? policy.contentTypes.join(" or ")) : "application/json";
      throw new ApiError("UNSUPPORTED_MEDIA_TYPE", `Content-Type must be ${expected}, got "${type || "none"}"`);
    }
  };
  if (declared !== undefined && !chunked) {
    // The runtime reads no more than the declared length.
    if (declared === "0") return next();
    if (Number(declared) > max) throw tooLarge(max);
    checkType();
    return next();
  }
  if (!c.req.raw.body) return next();
  if (chunked) checkType();
  // Without a declared length, the runtime cannot bound the body for us: count while reading.
  const bytes = await readBounded(c.req.raw.body, max);
  c.req.raw = new Request(c.req.raw, { body: bytes });
  if (bytes.byteLength > 0 && !chunked) checkType();
  return next();
};

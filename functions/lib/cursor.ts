/**
 * Opaque pagination cursors: the keyset position as JSON, signed with HMAC-SHA256 under a key derived from
 * JWT_SECRET. A cursor is only ever one this server handed out, so a forged or edited one is refused before any
 * of its values reach SQL (where a tampered key would fail as a PostgreSQL cast error). Each cursor names the
 * list it belongs to, so one list's cursor is refused by another.
 *
 * Format: base64url(JSON) "." base64url(first 16 bytes of the HMAC). Web Crypto only (Workers and Node).
 */
import { ApiError } from "../errors";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function cursorKey(secret: string | undefined): Promise<CryptoKey> {
  if (!secret) throw new Error("JWT_SECRET is not configured (cursors are signed with a key derived from it)");
  let key = keys.get(secret);
  if (!key) {
    // Domain-separated from the JWT signing key: a cursor MAC can never pass as a token signature.
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(`marquee-cursor-v1:${secret}`),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(secret, key);
  }
  return key;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    return Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

const MAC_BYTES = 16;

async function mac(secret: string | undefined, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const full = await crypto.subtle.sign("HMAC", await cursorKey(secret), data);
  return new Uint8Array(full).slice(0, MAC_BYTES);
}

export async function signCursor(secret: string | undefined, list: string, position: Record<string, unknown>) {
  const body = encoder.encode(JSON.stringify({ l: list, ...position }));
  return `${toBase64Url(body)}.${toBase64Url(await mac(secret, body))}`;
}

export function invalidCursor(): ApiError {
  return new ApiError("BAD_REQUEST", "invalid query: cursor: is not a cursor from this endpoint", {
    issues: [{ field: "cursor", message: "is not a cursor from this endpoint" }],
  });
}

/** The position inside a cursor this server signed for `list`; throws a 400 ApiError for anything else. */
export async function openCursor(
  secret: string | undefined,
  list: string,
  raw: string,
): Promise<Record<string, unknown>> {
  const [bodyText, macText, extra] = raw.split(".");
  const body = fromBase64Url(bodyText ?? "");
  const given = fromBase64Url(macText ?? "");
  if (extra !== undefined || !body || !given || given.length !== MAC_BYTES) throw invalidCursor();
  const expected = await mac(secret, body);
  let diff = 0;
  for (let i = 0; i < MAC_BYTES; i++) diff |= expected[i] ^ given[i];
  if (diff !== 0) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== "object" || parsed === null || (parsed as { l?: unknown }).l !== list) throw invalidCursor();
  return parsed as Record<string, unknown>;
}

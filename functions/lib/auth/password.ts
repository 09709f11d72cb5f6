/**
 * Password hashing with PBKDF2-SHA256 through WebCrypto (native in Workers and Node, so the same code runs in
 * both). Stored as a self-describing string, `pbkdf2_sha256$<iterations>$<salt>$<hash>` (base64url), so the
 * parameters can be raised later: `needsRehash` tells the login path to upgrade an old hash.
 *
 * 100,000 iterations is the most Cloudflare Workers' WebCrypto accepts for PBKDF2; a stored hash with more could
 * not be checked there, so verification refuses it rather than failing differently per runtime.
 */

export const PBKDF2_ITERATIONS = 100_000;
export const MAX_ITERATIONS = 100_000;
const ALGORITHM = "pbkdf2_sha256";
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The same password typed on two systems may differ in Unicode form (é as one or two code points). */
function passwordBytes(password: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(password.normalize("NFC"));
}

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
  bytes: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", passwordBytes(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, bytes * 8);
  return new Uint8Array(bits);
}

/** Compares two byte strings in time that depends only on their lengths, never on where they differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i % a.length] ?? 0) ^ (b[i % b.length] ?? 0);
  return diff === 0;
}

export interface ParsedHash {
  iterations: number;
  salt: Uint8Array<ArrayBuffer>;
  hash: Uint8Array<ArrayBuffer>;
}

export function parsePasswordHash(stored: string): ParsedHash | null {
  const parts = stored.split("$");
  if (parts.length !== 4 || parts[0] !== ALGORITHM || !/^[1-9][0-9]{0,8}$/.test(parts[1])) return null;
  const iterations = Number(parts[1]);
  const salt = fromBase64Url(parts[2]);
  const hash = fromBase64Url(parts[3]);
  if (!salt || !hash || salt.length < 8 || hash.length < 16 || iterations > MAX_ITERATIONS) return null;
  return { iterations, salt, hash };
}

export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations, HASH_BYTES);
  return `${ALGORITHM}$${iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

// Checked against when the account does not exist, so that an unknown email costs the same PBKDF2 work as a
// wrong password and response time does not tell which emails have accounts.
const DUMMY_HASH = `${ALGORITHM}$${PBKDF2_ITERATIONS}$${"A".repeat(22)}$${"A".repeat(43)}`;

/**
 * True when `password` matches `stored`. A missing or unreadable stored hash still costs one full derivation and
 * answers false.
 */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const parsed = (stored && parsePasswordHash(stored)) || null;
  const target = parsed ?? (parsePasswordHash(DUMMY_HASH) as ParsedHash);
  const candidate = await derive(password, target.salt, target.iterations, target.hash.length);
  return constantTimeEqual(candidate, target.hash) && parsed !== null;
}

/** True when the stored hash uses weaker parameters than today's; the caller re-hashes after a good login. */
export function needsRehash(stored: string): boolean {
  const parsed = parsePasswordHash(stored);
  return !parsed || parsed.iterations < PBKDF2_ITERATIONS || parsed.salt.length < SALT_BYTES;
}

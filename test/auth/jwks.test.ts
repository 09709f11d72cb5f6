/**
 * Tokens from Supabase Auth (asymmetric keys published as a JWKS), accepted when AUTH_JWKS_URL is set. A local key
 * set is served over real HTTP, the way Supabase serves https://<ref>.supabase.co/auth/v1/.well-known/jwks.json.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH_TEST_ENV, createTestUser, type TestUser } from "../support/auth";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;
let plain: TestServer;
let jwks: Server;
let issuer: string;
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let user: TestUser;
let jwksRequests = 0;

beforeAll(async () => {
  keys = await generateKeyPair("ES256", { extractable: true });
  const publicJwk = { ...(await exportJWK(keys.publicKey)), kid: "test-key-1", alg: "ES256", use: "sig" };
  jwks = createServer((req, res) => {
    jwksRequests++;
    if (req.url === "/auth/v1/.well-known/jwks.json") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/auth/v1`;
  db = await freshDatabase();
  server = await startTestServer(db, { ...AUTH_TEST_ENV, AUTH_JWKS_URL: `${issuer}/.well-known/jwks.json` });
  plain = await startTestServer(db, AUTH_TEST_ENV);
  // On Supabase a trigger on auth.users creates this profile; here the row is made directly.
  user = await createTestUser(db);
});
afterAll(async () => {
  await plain?.close();
  await server?.close();
  await db?.dispose();
  await new Promise((resolve) => jwks?.close(resolve));
});

async function supabaseToken(claims: Record<string, unknown> = {}, key = keys.privateKey, kid = "test-key-1") {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    role: "authenticated",
    aud: "authenticated",
    iss: issuer,
    sub: user.id,
    iat: now,
    exp: now + 3600,
    ...claims,
  })
    .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
    .sign(key);
}

const me = (target: TestServer, token: string) =>
  target.get("/v1/auth/me", { headers: { Authorization: `Bearer ${token}` } });

describe("Supabase Auth tokens through AUTH_JWKS_URL", () => {
  it("accepts a token signed by a key in the set, for a known user", async () => {
    const res = await me(server, await supabaseToken());
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.id).toBe(user.id);
    expect(jwksRequests, "the key set was fetched over HTTP").toBeGreaterThan(0);
  });

  it("still accepts Marquee's own HS256 tokens", async () => {
    expect((await me(server, user.token)).status).toBe(200);
  });

  it("refuses wrong issuer, audience, unknown user, unknown key and expired tokens", async () => {
    const other = await generateKeyPair("ES256");
    const now = Math.floor(Date.now() / 1000);
    for (const [what, token] of [
      ["wrong iss", await supabaseToken({ iss: "https://evil.example/auth/v1" })],
      ["wrong aud", await supabaseToken({ aud: "anon" })],
      ["anon role", await supabaseToken({ role: "anon" })],
      ["unknown user", await supabaseToken({ sub: crypto.randomUUID() })],
      ["key not in the set", await supabaseToken({}, other.privateKey, "test-key-1")],
      ["unknown kid", await supabaseToken({}, other.privateKey, "other-key")],
      ["expired", await supabaseToken({ iat: now - 7200, exp: now - 3600 })],
    ] as const) {
      const res = await me(server, token);
      expect(res.status, what).toBe(401);
      expect(res.headers.get("www-authenticate"), what).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it("refuses HS256 tokens signed with the public key (algorithm confusion)", async () => {
    const jwk = await exportJWK(keys.publicKey);
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({
      role: "authenticated",
      sub: user.id,
      aud: "authenticated",
      iss: issuer,
      iat: now,
      exp: now + 60,
    })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode(JSON.stringify(jwk)));
    expect((await me(server, forged)).status).toBe(401);
  });

  it("refuses Supabase tokens when no AUTH_JWKS_URL is configured", async () => {
    expect((await me(plain, await supabaseToken())).status).toBe(401);
  });
});

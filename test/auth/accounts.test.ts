import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH_TEST_ENV, bearer, createTestUser, signTestToken, TEST_JWT_SECRET } from "../support/auth";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer(db, AUTH_TEST_ENV);
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

async function call(path: string, init: RequestInit = {}) {
  const res = await server.get(path, init);
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { res, status: res.status, body };
}

describe("POST /v1/auth/register", () => {
  it("creates an account with a normalised email and returns a working token", async () => {
    const res = await server.json("/v1/auth/register", {
      email: "  Ana.Lopez@Example.ORG ",
      password: "correct horse battery staple",
      displayName: " Ana ",
      username: "Ana_Films",
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.user).toMatchObject({ email: "ana.lopez@example.org", displayName: "Ana", username: "Ana_Films" });
    expect(body.tokenType).toBe("Bearer");
    expect(body.expiresIn).toBe(7 * 24 * 3600);
    const me = await call("/v1/auth/me", { headers: { Authorization: `Bearer ${body.accessToken}` } });
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body).toEqual({ ...body.user, timeZone: "UTC", matchable: false, publicProfile: false });
    expect(JSON.stringify(me.body)).not.toMatch(/password|hash/i);
  });
});

describe("registration rules", () => {
  it("answers 409 for a duplicate email (any case) or username (any case)", async () => {
    const first = await createTestUser(server, { email: "dup@example.org", username: "dup_name" });
    const sameEmail = await call("/v1/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "DUP@example.org", password: "another password", displayName: "Dup" }),
    });
    expect(sameEmail.status, JSON.stringify(sameEmail.body)).toBe(409);
    expect(sameEmail.body.error.code).toBe("CONFLICT");
    const sameName = await server.json("/v1/auth/register", {
      email: "other@example.org",
      password: "another password",
      displayName: "Other",
      username: "DUP_NAME",
    });
    expect(sameName.status).toBe(409);
    const [{ n }] = await db.query<{ n: number }>(
      "select count(*)::int as n from public.users where email like '%example.org'",
    );
    expect(n, "no second account was created").toBeGreaterThanOrEqual(1);
    const rows = await db.query("select 1 from public.users where email in ('dup@example.org', 'other@example.org')");
    expect(rows.length).toBe(1);
    expect(first.email).toBe("dup@example.org");
  });

  it("enforces password length 8 to 256, a real email and a sane username", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ email: "a@example.org", password: "short", displayName: "A" }, "password"],
      [{ email: "a@example.org", password: "x".repeat(257), displayName: "A" }, "password"],
      [{ email: "not-an-email", password: "long enough", displayName: "A" }, "email"],
      [{ email: "a@example.org", password: "long enough", displayName: "   " }, "displayName"],
      [{ email: "a@example.org", password: "long enough", displayName: "A", username: "a b" }, "username"],
      [{ email: "a@example.org", password: "long enough", displayName: "A", role: "admin" }, "role"],
      [{ email: "a@example.org", password: 12345678, displayName: "A" }, "password"],
    ];
    for (const [body, field] of cases) {
      const res = await server.json("/v1/auth/register", body);
      const out = await res.json();
      expect(res.status, `${JSON.stringify(body).slice(0, 80)} -> ${JSON.stringify(out)}`).toBe(400);
      expect(out.error.message).toContain(field);
    }
    const ok = await server.json("/v1/auth/register", {
      email: "a@example.org",
      password: "x".repeat(256),
      displayName: "A",
    });
    expect(ok.status, "256 characters is allowed").toBe(201);
  });

  it("refuses a password of only whitespace or with a NUL character, at registration and at login", async () => {
    for (const password of [
      "        ",
      " \t \n    ",
      "good password\u0000",
      "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000",
    ]) {
      const res = await server.json("/v1/auth/register", {
        email: "blank-password@example.org",
        password,
        displayName: "Blank",
      });
      const out = await res.json();
      expect(res.status, `${JSON.stringify(password)} -> ${JSON.stringify(out)}`).toBe(400);
      expect(out.error.issues[0].field).toBe("password");
    }
    const login = await server.json("/v1/auth/login", { email: "a@example.org", password: "x\u0000y" });
    expect(login.status, "a NUL password can belong to no account").toBe(400);
    const spaced = await server.json("/v1/auth/register", {
      email: "spaced-password@example.org",
      password: "  spaces around are fine  ",
      displayName: "Spaced",
    });
    expect(spaced.status, "spaces inside a real password stay allowed").toBe(201);
  });

  it("stores a self-describing PBKDF2 hash with a per-user salt, never the password", async () => {
    const a = await createTestUser(server, { password: "same password 1" });
    const b = await createTestUser(server, { password: "same password 1" });
    const rows = await db.query<{ user_id: string; password_hash: string }>(
      "select user_id, password_hash from public.user_credentials where user_id = any($1::uuid[])",
      [[a.id, b.id]],
    );
    expect(rows.length).toBe(2);
    for (const r of rows) {
      expect(r.password_hash).toMatch(/^pbkdf2_sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      expect(r.password_hash).not.toContain("same password");
    }
    expect(rows[0].password_hash, "same password, different salt").not.toBe(rows[1].password_hash);
  });
});

describe("POST /v1/auth/login", () => {
  it("signs in with the right password, whatever the email's case", async () => {
    const user = await createTestUser(server, { email: "login-ok@example.org" });
    const res = await server.json("/v1/auth/login", { email: " LOGIN-OK@example.org", password: user.password });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.user.id).toBe(user.id);
    expect((await call("/v1/auth/me", { headers: { Authorization: `Bearer ${body.accessToken}` } })).status).toBe(200);
  });

  it("answers the same 401 for a wrong password and an unknown email", async () => {
    const user = await createTestUser(server, { email: "login-bad@example.org" });
    const wrong = await server.json("/v1/auth/login", { email: user.email, password: "wrong password" });
    const unknown = await server.json("/v1/auth/login", { email: "nobody@example.org", password: "wrong password" });
    const a = await wrong.json();
    const b = await unknown.json();
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(a.error.message).toBe(b.error.message);
  });

  it("refuses a deleted account's login and its existing tokens", async () => {
    const user = await createTestUser(server);
    await db.query("update public.users set deleted_at = now() where id = $1", [user.id]);
    const login = await server.json("/v1/auth/login", { email: user.email, password: user.password });
    expect(login.status).toBe(401);
    const me = await call("/v1/auth/me", { headers: bearer(user) });
    expect(me.status).toBe(401);
    expect(me.res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("upgrades a hash made with fewer iterations after a good login", async () => {
    const user = await createTestUser(server);
    const { hashPassword } = await import("../../functions/lib/auth/password");
    await db.query("update public.user_credentials set password_hash = $2 where user_id = $1", [
      user.id,
      await hashPassword(user.password, 1000),
    ]);
    const res = await server.json("/v1/auth/login", { email: user.email, password: user.password });
    expect(res.status).toBe(200);
    const [row] = await db.query<{ password_hash: string }>(
      "select password_hash from public.user_credentials where user_id = $1",
      [user.id],
    );
    expect(row.password_hash.startsWith("pbkdf2_sha256$100000$")).toBe(true);
  });
});

describe("bearer tokens", () => {
  it('refuses every bad token with 401 and WWW-Authenticate: Bearer error="invalid_token"', async () => {
    const user = await createTestUser(server);
    const now = Math.floor(Date.now() / 1000);
    const [header, payload] = user.token.split(".");
    const unsigned = `${btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replaceAll("=", "")}.${payload}.`;
    const cases: [string, Record<string, string>][] = [
      ["no token", {}],
      ["not bearer", { Authorization: `Basic ${btoa("a:b")}` }],
      ["malformed", { Authorization: "Bearer not-a-jwt" }],
      ["garbage segments", { Authorization: "Bearer aaa.bbb.ccc" }],
      ["alg none", { Authorization: `Bearer ${unsigned}` }],
      [
        "wrong algorithm (HS512, same key)",
        { Authorization: `Bearer ${await signTestToken(user.id, { alg: "HS512" })}` },
      ],
      ["bad signature", { Authorization: `Bearer ${header}.${payload}.${"A".repeat(43)}` }],
      ["other key", { Authorization: `Bearer ${await signTestToken(user.id, { secret: "x".repeat(40) })}` }],
      [
        "expired",
        { Authorization: `Bearer ${await signTestToken(user.id, { claims: { iat: now - 7200, exp: now - 120 } })}` },
      ],
      ["wrong aud", { Authorization: `Bearer ${await signTestToken(user.id, { claims: { aud: "someone-else" } })}` }],
      ["wrong iss", { Authorization: `Bearer ${await signTestToken(user.id, { claims: { iss: "evil" } })}` }],
      ["role anon", { Authorization: `Bearer ${await signTestToken(user.id, { claims: { role: "anon" } })}` }],
      [
        "role service_role",
        { Authorization: `Bearer ${await signTestToken(user.id, { claims: { role: "service_role" } })}` },
      ],
      ["sub not a uuid", { Authorization: `Bearer ${await signTestToken("admin")}` }],
      ["unknown user", { Authorization: `Bearer ${await signTestToken(crypto.randomUUID())}` }],
      ["oversized", { Authorization: `Bearer ${"a".repeat(5000)}.b.c` }],
    ];
    for (const [name, headers] of cases) {
      const { res, body } = await call("/v1/auth/me", { headers });
      expect(res.status, `${name}: ${JSON.stringify(body)}`).toBe(401);
      expect(res.headers.get("www-authenticate"), name).toMatch(/^Bearer error="invalid_token"/);
      expect(body.error.code, name).toBe("UNAUTHORIZED");
    }
    expect((await call("/v1/auth/me", { headers: bearer(user) })).status, "the genuine token works").toBe(200);
  });

  it("tolerates small clock skew but not more", async () => {
    const user = await createTestUser(server);
    const now = Math.floor(Date.now() / 1000);
    const skewed = await signTestToken(user.id, { claims: { iat: now - 3600, exp: now - 10 } });
    expect((await call("/v1/auth/me", { headers: { Authorization: `Bearer ${skewed}` } })).status).toBe(200);
    const future = await signTestToken(user.id, { claims: { iat: now + 10 } });
    expect((await call("/v1/auth/me", { headers: { Authorization: `Bearer ${future}` } })).status).toBe(200);
  });

  it("issues tokens with sub, role, aud, iss, iat and exp, signed HS256 with JWT_SECRET", async () => {
    const user = await createTestUser(server);
    const { jwtVerify, decodeProtectedHeader } = await import("jose");
    expect(decodeProtectedHeader(user.token).alg).toBe("HS256");
    const { payload } = await jwtVerify(user.token, new TextEncoder().encode(TEST_JWT_SECRET));
    expect(payload).toMatchObject({ sub: user.id, role: "authenticated", aud: "authenticated", iss: "marquee" });
    expect((payload.exp as number) - (payload.iat as number)).toBe(7 * 24 * 3600);
  });
});

describe("logs", () => {
  it("never contain passwords or tokens", async () => {
    const secretPassword = "log-canary-password-42";
    const user = await createTestUser(server, { password: secretPassword });
    await server.json("/v1/auth/login", { email: user.email, password: secretPassword });
    await server.json("/v1/auth/login", { email: user.email, password: "log-canary-wrong-99" });
    await call("/v1/auth/me", { headers: bearer(user) });
    await call("/v1/auth/me", { headers: { Authorization: "Bearer log.canary.token" } });
    const text = JSON.stringify(server.logs);
    expect(server.logs.length).toBeGreaterThan(3);
    for (const secret of [
      secretPassword,
      "log-canary-wrong-99",
      user.token,
      user.token.split(".")[2],
      "log.canary.token",
    ]) {
      expect(text.includes(secret), `log lines contain ${secret.slice(0, 12)}...`).toBe(false);
    }
    expect(
      server.logs.some((l) => l.userId === user.id),
      "the user id is logged instead",
    ).toBe(true);
  });
});

describe("OpenAPI", () => {
  it("documents every account, rating and interaction endpoint with bearer security and its errors", async () => {
    const doc = await (await server.get("/openapi.json")).json();
    const expected: [string, string][] = [
      ["/v1/auth/register", "post"],
      ["/v1/auth/login", "post"],
      ["/v1/auth/me", "get"],
      ["/v1/ratings/{movieId}", "put"],
      ["/v1/ratings/me", "get"],
      ["/v1/ratings/{movieId}", "delete"],
      ["/ratings", "post"],
      ["/ratings/my", "get"],
      ["/ratings/{id}", "delete"],
      ["/v1/interactions", "post"],
      ["/v1/interactions/me", "get"],
      ["/v1/interactions/{type}/{movieId}", "delete"],
    ];
    for (const [path, method] of expected) {
      const op = doc.paths?.[path]?.[method];
      expect(op, `${method} ${path} missing from /openapi.json`).toBeTruthy();
      if (!path.startsWith("/v1/auth/register") && !path.startsWith("/v1/auth/login")) {
        expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
        expect(Object.keys(op.responses), `${method} ${path}`).toContain("401");
      }
    }
    expect(Object.keys(doc.paths["/v1/auth/login"].post.responses)).toContain("429");
  });
});

/** Accounts through the Worker inside workerd: a user signs up, and the token works (and only it) on the next request. */
import { describe, expect, it } from "vitest";
import { bearer, call, expectJson, registerUser, signTestToken } from "./support";

describe("accounts in workerd", () => {
  it("signs up through the Worker and reads the profile back with the session token", async () => {
    const user = await registerUser();
    const me = await expectJson<{ id: string; email: string }>(
      await call("/v1/auth/me", { headers: bearer(user) }),
      200,
    );
    expect(me).toMatchObject({ id: user.id, email: user.email });
  });

  it("answers 401 with WWW-Authenticate for no token and for a token signed with another key", async () => {
    const user = await registerUser();
    const forged = await signTestToken(user.id, { secret: "another-secret-0123456789abcdef-0123456789" });
    for (const headers of [{}, { Authorization: `Bearer ${forged}` }] as Record<string, string>[]) {
      const res = await call("/v1/auth/me", { headers });
      expect((await expectJson<{ error: { code: string } }>(res, 401)).error.code).toBe("UNAUTHORIZED");
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
    }
  });
});

/** The API-wide rate limit in workerd: the API_RATE_LIMITER binding of wrangler.toml, keyed by CF-Connecting-IP. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { callWith, suiteBindings } from "./support";

describe("rate limit in the Worker", () => {
  it("has the binding declared in wrangler.toml", () => {
    const binding = (env as unknown as Record<string, { limit?: unknown }>).API_RATE_LIMITER;
    expect(typeof binding?.limit, "API_RATE_LIMITER is bound").toBe("function");
  });

  it("asks the binding per client address and answers its refusal with 429 and Retry-After: 60", async () => {
    const keys: string[] = [];
    const binding = {
      async limit({ key }: { key: string }) {
        keys.push(key);
        return { success: keys.length <= 2 };
      },
    };
    const bindings = { ...suiteBindings, RATE_LIMIT_PER_MINUTE: "600", API_RATE_LIMITER: binding };
    const send = () =>
      callWith(bindings as unknown as Record<string, string>, "/ping", {
        headers: { "CF-Connecting-IP": "203.0.113.7" },
      });
    expect((await send()).res.status).toBe(200);
    expect((await send()).res.status).toBe(200);
    const { res, text } = await send();
    expect(res.status, text).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect(JSON.parse(text).error.code).toBe("TOO_MANY_REQUESTS");
    expect(keys).toEqual(["client:203.0.113.7", "client:203.0.113.7", "client:203.0.113.7"]);
  });

  it("leaves the binding alone at RATE_LIMIT_PER_MINUTE=0", async () => {
    const binding = {
      async limit() {
        return { success: false };
      },
    };
    const bindings = { ...suiteBindings, RATE_LIMIT_PER_MINUTE: "0", API_RATE_LIMITER: binding };
    expect((await callWith(bindings as unknown as Record<string, string>, "/ping")).res.status).toBe(200);
  });
});

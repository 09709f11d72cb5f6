import { describe, expect, it } from "vitest";
import { callWith, hyperdriveBinding, parseJson, suiteBindings } from "./support";

/** A Postgres URL where nothing listens: a request that used it could not answer 200. */
const NOWHERE = "postgres://marquee:marquee@127.0.0.1:1/marquee";

describe("Hyperdrive", () => {
  it("is bound from wrangler.toml and exposes a connection string", () => {
    const binding = hyperdriveBinding as { connectionString?: string } | undefined;
    expect(binding?.connectionString, "env.HYPERDRIVE").toMatch(/^postgres(ql)?:\/\//);
  });

  it("is preferred over DATABASE_URL when bound", async () => {
    const answer = await callWith(
      { ...suiteBindings, DATABASE_URL: NOWHERE, HYPERDRIVE: hyperdriveBinding },
      "/health",
    );
    const body = parseJson<{ database: { ok: boolean; adapter: string } }>(answer, 200);
    expect(body.database).toMatchObject({ ok: true, adapter: "postgres" });
  });

  it("leaves DATABASE_URL in charge when unbound (so the test above proves the binding was used)", async () => {
    const answer = await callWith({ ...suiteBindings, DATABASE_URL: NOWHERE }, "/health");
    expect(answer.res.status, answer.text).toBe(503);
  });
});

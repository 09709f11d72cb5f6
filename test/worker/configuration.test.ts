/** What the Worker answers when its bindings are wrong or its database is away, inside workerd. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { callWith, suiteBindings } from "./support";

afterEach(() => {
  vi.restoreAllMocks();
});

function captureLogs(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  return lines;
}

describe("a bad configuration", () => {
  it("answers the 500 envelope, logs the variable's name, and never shows its value", async () => {
    const secretish = "postgres://admin:hunter2-do-not-leak@[not-a-host";
    const logs = captureLogs();
    for (const value of ["not-a-url", secretish]) {
      const { res, text } = await callWith({ ...suiteBindings, DATABASE_URL: value }, "/v1/movies");
      expect(res.status, text).toBe(500);
      const body = JSON.parse(text);
      expect(body).toEqual({
        error: { code: "INTERNAL", message: "internal error", requestId: res.headers.get("x-request-id") },
      });
      expect(text + JSON.stringify([...res.headers]), "the response must not echo the value").not.toContain(value);
    }
    const joined = logs.join("\n");
    expect(joined, "the operator learns which variable is wrong").toContain("DATABASE_URL");
    expect(joined, "logs must not carry the value either").not.toContain("hunter2");
  });

  it("answers the 500 envelope when the Worker is asked to use the embedded database", async () => {
    captureLogs();
    const { res, text } = await callWith({ ...suiteBindings, MARQUEE_DB: "pglite" }, "/v1/movies");
    expect(res.status, text).toBe(500);
    expect(JSON.parse(text).error.code).toBe("INTERNAL");
  });
});

describe("an unreachable database", () => {
  // Port 1 on the loopback address: nothing listens there, so the connection is refused at once.
  const away = { ...suiteBindings, DATABASE_URL: "postgres://marquee:marquee@127.0.0.1:1/marquee" };

  it("answers 503 on the data endpoints and on /health", async () => {
    captureLogs();
    for (const path of ["/v1/movies", "/v1/movies/603", "/health"]) {
      const { res, text } = await callWith(away, path);
      expect(res.status, `${path}: ${text}`).toBe(503);
      expect(JSON.parse(text).error.code, path).toBe("SERVICE_UNAVAILABLE");
      expect(text, "no connection details in the answer").not.toContain("127.0.0.1");
    }
  });

  it("still answers /ping, which does not need the database", async () => {
    const { res, text } = await callWith(away, "/ping");
    expect(res.status, text).toBe(200);
  });
});

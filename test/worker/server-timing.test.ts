import { describe, expect, it } from "vitest";
import { TEST_PASSWORD } from "../support/auth";
import { FILMS } from "../support/catalog-fixture";
import { call, callJson, registerUser } from "./support";

describe("Server-Timing in the Worker", () => {
  it("splits a film read into database time, the connection it opened, and the rest", async () => {
    const res = await call(`/v1/movies/${FILMS.matrix.id}`);
    expect(res.status).toBe(200);
    const header = res.headers.get("Server-Timing") ?? "";
    // One connection per request in a Worker (through Hyperdrive here): its setup is part of the database time.
    expect(header, header).toMatch(/^db;dur=[\d.]+, db-connect;dur=[\d.]+, app;dur=[\d.]+, total;dur=[\d.]+$/);
  });

  it("is left off register and login, whether they succeed or not", async () => {
    const user = await registerUser();
    const answers = [
      await callJson("/v1/auth/login", { email: user.email, password: TEST_PASSWORD }),
      await callJson("/v1/auth/login", { email: user.email, password: "wrong-password-1" }),
      await callJson("/v1/auth/login", { email: `nobody-${user.email}`, password: TEST_PASSWORD }),
      await callJson("/v1/auth/register", { email: user.email, password: TEST_PASSWORD, displayName: "Again" }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 401, 401, 409]);
    for (const res of answers) expect(res.headers.get("Server-Timing"), `${res.status} ${res.url}`).toBeNull();
  });
});

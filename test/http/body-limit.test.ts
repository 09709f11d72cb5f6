/**
 * The body limit holds while the body streams in: a chunked body far over MAX_BODY_BYTES is refused after about
 * the limit, not after the server has read (and held) all of it.
 */
import { request } from "node:http";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppEnv, Services } from "../../functions/context";
import { ApiError } from "../../functions/errors";
import { declareBodyPolicy, requestChecks } from "../../functions/middleware/request-checks";
import { freshDatabase, type TestDatabase } from "../support/database";
import { startTestServer, type TestServer } from "../support/server";

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await freshDatabase();
  server = await startTestServer(db, { MAX_BODY_BYTES: "65536" });
});
afterAll(async () => {
  await server?.close();
  await db?.dispose();
});

interface Outcome {
  status: number;
  body: string;
  /** Bytes the client had written when the response arrived. */
  sentAtResponse: number;
}

/** POSTs up to `total` bytes in 64 KiB chunks with Transfer-Encoding: chunked, stopping when the response comes. */
function streamChunked(path: string, total: number): Promise<Outcome> {
  const chunk = Buffer.alloc(64 * 1024, "a");
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
    });
    req.on("response", (res) => {
      answered = true;
      const sentAtResponse = sent;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, sentAtResponse }));
      res.on("error", reject);
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe("streaming body limit", () => {
  it("answers 413 to a 100 MB chunked body after reading about MAX_BODY_BYTES of it", async () => {
    const outcome = await streamChunked("/v1/auth/register", 100 * 1024 * 1024);
    expect(outcome.status, outcome.body).toBe(413);
    expect(JSON.parse(outcome.body).error.code).toBe("PAYLOAD_TOO_LARGE");
    // Socket buffers on both ends hold a few MB; reading the whole body first would put this at 100 MB.
    expect(outcome.sentAtResponse, `the client had sent ${outcome.sentAtResponse} bytes when 413 came`).toBeLessThan(
      16 * 1024 * 1024,
    );
  });

  it("still accepts a chunked body under the limit", async () => {
    const body = JSON.stringify({ email: "chunked@example.org", password: "a good password", displayName: "C" });
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${server.url}/v1/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      });
      req.on("response", (r) => {
        let text = "";
        r.on("data", (d) => {
          text += d;
        });
        r.on("end", () => resolve({ status: r.statusCode ?? 0, text }));
      });
      req.on("error", reject);
      req.write(body.slice(0, 10));
      req.end(body.slice(10));
    });
    expect(res.status, res.text).toBe(201);
  });
});

describe("per-route body policies", () => {
  // A stand-in upload route: its own content types and limit instead of the JSON default.
  function uploadApp() {
    const app = new Hono<AppEnv>();
    app.use(async (c, next) => {
      c.set("services", { config: { MAX_BODY_BYTES: 1024 } } as unknown as Services);
      await next();
    });
    app.use(requestChecks);
    declareBodyPolicy({ method: "post", path: "/v1/uploads/{kind}" }, { maxBytes: 4096, contentTypes: ["text/csv"] });
    app.post("/v1/uploads/:kind", async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }));
    app.post("/v1/json", async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }));
    app.onError((error, c) =>
      c.json(
        { code: error instanceof ApiError ? error.code : "INTERNAL" },
        error instanceof ApiError ? error.status : 500,
      ),
    );
    return app;
  }
  const send = (app: ReturnType<typeof uploadApp>, path: string, type: string, bytes: number) =>
    app.request(path, { method: "POST", headers: { "content-type": type }, body: "x".repeat(bytes) });

  it("lets an upload route take its own content type and a body over MAX_BODY_BYTES", async () => {
    const app = uploadApp();
    const ok = await send(app, "/v1/uploads/letterboxd", "text/csv; charset=utf-8", 3000);
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(await ok.json()).toEqual({ bytes: 3000 });
    expect((await send(app, "/v1/uploads/letterboxd", "text/csv", 5000)).status, "over the route's limit").toBe(413);
    expect((await send(app, "/v1/uploads/letterboxd", "application/json", 10)).status, "JSON on a CSV route").toBe(415);
  });

  it("keeps JSON and MAX_BODY_BYTES on the routes that declare nothing", async () => {
    const app = uploadApp();
    expect((await send(app, "/v1/json", "application/json", 1000)).status).toBe(200);
    expect((await send(app, "/v1/json", "application/json", 2000)).status).toBe(413);
    expect((await send(app, "/v1/json", "text/csv", 10)).status).toBe(415);
  });
});

/**
 * The Node server serves the built web app like Workers static assets do: `/` and the hashed bundles from the
 * folder with the CSP and caching of web/headers.ts, every other path still the API.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../functions/env";
import { type RunningServer, startServer } from "../../node/server";
import { buildWeb, type WebBuild } from "../../scripts/build-web";
import { CONTENT_SECURITY_POLICY, headersFile } from "../../web/headers";
import { freshDatabase, type TestDatabase } from "../support/database";

describe("the web app's static files", () => {
  let db: TestDatabase;
  let server: RunningServer;
  let built: WebBuild;

  beforeAll(async () => {
    built = await buildWeb(await mkdtemp(`${tmpdir()}/marquee-web-`));
    db = await freshDatabase();
    const config = parseConfig({ MARQUEE_DB: "postgres", DATABASE_URL: "postgres://unused@localhost/x", PORT: "0" });
    server = await startServer({ config, db, webDir: built.outDir, log: () => {} });
  });

  afterAll(async () => {
    await server?.close();
    await db?.dispose();
    await rm(built.outDir, { recursive: true, force: true });
  });

  it("serves index.html at / with the CSP, revalidated on every visit", async () => {
    const res = await fetch(`${server.url}/`);
    const html = await res.text();
    expect(res.status, html.slice(0, 200)).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get("cache-control")).toBe("public, max-age=0, must-revalidate");
    expect(html, "no inline script").not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const again = await fetch(`${server.url}/`, { headers: { "If-None-Match": res.headers.get("etag") ?? "" } });
    expect(again.status, "ETag revalidation").toBe(304);
  });

  it("serves the hashed bundle it names as immutable, and keeps it small", async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const script = html.match(/src="(\/assets\/app-[A-Z0-9]+\.js)"/)?.[1];
    expect(script, html).toBeTruthy();
    const res = await fetch(`${server.url}${script}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/javascript");
    expect(res.headers.get("cache-control")).toContain("immutable");
    const gzip = built.files.reduce((sum, f) => sum + f.gzipBytes, 0);
    expect(gzip, `the whole app gzipped: ${gzip} bytes`).toBeLessThan(60 * 1024);
  });

  it("leaves every other path to the API", async () => {
    const health = await fetch(`${server.url}/v1/genres`);
    expect(health.status).toBe(200);
    expect(health.headers.get("content-security-policy"), "API responses keep their own headers").toBeNull();
    const missing = await fetch(`${server.url}/no-such-page`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("NOT_FOUND");
    const post = await fetch(`${server.url}/`, { method: "POST" });
    expect(post.status, "only GET and HEAD reach the files").not.toBe(200);
  });

  it("writes the same headers for Workers static assets in _headers", () => {
    expect(headersFile()).toContain(`  Content-Security-Policy: ${CONTENT_SECURITY_POLICY}`);
    expect(headersFile()).toMatch(/\/assets\/\*\n {2}Cache-Control: public, max-age=31536000, immutable/);
  });
});

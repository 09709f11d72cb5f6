/**
 * The web app at / in a real Chromium against the real Node server over the demo catalogue (PGlite, or
 * DATABASE_URL): a new user signs up, rates the cold-start films, gets a list with reasons, likes a film and sees
 * the fresh list change, searches "batman", opens a film and its similar films, signs out and back in, and
 * imports a Letterboxd CSV; deletes the account; axe-core finds no serious or critical violation on any screen; no CSP violation. Needs
 * /usr/bin/chromium (scripts/install-chromium.sh): skipped with a message locally when missing, a failure in CI.
 * Prints the time from the server being ready to the first personal recommendations on screen.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../functions/env";
import { prepareDatabase, type RunningServer, startServer } from "../../node/server";
import { buildWeb } from "../../scripts/build-web";
import { freshDatabase, type TestDatabase } from "../support/database";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
const require = createRequire(import.meta.url);

if (!available && !process.env.CI) {
  console.warn(`test/browser: skipped, ${CHROMIUM} is missing (install it with: bash scripts/install-chromium.sh)`);
}

const USER = { name: "Nadia", email: `nadia-${Date.now()}@example.org`, password: "popcorn-and-subtitles" };

describe.skipIf(!available && !process.env.CI)("the web app at / in Chromium", { timeout: 90_000 }, () => {
  let db: TestDatabase;
  let server: RunningServer;
  let webDir: string;
  let browser: Browser;
  let page: Page;
  let serverReadyAt = 0;
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!available) throw new Error(`CI is set but ${CHROMIUM} is missing: run bash scripts/install-chromium.sh first`);
    webDir = await mkdtemp(`${tmpdir()}/marquee-web-`);
    await buildWeb(webDir);
    db = await freshDatabase();
    const config = parseConfig({
      MARQUEE_DB: db.kind === "pglite" ? "pglite" : "postgres",
      DATABASE_URL: "postgres://unused@localhost/x",
      PORT: "0",
      LOG_LEVEL: "silent",
    });
    // What `npm start` does on a first start: migrate, load the demo data, embed it, compute the neighbours.
    await prepareDatabase(db, config);
    server = await startServer({ config, db, webDir, log: () => {} });
    serverReadyAt = performance.now();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.exposeFunction("reportCspViolation", (line: string) => cspViolations.push(line));
    await page.addInitScript(() => {
      const report = (window as unknown as { reportCspViolation: (line: string) => void }).reportCspViolation;
      document.addEventListener("securitypolicyviolation", (e) => {
        report(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await db?.dispose();
    if (webDir) await rm(webDir, { recursive: true, force: true });
  });

  // The machine may be busy (PGlite computing a first list): wait for what a user would wait for, not 1 s.
  const poll = <T>(fn: () => Promise<T> | T, message?: string) => expect.poll(fn, { message, timeout: 20_000 });
  const main = () => page.locator("main");
  const cards = () => page.locator("main .card");
  const ids = () => page.locator("main .grid").first().getAttribute("data-ids");

  async function expectAccessible(screen: string) {
    const source = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
    // Evaluated through the DevTools protocol, so the page's CSP (which rightly forbids injected scripts) allows it.
    await page.evaluate(source);
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
        }
      ).axe;
      const result = await axe.run();
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
      }));
    });
    const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious, `${screen}: serious accessibility violations ${JSON.stringify(serious, null, 1)}`).toEqual([]);
  }

  async function rate(scope: ReturnType<Page["locator"]>, stars: string) {
    await scope.getByRole("radio", { name: stars, exact: true }).check();
  }

  it("serves the app at / under a strict CSP, with the API beside it", async () => {
    const response = await page.goto(`${server.url}/`);
    expect(response?.status(), "GET / status").toBe(200);
    const csp = (await response?.headerValue("content-security-policy")) ?? "";
    expect(csp, csp).toContain("script-src 'self'");
    expect(csp, "no inline script or style allowed").not.toMatch(/unsafe-inline|unsafe-eval/);
    await page.waitForSelector("body[data-ready=true]");
    await poll(() => page.url(), "a signed-out visitor is sent to sign in").toContain("#/account");
    await poll(() => page.locator("footer").textContent()).toContain("not endorsed or certified by TMDB");
    await expectAccessible("sign in");
  });

  it("a new user signs up, rates the cold-start films and gets personal recommendations with reasons", async () => {
    const signUp = page.locator("form", { hasText: "Create an account" });
    await signUp.getByLabel("Display name").fill(USER.name);
    await signUp.getByLabel("Email").fill(USER.email);
    await signUp.getByLabel("Password").fill(USER.password);
    await signUp.getByRole("button", { name: "Create account" }).click();

    const starters = page.locator("main .starter");
    await starters.first().waitFor();
    const genres = await starters.locator(".meta").allTextContents();
    expect(
      new Set(genres.map((g) => g.split(",")[0])).size,
      `starter films span genres: ${genres}`,
    ).toBeGreaterThanOrEqual(4);
    await expectAccessible("cold start");
    const show = page.getByRole("button", { name: "Show my recommendations" });
    expect(await show.isDisabled(), "the list waits for a few ratings").toBe(true);
    await rate(starters.nth(0), "4.5 stars");
    await rate(starters.nth(1), "2 stars");
    await rate(starters.nth(2), "5 stars");
    await poll(() => page.locator(".progress").textContent(), "three ratings saved").toContain("3 films rated");
    await poll(() => show.isDisabled()).toBe(false);
    await show.click();

    await cards().first().waitFor();
    const readyMs = performance.now() - serverReadyAt;
    console.log(
      `web app: server ready to first personal recommendations on screen in ${(readyMs / 1000).toFixed(1)} s`,
    );
    const served = page.getByTestId("served");
    expect(await served.getAttribute("data-strategy"), "3 ratings lift the user out of cold start").toBe("hybrid");
    expect(await cards().count(), "a full first list").toBeGreaterThanOrEqual(10);
    const reasons = await cards().first().locator(".reasons li").allTextContents();
    expect(reasons.length, "the first film says why").toBeGreaterThan(0);
    expect(reasons.join(" "), reasons.join(" | ")).toMatch(/\w{4,}/);
    await expectAccessible("discover");
  });

  it("a like changes the next fresh list", async () => {
    const before = await ids();
    const first = cards().first();
    const title = await first.locator(".card-title a").textContent();
    const like = first.getByRole("button", { name: /^Like:/ });
    await like.click();
    await poll(() => first.locator("button.signal-like").getAttribute("aria-pressed"), `liked ${title}`).toBe("true");
    await poll(() => page.locator(".stale").isVisible(), "says the list is out of date").toBe(true);
    await page.getByRole("button", { name: "Refresh", exact: true }).click();
    await poll(ids, `the list after liking ${title} differs from ${before}`).not.toBe(before);
    expect(await ids(), "still a list").toMatch(/^\d+(,\d+){9,}/);
  });

  it("search finds batman while typing, says why, and opens a film with similar films", async () => {
    await page.getByRole("link", { name: "Search" }).click();
    await page.getByLabel("Search films").pressSequentially("batman", { delay: 30 });
    await poll(() => page.locator("#search-status").textContent(), "results announced").toMatch(/films? for “batman”/);
    const titles = await cards().locator(".card-title a").allTextContents();
    expect(titles.slice(0, 5).join(" | "), "Batman films first").toMatch(/Batman/);
    const why = await cards().first().locator(".note").textContent();
    expect(why, "why the first hit matched").toMatch(/title/i);
    await expectAccessible("search");

    const batman = cards().filter({ hasText: "Batman" }).first().locator(".card-title a");
    const name = (await batman.textContent()) ?? "";
    await batman.click();
    await poll(() => page.locator("main h1").textContent(), "the film page").toContain(name);
    const similar = page.locator("main .similar .card");
    await similar.first().waitFor();
    expect(await similar.count(), "similar films").toBeGreaterThan(0);
    const shared = await similar.first().locator(".reasons li").allTextContents();
    expect(shared.length, `what ${name} and its first similar film share`).toBeGreaterThan(0);
    const mine = page.locator("main .mine");
    await rate(mine, "3.5 stars");
    await poll(() => page.getByTestId("my-signals").textContent(), "my rating shows").toContain("3.5 stars");
    await expectAccessible("film");
  });

  it("My films lists ratings and likes, with undo", async () => {
    await page.getByRole("link", { name: "My films" }).click();
    await poll(() => page.locator("#rated-title").textContent()).toBe("Rated (4)");
    await poll(() => page.locator("#like-title").textContent()).toBe("Liked (1)");
    await page
      .locator("main")
      .getByRole("button", { name: /^Unlike:/ })
      .click();
    await poll(() => page.locator("#like-title").textContent(), "like removed").toBe("Liked (0)");
    await page.locator("#toasts").getByRole("button", { name: "Undo" }).last().click();
    await poll(() => page.locator("#like-title").textContent(), "undo brings it back").toBe("Liked (1)");
    await expectAccessible("my films");
  });

  it("signs out and back in, and the list is still personal", async () => {
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await poll(() => main().textContent()).toContain("You are signed out.");
    expect(await page.evaluate(() => sessionStorage.length), "no token left in the tab").toBe(0);
    const signIn = page.locator("form", { hasText: "Sign in" }).first();
    await signIn.getByLabel("Email").fill(USER.email);
    await signIn.getByLabel("Password").fill(USER.password);
    await signIn.getByRole("button", { name: "Sign in" }).click();
    await cards().first().waitFor();
    expect(await page.getByTestId("served").getAttribute("data-strategy")).toBe("hybrid");
  });

  it("imports a Letterboxd ratings.csv and reports matched and unmatched films", async () => {
    await page.getByRole("link", { name: "Account" }).click();
    const csv = [
      "Date,Name,Year,Letterboxd URI,Rating",
      "2024-01-01,The Dark Knight,2008,https://boxd.it/2b0k,4.5",
      "2024-01-02,A Film No Catalogue Has,1901,https://boxd.it/zzzz,3",
    ].join("\n");
    await page.setInputFiles("#letterboxd-file", {
      name: "ratings.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(`${csv}\n`),
    });
    await page.getByRole("button", { name: "Import" }).click();
    const report = page.getByTestId("import-report");
    await poll(() => report.textContent(), "the import report").toContain(
      "1 film matched, 1 film not in the catalogue yet",
    );
    expect(await report.locator("li").allTextContents()).toEqual(["A Film No Catalogue Has (1901)"]);
    await poll(() => page.getByTestId("taste").textContent(), "my taste panel").toMatch(
      /Taste group|No taste group yet/,
    );
    await expectAccessible("account with import");
  });

  it("deletes the account (DELETE /v1/auth/me), after which the password no longer works", async (ctx) => {
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("button", { name: "Delete account…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete my account" }).click();
    await poll(() => main().textContent()).toMatch(/were deleted|cannot delete accounts yet/);
    if (/cannot delete accounts yet/.test((await main().textContent()) ?? "")) {
      ctx.skip("DELETE /v1/auth/me answered 404/405: account deletion is not on this server yet (issue 9)");
    }
    const signIn = page.locator("form", { hasText: "Sign in" }).first();
    await signIn.getByLabel("Email").fill(USER.email);
    await signIn.getByLabel("Password").fill(USER.password);
    await signIn.getByRole("button", { name: "Sign in" }).click();
    await poll(() => signIn.locator(".form-status").textContent()).toContain("do not match");
  });

  it("logged no CSP violation and no uncaught error", () => {
    expect(cspViolations, "CSP violations").toEqual([]);
    expect(pageErrors, "uncaught page errors").toEqual([]);
    // Chromium logs every non-2xx fetch; the only ones expected are the deletion probe and the refused login.
    const unexpected = consoleErrors.filter((t) => !/status of (401|404|405)/.test(t));
    expect(unexpected, "console errors").toEqual([]);
  });
});

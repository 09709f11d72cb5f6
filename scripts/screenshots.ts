/**
 * Screenshots of the web app at phone and desktop widths into docs/screenshots/, for the README. Not part of CI:
 * run it after a visible change. Starts the real server on a fresh embedded database with the demo data (about a
 * minute), or uses a running one with --url; signs a new user up, rates a few cold-start films, then captures
 * Discover, Search and a film page.
 *
 *   npm run screenshots [-- --url http://127.0.0.1:8787]
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import { parseConfig } from "../functions/env";
import { openDatabase, prepareDatabase, type RunningServer, startServer } from "../node/server";
import { buildWeb } from "./build-web";

const OUT = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 860 } };

async function localServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(`${tmpdir()}/marquee-shots-`);
  const webDir = (await buildWeb(`${dataDir}/web`)).outDir;
  const config = parseConfig({ MARQUEE_DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent" });
  const db = await openDatabase(config);
  await prepareDatabase(db, config, (line) => console.error(`screenshots: ${line}`));
  const server: RunningServer = await startServer({ config, db, webDir, log: () => {} });
  return {
    url: server.url,
    async stop() {
      await server.close();
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function signUpAndRate(page: Page, url: string) {
  await page.goto(`${url}/#/account`);
  await page.waitForSelector("body[data-ready=true]");
  const form = page.locator("form", { hasText: "Create an account" });
  await form.getByLabel("Display name").fill("Nadia");
  await form.getByLabel("Email").fill(`nadia-${Date.now()}@example.org`);
  await form.getByLabel("Password").fill("popcorn-and-subtitles");
  await form.getByRole("button", { name: "Create account" }).click();
  const starters = page.locator("main .starter");
  await starters.first().waitFor();
  for (const [i, stars] of ["4.5 stars", "2 stars", "5 stars", "4 stars"].entries()) {
    await starters.nth(i).getByRole("radio", { name: stars, exact: true }).check();
  }
  await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>(".sticky-actions .primary")?.disabled);
}

async function main(argv: string[]) {
  const given = argv.includes("--url") ? argv[argv.indexOf("--url") + 1] : undefined;
  const server = given ? { url: given, stop: async () => {} } : await localServer();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
  await mkdir(OUT, { recursive: true });
  try {
    for (const [name, viewport] of Object.entries(WIDTHS)) {
      const page = await browser.newPage({ viewport, deviceScaleFactor: name === "phone" ? 2 : 1 });
      await signUpAndRate(page, server.url);
      await page.screenshot({ path: `${OUT}cold-start-${name}.png` });
      await page.getByRole("button", { name: "Show my recommendations" }).click();
      await page.locator("main .card").first().waitFor();
      await page.waitForTimeout(7500); // let the rating toasts go
      await page.screenshot({ path: `${OUT}discover-${name}.png` });
      await page.goto(`${server.url}/#/search?q=batman`);
      await page.locator("main .card").first().waitFor();
      await page.screenshot({ path: `${OUT}search-${name}.png` });
      await page.locator("main .card-title a").first().click();
      await page.locator("main .similar .card").first().waitFor();
      await page.screenshot({ path: `${OUT}film-${name}.png` });
      await page.close();
      console.error(`screenshots: ${name} (${viewport.width}px) written to ${OUT}`);
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error);
  process.exit(1);
});

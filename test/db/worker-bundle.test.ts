/** The Worker bundle (wrangler deploy --dry-run) carries the remote adapters and never the Node-only ones. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildWorker, inspectBundle } from "../../scripts/bundle-size";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("the Worker bundle", () => {
  it("builds offline and holds nothing from node/, no PGlite and only the Node built-ins pg needs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "marquee-bundle-test-"));
    dirs.push(dir);
    const report = inspectBundle(await readFile(buildWorker(dir), "utf8"));
    expect(report.forbidden, JSON.stringify(report.forbidden)).toEqual([]);
    const modules = [...report.modules.keys()];
    for (const adapter of ["postgres", "neon", "supabase"]) {
      expect(modules, `the ${adapter} adapter is what a Worker uses`).toContain(`functions/lib/db/${adapter}.ts`);
    }
    expect(
      modules.filter((m) => m.startsWith("node/")),
      "nothing under node/ reaches the Worker",
    ).toEqual([]);
    expect(report.gzipBytes).toBeLessThan(report.rawBytes);
  });

  it("flags Node-only modules when they do get in", () => {
    const bundle = [
      "// functions/worker.ts",
      "var app = 1;",
      "// node_modules/@electric-sql/pglite/dist/index.js",
      "var PGlite = 2;",
      "// node/db/migrate.ts",
      "var migrate = 3;",
    ].join("\n");
    expect(inspectBundle(bundle).forbidden.map((f) => f.module)).toEqual([
      "node_modules/@electric-sql/pglite/dist/index.js",
      "node/db/migrate.ts",
    ]);
  });

  it("lets pg import the built-ins nodejs_compat provides, and nothing else import any", () => {
    const bundle = [
      "// node_modules/pg-protocol/dist/index.js",
      'import libDefault7 from "net";',
      "// node_modules/pg/lib/connection.js",
      'import libDefault10 from "stream";',
      "// node_modules/some-package/index.js",
      'import { spawn } from "node:child_process";',
      "// functions/lib/db/port.ts",
      'import { readFile } from "node:fs/promises";',
      "// functions/routes/index.ts",
      'import { createHash } from "crypto";',
      'const lazy = () => import("node:os");',
    ].join("\n");
    const report = inspectBundle(bundle);
    expect(report.builtins.map((b) => b.name)).toEqual([
      "net",
      "stream",
      "child_process",
      "fs/promises",
      "crypto",
      "os",
    ]);
    expect(report.forbidden.map((f) => `${f.module}: ${f.why}`)).toEqual([
      'node_modules/some-package/index.js: imports the Node built-in "child_process", which the Worker does not need',
      'functions/lib/db/port.ts: imports the Node built-in "fs/promises", which the Worker does not need',
      'functions/routes/index.ts: imports the Node built-in "crypto": only pg may, our code uses Web APIs',
      'functions/routes/index.ts: imports the Node built-in "os", which the Worker does not need',
    ]);
  });
});

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
  it("builds offline and holds no PGlite, Node server, CLI, demo or migration code", async () => {
    const dir = await mkdtemp(join(tmpdir(), "marquee-bundle-test-"));
    dirs.push(dir);
    const report = inspectBundle(await readFile(buildWorker(dir), "utf8"));
    expect(report.forbidden, JSON.stringify(report.forbidden)).toEqual([]);
    const modules = [...report.modules.keys()];
    for (const adapter of ["postgres", "neon", "supabase"]) {
      expect(modules, `the ${adapter} adapter is what a Worker uses`).toContain(`functions/lib/db/${adapter}.ts`);
    }
    expect(report.gzipBytes).toBeLessThan(report.rawBytes);
  });

  it("flags Node-only modules when they do get in", () => {
    const bundle = [
      "// functions/worker.ts",
      "var app = 1;",
      "// node_modules/@electric-sql/pglite/dist/index.js",
      "var PGlite = 2;",
      "// functions/lib/db/migrate.ts",
      "var migrate = 3;",
    ].join("\n");
    expect(inspectBundle(bundle).forbidden.map((f) => f.module)).toEqual([
      "node_modules/@electric-sql/pglite/dist/index.js",
      "functions/lib/db/migrate.ts",
    ]);
  });
});

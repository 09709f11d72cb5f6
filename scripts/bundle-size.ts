/**
 * The Worker build check: bundles functions/worker.ts with `wrangler deploy --dry-run` (offline, no account),
 * prints the bundle size (raw and gzip, the figure Cloudflare's limits apply to) and the biggest modules, and
 * fails when Node-only code got in: anything under node/ (server, CLI, jobs, eval, demo, bench, fakes, PGlite, the
 * migration runner), PGlite itself, the Node HTTP adapter, or a Node built-in beyond the few that pg needs.
 *
 *   tsx scripts/bundle-size.ts [dist/worker.js]   inspect an existing bundle (what `npm run build` does)
 *   tsx scripts/bundle-size.ts --build [outdir]   build into outdir (default: a temp folder), then inspect
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Modules that must never reach the Worker: they need a file system, WASM PGlite or a Node server. */
export const NODE_ONLY: { pattern: RegExp; why: string }[] = [
  { pattern: /^node\//, why: "node/ is the Node-only tree (server, CLI, jobs, eval, demo, bench, fakes, PGlite)" },
  { pattern: /(^|\/)@electric-sql\//, why: "PGlite is the Node-only embedded database" },
  { pattern: /(^|\/)@hono\/node-server\//, why: "the Node HTTP adapter" },
];

/**
 * The Node built-ins the Worker may import, all of them for pg (Postgres over TCP), which nodejs_compat provides
 * in workerd: pg-protocol opens its socket through net/tls (cloudflare:sockets underneath), pg hashes SCRAM
 * passwords with crypto and decodes with stream/string_decoder/events/util; dns, fs and path sit on code paths a
 * Worker never takes (host lookup, reading ssl files, the pgpass file). Our own code imports none: functions/ is
 * Web APIs only.
 */
export const WORKER_BUILTINS: ReadonlySet<string> = new Set([
  "crypto",
  "dns",
  "events",
  "fs",
  "net",
  "path",
  "stream",
  "string_decoder",
  "tls",
  "util",
  "util/types",
]);
const PACKAGES_ALLOWED_BUILTINS = /^node_modules\/(pg|pg-[a-z-]+)\//;
const BUILTINS = new Set(builtinModules.map((name) => name.replace(/^node:/, "")));

/** A Node built-in's name without the `node:` prefix, or null for anything else. */
export function builtinName(specifier: string): string | null {
  const name = specifier.replace(/^node:/, "");
  return specifier.startsWith("node:") || BUILTINS.has(name) ? name : null;
}

export interface BundleReport {
  file: string;
  rawBytes: number;
  gzipBytes: number;
  /** Source module -> bytes it contributes, from esbuild's `// path` markers. */
  modules: Map<string, number>;
  forbidden: { module: string; why: string }[];
  /** Node built-ins the bundle imports, with the module each import stands in. */
  builtins: { name: string; module: string }[];
}

export function inspectBundle(code: string, file = "worker.js"): BundleReport {
  const modules = new Map<string, number>();
  const builtins: BundleReport["builtins"] = [];
  let current = "(runtime helpers)";
  for (const line of code.split("\n")) {
    const marker = /^\/\/ ((?:node_modules|functions|node|scripts)\/\S+)$/.exec(line);
    if (marker) current = marker[1];
    modules.set(current, (modules.get(current) ?? 0) + Buffer.byteLength(line) + 1);
    // esbuild leaves external imports as `import ... from "x"` (wrangler turns pg's require() calls into these),
    // each after the marker of the module that asked for it.
    for (const [, specifier] of line.matchAll(/(?:^import\b.*?\bfrom\s*|\bimport\(\s*|\b__require\(\s*)"([^"]+)"/g)) {
      const name = builtinName(specifier);
      if (name) builtins.push({ name, module: current });
    }
  }
  const forbidden: BundleReport["forbidden"] = [];
  for (const { name, module } of builtins) {
    if (!WORKER_BUILTINS.has(name)) {
      forbidden.push({ module, why: `imports the Node built-in "${name}", which the Worker does not need` });
    } else if (!PACKAGES_ALLOWED_BUILTINS.test(module) && module !== "(runtime helpers)") {
      forbidden.push({ module, why: `imports the Node built-in "${name}": only pg may, our code uses Web APIs` });
    }
  }
  for (const module of modules.keys()) {
    const path = module.replace(/^node_modules\//, "");
    const rule = NODE_ONLY.find((r) => r.pattern.test(path) || r.pattern.test(module));
    if (rule) forbidden.push({ module, why: rule.why });
  }
  const bytes = Buffer.from(code);
  return {
    file,
    rawBytes: bytes.byteLength,
    gzipBytes: gzipSync(bytes, { level: 9 }).byteLength,
    modules,
    forbidden,
    builtins,
  };
}

/** Runs `wrangler deploy --dry-run --outdir outdir` and returns the bundle's path. */
export function buildWorker(outdir: string): string {
  const result = spawnSync(
    join(ROOT, "node_modules", ".bin", "wrangler"),
    ["deploy", "--dry-run", "--outdir", outdir],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    },
  );
  if (result.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${result.stdout}\n${result.stderr}`);
  return join(outdir, "worker.js");
}

/** Groups module sizes by package (node_modules/<pkg>) or by our own folder (functions/<dir>). */
export function sizeByPackage(modules: Map<string, number>): [string, number][] {
  const totals = new Map<string, number>();
  for (const [module, bytes] of modules) {
    const pkg =
      /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module)?.[1] ??
      /^((?:functions|node)\/(?:[^/]+\/)?)/.exec(module)?.[1] ??
      module;
    totals.set(pkg, (totals.get(pkg) ?? 0) + bytes);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(argv: string[]) {
  let file = argv[0] && argv[0] !== "--build" ? argv[0] : join(ROOT, "dist", "worker.js");
  if (argv[0] === "--build") {
    file = buildWorker(argv[1] ?? (await mkdtemp(join(tmpdir(), "marquee-bundle-"))));
  }
  const report = inspectBundle(await readFile(file, "utf8"), file);
  console.log(`Worker bundle ${report.file}: ${kib(report.rawBytes)} raw, ${kib(report.gzipBytes)} gzip`);
  console.log("largest parts:");
  for (const [pkg, bytes] of sizeByPackage(report.modules).slice(0, 12)) {
    console.log(`  ${kib(bytes).padStart(10)}  ${pkg}`);
  }
  const builtinNames = [...new Set(report.builtins.map((b) => b.name))].sort();
  console.log(`Node built-ins imported (nodejs_compat): ${builtinNames.join(", ") || "none"}`);
  if (report.forbidden.length > 0) {
    console.error("Node-only code in the Worker bundle:");
    for (const f of report.forbidden) console.error(`  ${f.module}: ${f.why}`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

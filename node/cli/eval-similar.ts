/** `marquee eval similar`: the offline franchise check of similar films (node/eval/similar.ts). */
import { readFile, writeFile } from "node:fs/promises";
import { z } from "zod";
import { parseConfig } from "../../functions/env";
import type { SqlDatabase } from "../../functions/lib/db/port";
import { openPostgres } from "../../functions/lib/db/postgres";
import { openPglite } from "../db/pglite";
import { FRANCHISES, type Franchise } from "../eval/franchises";
import { checkFranchises, formatSimilarCheck } from "../eval/similar";
import { prepareDatabase } from "../server";
import { type Command, loadConfig, openJobDatabase, parseOptions } from "./command";

const FranchiseFile = z.array(
  z.object({
    name: z.string().min(1),
    films: z.array(z.object({ title: z.string().min(1), year: z.number().int().min(1870).max(2200) })).min(2),
  }),
);

export async function readFranchises(file: string): Promise<Franchise[]> {
  const parsed = FranchiseFile.safeParse(JSON.parse(await readFile(file, "utf8")));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`--franchises ${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}

/** The database the check reads: a server, an existing embedded database, or the demo world built afresh. */
async function openCheckDatabase(o: { "database-url"?: string; "data-dir"?: string }): Promise<SqlDatabase> {
  if (o["database-url"]) {
    const url = z.url({ protocol: /^postgres(ql)?$/ }).safeParse(o["database-url"]);
    if (!url.success) throw new Error("--database-url must be a postgres:// URL");
    return openPostgres({ connectionString: url.data, max: 1 });
  }
  if (o["data-dir"]) return openJobDatabase(loadConfig({ MARQUEE_DB: "pglite", MARQUEE_DATA_DIR: o["data-dir"] }));
  // The demo world exactly as the first `npm start` builds it, in memory: deterministic, and it leaves .data alone.
  const db = await openPglite();
  const started = performance.now();
  await prepareDatabase(db, parseConfig({ MARQUEE_DB: "pglite" }), (line) => console.error(line));
  console.error(`demo world built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return db;
}

export const evalSimilarCommand: Command = {
  name: "eval similar",
  summary: "Offline franchise check: how often a film's siblings reach its top 5 similar films",
  usage: "[--database-url URL | --data-dir DIR] [--franchises FILE] [--k 5] [--verbose] [--json FILE]",
  help: [
    "options:",
    "  --database-url URL  check the films of this PostgreSQL database (read only; the nightly job should have run)",
    "  --data-dir DIR      check an existing embedded database (not while a server has it open)",
    "                      without either: the demo world, built in memory as the first `npm start` builds it",
    "  --franchises FILE   JSON [{ name, films: [{ title, year }] }] instead of the built-in list",
    "                      (node/eval/franchises.ts); listed films the catalogue lacks are skipped",
    "  --k 5               similar films that count (get_similar_movies' first k)",
    "  --verbose           every film's top k, its siblings marked",
    "  --json FILE         also write the results as JSON",
    "",
    "For every listed film the catalogue holds (same folded title, released within a year), counts the siblings",
    "among its top k similar films, out of min(siblings, k). Prints each franchise's hits and rate, and the overall",
    "rate. Figures only: it exits 0 whatever the rate.",
  ].join("\n"),
  async run(args) {
    const o = parseOptions(args, {
      "database-url": { type: "string" },
      "data-dir": { type: "string" },
      franchises: { type: "string" },
      k: { type: "string", default: "5" },
      verbose: { type: "boolean" },
      json: { type: "string" },
    });
    const k = Number(o.k);
    if (!Number.isInteger(k) || k < 1 || k > 100) throw new Error("--k must be an integer from 1 to 100");
    if (o["database-url"] && o["data-dir"]) throw new Error("give --database-url or --data-dir, not both");
    const franchises = o.franchises ? await readFranchises(o.franchises) : FRANCHISES;
    const db = await openCheckDatabase(o);
    try {
      const result = await checkFranchises(db, franchises, { k, onProgress: progress() });
      console.log(formatSimilarCheck(result, { verbose: o.verbose }));
      if (o.json) {
        await writeFile(o.json, `${JSON.stringify({ database: db.kind, ...result }, null, 2)}\n`);
        console.error(`wrote ${o.json}`);
      }
      return 0;
    } finally {
      await db.close();
    }
  },
};

function progress() {
  let last = 0;
  return (done: number, total: number) => {
    if (!process.stderr.isTTY) return;
    const now = performance.now();
    if (done < total && now - last < 200) return;
    last = now;
    process.stderr.write(`\rsimilar films ${done}/${total}${done >= total ? "\n" : ""}`);
  };
}

/**
 * `npx marquee <command>`: one CLI for every job (migrations, demo data, benchmarks, evaluation, TMDB sync,
 * embedding backfill, nightly recomputation). Each command lives in its own file and is listed here.
 */

import { benchCommand } from "../bench";
import { backfillCommand } from "./backfill";
import type { Command } from "./command";
import { evalCommand } from "./eval";
import { evalSimilarCommand } from "./eval-similar";
import { importCommand, importResolveCommand } from "./import";
import { jobsNightlyCommand, jobsTrendingCommand } from "./jobs";
import { migrateCommand } from "./migrate";
import { modelLoadCommand } from "./model";
import { schemaCommand } from "./schema";
import { serveCommand } from "./serve";
import { syncCommand } from "./sync";
import { syncBooksCommand } from "./sync-books";
import { tuneCommand } from "./tune";

const COMMANDS: Command[] = [
  serveCommand,
  migrateCommand,
  schemaCommand,
  benchCommand,
  syncCommand,
  syncBooksCommand,
  backfillCommand,
  jobsNightlyCommand,
  jobsTrendingCommand,
  importCommand,
  importResolveCommand,
  evalCommand,
  evalSimilarCommand,
  tuneCommand,
  modelLoadCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "usage: marquee <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "marquee <command> --help shows a command's options.",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(usage());
    return argv.length === 0 ? 2 : 0;
  }
  // Longest match first, so "jobs nightly" wins over a hypothetical "jobs".
  const match = [...COMMANDS]
    .sort((a, b) => b.name.split(" ").length - a.name.split(" ").length)
    .find((c) => c.name.split(" ").every((word, i) => argv[i] === word));
  if (!match) {
    console.error(`marquee: unknown command "${argv.join(" ")}"\n\n${usage()}`);
    return 2;
  }
  const rest = argv.slice(match.name.split(" ").length);
  if (rest[0] === "--help" || rest[0] === "-h") {
    console.log(`usage: marquee ${match.name} ${match.usage}\n\n${match.summary}\n\n${match.help ?? ""}`.trimEnd());
    return 0;
  }
  return match.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`marquee: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.MARQUEE_DEBUG) console.error(error);
    process.exit(1);
  },
);

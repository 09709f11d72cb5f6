/**
 * `marquee bench <suite>`: benchmark suites, each in its own file. Benchmarks print figures; they never assert
 * on timing (that belongs to people reading the figures, not to the test suite).
 */
import type { Command } from "../cli/command";
import { apiBench } from "./api";
import { authBench } from "./auth";
import { bodyLimitBench } from "./body-limit";
import { booksBench } from "./books";
import { catalogBench } from "./catalog";
import { letterboxdBench } from "./letterboxd";
import { recsSuite } from "./recs";
import { searchBench } from "./search";
import { syncBench } from "./sync";
import { tasteBench } from "./taste";

export interface BenchSuite {
  name: string;
  summary: string;
  help?: string;
  run(args: string[]): Promise<number>;
}

const SUITES: BenchSuite[] = [
  apiBench,
  catalogBench,
  authBench,
  searchBench,
  recsSuite,
  syncBench,
  bodyLimitBench,
  letterboxdBench,
  tasteBench,
  booksBench,
];

export const benchCommand: Command = {
  name: "bench",
  summary: "Run a benchmark suite and print p50/p95/p99, throughput and memory",
  usage: "<suite> [options]   (marquee bench <suite> --help)",
  get help() {
    return `suites:\n${SUITES.map((s) => `  ${s.name.padEnd(10)} ${s.summary}`).join("\n")}`;
  },
  async run(args) {
    const [name, ...rest] = args;
    const suite = SUITES.find((s) => s.name === name);
    if (!suite) {
      console.error(`marquee bench: unknown suite "${name ?? ""}"; one of: ${SUITES.map((s) => s.name).join(", ")}`);
      return 2;
    }
    if (rest.includes("--help")) {
      console.log(`usage: marquee bench ${suite.name} [options]\n\n${suite.summary}\n\n${suite.help ?? ""}`.trimEnd());
      return 0;
    }
    return suite.run(rest);
  },
};

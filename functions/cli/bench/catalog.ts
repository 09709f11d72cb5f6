/**
 * `marquee bench catalog`: GET /v1/movies (a mix of realistic queries) and GET /v1/movies/{id} (random films)
 * over real HTTP, at each concurrency, against the Node server running as a separate process (so its memory is
 * its own and the load generator does not share its CPU accounting), on PGlite and on a real PostgreSQL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openPostgres } from "../../lib/db/postgres";
import { parseOptions } from "../command";
import { formatTable, type LoadResult, residentMiB, runLoad } from "./http-load";
import type { BenchSuite } from "./index";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NODE_ENTRY = fileURLToPath(new URL("../../node.ts", import.meta.url));

const OPTIONS = {
  duration: { type: "string", default: "10" },
  warmup: { type: "string", default: "2" },
  concurrency: { type: "string", default: "1,32" },
  db: { type: "string" },
  "database-url": { type: "string" },
  "pool-size": { type: "string" },
  "log-level": { type: "string", default: "info" },
  json: { type: "string" },
} as const;

const HELP = `options:
  --duration SECONDS       measured time per scenario (default 10)
  --warmup SECONDS         unmeasured warm-up per scenario (default 2)
  --concurrency LIST       closed-loop clients, comma-separated (default 1,32)
  --db pglite|postgres|both
                           which database (default: both when a PostgreSQL URL is known, else pglite)
  --database-url URL       a PostgreSQL server (default: DATABASE_URL); a fresh database is created on it,
                           loaded with the demo data, and dropped afterwards
  --pool-size N            the server's DATABASE_POOL_SIZE (default: the server's own default)
  --log-level LEVEL        the server's LOG_LEVEL (default info: one log line per request, as in production)
  --json FILE              also write the results as JSON

The server is functions/node.ts in a child process with the demo catalogue (1,500 films, ~46k ratings).
Targets (issue 2): p95 < 10 ms at concurrency 1, and > 1,000 req/s for detail on PostgreSQL.`;

interface Row extends LoadResult {
  name: string;
  db: string;
  endpoint: "list" | "detail";
  concurrency: number;
  memoryMiB: number;
}

/** A small seeded generator, so two runs ask for the same films in the same order. */
function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts functions/node.ts in its own Node process and waits until /health answers. */
async function startServerProcess(env: Record<string, string>, say: (line: string) => void): Promise<ServerProcess> {
  const port = await freePort();
  const base: Record<string, string | undefined> = { ...process.env };
  for (const key of ["DATABASE_URL", "MARQUEE_DB", "SUPABASE_URL", "MARQUEE_DATA_DIR", "PORT"]) delete base[key];
  // `node --import tsx` rather than `npx tsx`: one process, so its pid is the server's and /proc reads its memory.
  const child = spawn(process.execPath, ["--import", "tsx", NODE_ENTRY], {
    cwd: ROOT,
    env: {
      ...base,
      PORT: String(port),
      HOST: "127.0.0.1",
      MARQUEE_DEMO: "true",
      RATE_LIMIT_PER_MINUTE: "0",
      REGISTER_FREE_PER_CLIENT: "1000000",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const line of chunk.toString().split("\n")) if (line.startsWith("marquee:")) say(`  server ${line}`);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    const done = await Promise.race([exited, new Promise<"wait">((r) => setTimeout(() => r("wait"), 250))]);
    if (done !== "wait") throw new Error(`the server exited with code ${done} before it was ready:\n${stderr}`);
    const ok = await fetch(`${url}/health`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the server was not ready after 300 s:\n${stderr}`);
    }
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function getJson(url: string): Promise<{ data: { id: number }[]; nextCursor: string | null }> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return res.json() as Promise<{ data: { id: number }[]; nextCursor: string | null }>;
}

/** Every film id in the catalogue, and a cursor about 1,000 films deep in the default order. */
async function discover(url: string): Promise<{ ids: number[]; deepCursor: string }> {
  const ids: number[] = [];
  let deepCursor: string | null = null;
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const body = await getJson(`${url}/v1/movies?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
    ids.push(...body.data.map((m) => m.id));
    cursor = body.nextCursor;
    if (ids.length >= 1000 && !deepCursor) deepCursor = cursor;
    if (!cursor) break;
  }
  if (ids.length === 0) throw new Error("the catalogue is empty: was the demo data loaded?");
  return { ids, deepCursor: deepCursor ?? "" };
}

/** What a browsing client asks for: first pages, genre and decade filters, title search, other sorts, a deep page. */
function listQueries(deepCursor: string): string[] {
  const queries = [
    "/v1/movies",
    "/v1/movies?genre=Drama",
    "/v1/movies?genre=Science%20Fiction&sort=rating",
    "/v1/movies?year_from=1990&year_to=1999",
    "/v1/movies?year_from=2000&sort=release_date",
    "/v1/movies?q=the",
    "/v1/movies?q=star&sort=title",
    "/v1/movies?sort=rating&limit=50",
    "/v1/movies?sort=title",
    "/v1/movies?language=fr",
    "/v1/movies?genre=Comedy&year_from=2000&year_to=2009&sort=rating",
  ];
  if (deepCursor) queries.push(`/v1/movies?cursor=${deepCursor}`);
  return queries;
}

async function measure(
  db: string,
  server: ServerProcess,
  concurrencies: number[],
  durationMs: number,
  warmupMs: number,
  say: (line: string) => void,
): Promise<Row[]> {
  const { ids, deepCursor } = await discover(server.url);
  const queries = listQueries(deepCursor);
  say(`  ${ids.length} films; ${queries.length} list queries in rotation`);
  const rows: Row[] = [];
  for (const endpoint of ["list", "detail"] as const) {
    for (const concurrency of concurrencies) {
      const random = mulberry32(42);
      const request =
        endpoint === "list"
          ? (i: number) => ({ url: `${server.url}${queries[i % queries.length]}` })
          : () => ({ url: `${server.url}/v1/movies/${ids[Math.floor(random() * ids.length)]}` });
      let peak = 0;
      const pid = server.child.pid as number;
      const sampler = setInterval(() => {
        residentMiB(pid).then(
          (mib) => {
            peak = Math.max(peak, mib);
          },
          () => {},
        );
      }, 250);
      const result = await runLoad({ request, concurrency, durationMs, warmupMs });
      clearInterval(sampler);
      peak = Math.max(peak, await residentMiB(pid));
      const row: Row = { name: `${db} ${endpoint}`, db, endpoint, concurrency, ...result, memoryMiB: peak };
      say(
        `  ${row.name} c=${concurrency}: ${result.rps.toFixed(0)} req/s, p95 ${result.p95.toFixed(2)} ms` +
          (result.errors ? `, ${result.errors} errors (${result.firstError})` : ""),
      );
      rows.push(row);
    }
  }
  return rows;
}

async function benchPglite(run: (env: Record<string, string>) => Promise<Row[]>): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), "marquee-bench-"));
  try {
    return await run({ MARQUEE_DB: "pglite", MARQUEE_DATA_DIR: dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(url: string, run: (env: Record<string, string>) => Promise<Row[]>): Promise<Row[]> {
  const name = `marquee_bench_${Date.now().toString(36)}`;
  const admin = openPostgres({ connectionString: url, max: 1 });
  await admin.exec(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  try {
    return await run({ MARQUEE_DB: "postgres", DATABASE_URL: target.toString() });
  } finally {
    await admin.exec(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.close();
  }
}

const positive = (raw: string, what: string) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what} must be a positive number, got "${raw}"`);
  return n;
};

export const catalogBench: BenchSuite = {
  name: "catalog",
  summary: "GET /v1/movies and /v1/movies/{id} over HTTP against the Node server, on PGlite and PostgreSQL",
  help: HELP,
  async run(args) {
    const o = parseOptions(args, OPTIONS);
    const durationMs = positive(o.duration, "duration") * 1000;
    const warmupMs = Number(o.warmup) * 1000;
    const concurrencies = o.concurrency.split(",").map((c) => Math.round(positive(c.trim(), "concurrency")));
    const url = o["database-url"] ?? process.env.DATABASE_URL;
    const which = o.db ?? (url ? "both" : "pglite");
    if (!["pglite", "postgres", "both"].includes(which)) throw new Error(`--db must be pglite, postgres or both`);
    if (which !== "pglite" && !url) throw new Error("--db postgres needs --database-url URL or DATABASE_URL");
    const serverEnv: Record<string, string> = { LOG_LEVEL: o["log-level"] };
    if (o["pool-size"]) serverEnv.DATABASE_POOL_SIZE = String(Math.round(positive(o["pool-size"], "pool-size")));
    const say = (line: string) => console.error(line);

    const run = (db: string) => async (env: Record<string, string>) => {
      say(`${db}: starting the server with the demo data`);
      const started = performance.now();
      const server = await startServerProcess({ ...serverEnv, ...env }, say);
      say(`  ready in ${((performance.now() - started) / 1000).toFixed(1)} s at ${server.url}`);
      try {
        return await measure(db, server, concurrencies, durationMs, warmupMs, say);
      } finally {
        await server.stop();
      }
    };
    const loadBefore = loadavg()[0];
    const rows: Row[] = [];
    if (which !== "postgres") rows.push(...(await benchPglite(run("pglite"))));
    if (which !== "pglite" && url) rows.push(...(await benchPostgres(url, run("postgres"))));

    console.log(
      `\nmarquee bench catalog: ${durationMs / 1000} s per scenario after ${warmupMs / 1000} s warm-up, ` +
        `${cpus().length} CPUs, Node ${process.versions.node}, server LOG_LEVEL=${o["log-level"]}` +
        `${o["pool-size"] ? `, DATABASE_POOL_SIZE=${o["pool-size"]}` : ""}`,
    );
    // Other work on the machine competes for the same cores; say how busy it was so figures can be judged.
    const loadAfter = loadavg()[0];
    console.log(`machine load average (1 min): ${loadBefore.toFixed(1)} at start, ${loadAfter.toFixed(1)} at end\n`);
    console.log(formatTable(rows));
    const verdicts = targets(rows);
    if (verdicts.length) console.log(`\n${verdicts.join("\n")}`);
    if (o.json) {
      const report = {
        suite: "catalog",
        date: new Date().toISOString(),
        machine: {
          cpus: cpus().length,
          cpu: cpus()[0]?.model,
          node: process.versions.node,
          loadAverage: { start: loadBefore, end: loadAfter },
        },
        options: { durationMs, warmupMs, concurrencies, logLevel: o["log-level"], poolSize: o["pool-size"] ?? null },
        results: rows,
        targets: verdicts,
      };
      await writeFile(o.json, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`\nwrote ${o.json}`);
    }
    return rows.some((r) => r.requests === 0) ? 1 : 0;
  },
};

/** The issue's targets, as met / missed lines (figures for people to read, not a pass/fail gate). */
function targets(rows: Row[]): string[] {
  const out: string[] = [];
  for (const r of rows.filter((x) => x.concurrency === 1)) {
    out.push(`${r.p95 < 10 ? "met   " : "MISSED"} ${r.name} p95 < 10 ms at concurrency 1 (${r.p95.toFixed(2)} ms)`);
  }
  const seed = { list: 150, detail: 100 };
  for (const r of rows.filter((x) => x.concurrency > 1)) {
    const limit = seed[r.endpoint];
    out.push(
      `${r.p95 < limit ? "met   " : "MISSED"} ${r.name} p95 < ${limit} ms at concurrency ${r.concurrency} ` +
        `(seed systems' target; ${r.p95.toFixed(2)} ms)`,
    );
  }
  for (const r of rows.filter((x) => x.db === "postgres" && x.endpoint === "detail" && x.concurrency > 1)) {
    out.push(
      `${r.rps > 1000 ? "met   " : "MISSED"} ${r.name} > 1,000 req/s at concurrency ${r.concurrency} (${r.rps.toFixed(0)})`,
    );
  }
  return out;
}

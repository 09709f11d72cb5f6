/**
 * The one harness every `marquee bench` suite uses, so that their figures are measured and reported the same way:
 * - a closed-loop HTTP load generator: `concurrency` workers each send a request, wait for the full response, and
 *   send the next, for a fixed duration after a warm-up; latency percentiles, throughput and errors;
 * - the Node server in its own process (so its memory is its own and the load generator does not share its CPU
 *   accounting), with its peak resident memory sampled during each scenario;
 * - the databases a suite runs on: a temporary PGlite folder, or a scratch database on a PostgreSQL server;
 * - the fixed-width tables the suites print.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openPostgres } from "../../functions/lib/db/postgres";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NODE_ENTRY = fileURLToPath(new URL("../main.ts", import.meta.url));

export interface LoadOptions {
  /** Returns the i-th request to send (URL and init). */
  /**
   * Returns the i-th request to send (URL and init); a promise is awaited before the request's clock starts (for
   * set-up that must not count as the request's latency, such as invalidating a cache).
   */
  request: (i: number) => { url: string; init?: RequestInit } | Promise<{ url: string; init?: RequestInit }>;
  concurrency: number;
  durationMs: number;
  warmupMs?: number;
  /** Status codes that count as success (default: 2xx and 304). */
  ok?: (status: number) => boolean;
  /** Stop the measured phase after this many requests even if time remains (each user once, say). */
  maxRequests?: number;
}

/** One Server-Timing metric over a scenario's successful requests, in ms. */
export interface TimingSummary {
  p50: number;
  mean: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  firstError?: string;
  /**
   * The server's own Server-Timing metrics (db, db-connect, cache, app, total) when it sent them, plus `outside`:
   * the client's latency minus the server's total, i.e. the network, the runtime's dispatch and any proxy in front.
   */
  server?: Record<string, TimingSummary>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

const mean = (values: number[]) => (values.length ? values.reduce((s, v) => s + v, 0) / values.length : Number.NaN);

/** `db;dur=1.2, cache;desc=hit;dur=0.3` as { db: 1.2, cache: 0.3 }. */
export function parseServerTiming(header: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().split(";");
    const dur = params.find((p) => p.trim().startsWith("dur="));
    if (name && dur) out[name.trim()] = Number(dur.trim().slice(4));
  }
  return out;
}

function summariseTimings(samples: Record<string, number[]>): Record<string, TimingSummary> | undefined {
  const names = Object.keys(samples);
  if (names.length === 0) return undefined;
  return Object.fromEntries(
    names.map((name) => {
      const sorted = [...samples[name]].sort((a, b) => a - b);
      return [name, { p50: percentile(sorted, 50), mean: mean(sorted) }];
    }),
  );
}

export function summarise(latencies: number[], errors: number, elapsedMs: number, firstError?: string): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const total = sorted.reduce((s, v) => s + v, 0);
  return {
    requests: sorted.length,
    errors,
    rps: (sorted.length / elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length ? total / sorted.length : Number.NaN,
    firstError,
  };
}

/**
 * Sends one request over a keep-alive node:http agent and reads the whole body; returns the status.
 * Not fetch: undici's fetch costs ~3x the client CPU per request (measured 1,130 vs 360 us), and on a 2-core
 * machine the load generator shares the cores with the server and the database, so a heavy client caps the
 * throughput it can measure. Bodies other than strings fall back to fetch.
 */
function sender(agent: http.Agent) {
  return (url: string, init?: RequestInit): Promise<{ status: number; timing?: string }> => {
    if (init?.body !== undefined && init.body !== null && typeof init.body !== "string") {
      return fetch(url, init).then(async (res) => {
        await res.arrayBuffer();
        return { status: res.status, timing: res.headers.get("server-timing") ?? undefined };
      });
    }
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: init?.method ?? "GET", headers, agent }, (res) => {
        res.on("data", () => {});
        const timing = res.headers["server-timing"];
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, timing: typeof timing === "string" ? timing : undefined }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(init?.body ?? undefined);
    });
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const ok = options.ok ?? ((s: number) => (s >= 200 && s < 300) || s === 304);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const send = sender(agent);
  let counter = 0;
  const phase = async (ms: number, record: boolean) => {
    const latencies: number[] = [];
    const timings: Record<string, number[]> = {};
    let errors = 0;
    let firstError: string | undefined;
    let sent = 0;
    const limit = record ? (options.maxRequests ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
    const deadline = performance.now() + ms;
    const worker = async () => {
      while (performance.now() < deadline && sent < limit) {
        sent++;
        const { url, init } = await options.request(counter++);
        const started = performance.now();
        try {
          const { status, timing } = await send(url, init);
          const elapsed = performance.now() - started;
          if (ok(status)) {
            latencies.push(elapsed);
            if (record && timing) {
              const metrics = parseServerTiming(timing);
              if (metrics.total !== undefined) metrics.outside = Math.max(0, elapsed - metrics.total);
              for (const [name, value] of Object.entries(metrics)) {
                timings[name] ??= [];
                timings[name].push(value);
              }
            }
          } else {
            errors++;
            firstError ??= `HTTP ${status} for ${url}`;
          }
        } catch (error) {
          errors++;
          firstError ??= `${(error as Error).message} for ${url}`;
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    if (!record) return undefined;
    const result = summarise(latencies, errors, performance.now() - started, firstError);
    const server = summariseTimings(timings);
    return server ? { ...result, server } : result;
  };
  try {
    if (options.warmupMs) await phase(options.warmupMs, false);
    return (await phase(options.durationMs, true)) as LoadResult;
  } finally {
    agent.destroy();
  }
}

/** Resident memory of a process in MiB (Linux /proc), or of this process when no pid is given. */
export async function residentMiB(pid?: number): Promise<number> {
  if (pid === undefined || pid === process.pid) return process.memoryUsage().rss / 2 ** 20;
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : "-");

/** A fixed-width table: the first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export type ScenarioRow = LoadResult & { name: string; concurrency: number; memoryMiB?: number };

/** One row per scenario, as a fixed-width table. */
export function formatTable(rows: ScenarioRow[]): string {
  const header = ["scenario", "conc", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "rss MiB"];
  const body = rows.map((r) => [
    r.name,
    String(r.concurrency),
    String(r.requests),
    String(r.errors),
    fmt(r.rps, 0),
    fmt(r.p50, 2),
    fmt(r.p95, 2),
    fmt(r.p99, 2),
    fmt(r.max, 1),
    r.memoryMiB === undefined ? "-" : fmt(r.memoryMiB, 0),
  ]);
  return table(header, body);
}

/** The one-line progress report of a scenario, on stderr while the suite runs. */
export function scenarioLine(name: string, concurrency: number, result: LoadResult): string {
  return (
    `  ${name} c=${concurrency}: ${result.rps.toFixed(0)} req/s, p50 ${fmt(result.p50, 2)} ms, p95 ${fmt(result.p95, 2)} ms` +
    (result.errors ? `, ${result.errors} errors (${result.firstError})` : "")
  );
}

/** Runs one load scenario against a server process, sampling its resident memory; returns the peak with it. */
export async function measureScenario(pid: number, options: LoadOptions): Promise<LoadResult & { memoryMiB: number }> {
  let peak = 0;
  const sample = () =>
    residentMiB(pid).then(
      (mib) => {
        peak = Math.max(peak, mib);
      },
      () => {},
    );
  const sampler = setInterval(sample, 250);
  try {
    const result = await runLoad(options);
    await sample();
    return { ...result, memoryMiB: peak };
  } finally {
    clearInterval(sampler);
  }
}

export type MeasuredRow = ScenarioRow & { memoryMiB: number };

/**
 * Returns `scenario(name, concurrency, request)`, which measures one scenario against the server process with
 * the suite's timing, appends its row to `rows`, reports it through `say` and returns it.
 */
export function scenarioRunner(
  server: { pid: number },
  timing: { durationMs: number; warmupMs: number },
  rows: MeasuredRow[],
  say: (line: string) => void,
) {
  return async (name: string, concurrency: number, request: LoadOptions["request"]): Promise<MeasuredRow> => {
    const result = await measureScenario(server.pid, { request, concurrency, ...timing });
    const row = { name, concurrency, ...result };
    rows.push(row);
    say(scenarioLine(name, concurrency, result));
    return row;
  };
}

/** A port nothing listens on right now, for a child server. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts node/main.ts (what `npm start` runs) in its own Node process on a free port with `env` on top of this
 * process's environment minus the variables that choose a database, and waits until /health answers.
 * `say` receives the server's own `marquee:` lines (migrations, demo load) as they come.
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { say?: (line: string) => void; readyTimeoutMs?: number } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const base: Record<string, string | undefined> = { ...process.env };
  for (const key of ["DATABASE_URL", "MARQUEE_DB", "SUPABASE_URL", "MARQUEE_DATA_DIR", "PORT"]) delete base[key];
  // `node --import tsx` rather than `npx tsx`: one process, so its pid is the server's and /proc reads its memory.
  const child = spawn(process.execPath, ["--import", "tsx", NODE_ENTRY], {
    cwd: ROOT,
    // A load generator is one client hammering from one address: the per-client limits would measure themselves.
    env: {
      ...base,
      PORT: String(port),
      HOST: "127.0.0.1",
      RATE_LIMIT_PER_MINUTE: "0",
      REGISTER_FREE_PER_CLIENT: "1000000",
      LOGIN_FREE_FAILURES: "10000",
      LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000000",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    if (options.say)
      for (const line of chunk.toString().split("\n")) if (line.startsWith("marquee:")) options.say(`  server ${line}`);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = options.readyTimeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
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
      throw new Error(`the server was not ready after ${timeoutMs / 1000} s:\n${stderr}`);
    }
  }
  return {
    url,
    pid: child.pid as number,
    child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Which databases a suite runs on, from its --db option and whether a PostgreSQL URL is known. */
export function chooseDatabases(option: string | undefined, url: string | undefined): ("pglite" | "postgres")[] {
  const which = option ?? (url ? "both" : "pglite");
  if (which !== "pglite" && which !== "postgres" && which !== "both") {
    throw new Error("--db must be pglite, postgres or both");
  }
  if (which !== "pglite" && !url) throw new Error("--db postgres needs --database-url URL or DATABASE_URL");
  return which === "both" ? ["pglite", "postgres"] : [which];
}

/**
 * Runs `fn` with the environment that points a server at a fresh, empty database of that kind: a temporary PGlite
 * folder, or a scratch database created on the PostgreSQL server of `url`; either is removed afterwards.
 */
export async function withServerDatabase<T>(
  kind: "pglite" | "postgres",
  url: string | undefined,
  prefix: string,
  fn: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  if (kind === "pglite") {
    const dir = await mkdtemp(join(tmpdir(), `${prefix.replaceAll("_", "-")}-`));
    try {
      return await fn({ MARQUEE_DB: "pglite", MARQUEE_DATA_DIR: dir });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (!url) throw new Error("a PostgreSQL URL is needed");
  const scratch = await scratchDatabase(url, `${prefix}_${Date.now().toString(36)}`);
  try {
    return await fn({ MARQUEE_DB: "postgres", DATABASE_URL: scratch.url });
  } finally {
    await scratch.drop();
  }
}

/**
 * Runs `fn` against the Node server started with the demo data on a fresh database of that kind (see
 * withServerDatabase), reporting how long the server took to be ready; stops the server and removes the database
 * afterwards.
 */
export async function withDemoServer<T>(
  kind: "pglite" | "postgres",
  url: string | undefined,
  options: { prefix: string; env: Record<string, string>; say: (line: string) => void; serverLines?: boolean },
  fn: (server: ServerProcess) => Promise<T>,
): Promise<T> {
  return withServerDatabase(kind, url, options.prefix, async (databaseEnv) => {
    options.say(`${kind}: starting the server with the demo data`);
    const started = performance.now();
    const server = await startServerProcess(
      { MARQUEE_DEMO: "true", ...options.env, ...databaseEnv },
      { say: options.serverLines ? options.say : undefined },
    );
    options.say(`  ready in ${((performance.now() - started) / 1000).toFixed(1)} s at ${server.url}`);
    try {
      return await fn(server);
    } finally {
      await server.stop();
    }
  });
}

/** Creates database `name` on the server of `url` (dropping a leftover of the same name first). */
export async function scratchDatabase(url: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = openPostgres({ connectionString: url, max: 1 });
  await admin.exec(`drop database if exists ${name} with (force)`);
  await admin.exec(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    async drop() {
      await admin.exec(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.close();
    },
  };
}

/** Comma-separated positive integers from an option (concurrency lists and counts). */
export function positiveIntegers(raw: string, what: string): number[] {
  return raw.split(",").map((v) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${what} must be positive integers, got "${raw}"`);
    return n;
  });
}

/** Pids of every live descendant of `pid` whose command name is `name` (Linux /proc). */
async function descendantsNamed(pid: number, name: string): Promise<number[]> {
  const { readdir } = await import("node:fs/promises");
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
    const close = stat.lastIndexOf(")");
    if (close < 0) continue;
    names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
    parents.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
  }
  const found: number[] = [];
  for (const [child] of parents) {
    let up = parents.get(child);
    while (up !== undefined && up !== pid && up > 1) up = parents.get(up);
    if (up === pid && names.get(child) === name) found.push(child);
  }
  return found;
}

const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

/**
 * Starts the Worker (functions/worker.ts, wrangler.toml) in workerd through `wrangler dev` on a free port, as it
 * ships: no per-request dev logging (wrangler's own request lines are off with --log-level error), a fresh local
 * state folder (so the edge cache starts empty), no inspector on a fixed port. `secrets` go to wrangler in a private
 * env file, `vars` on the command line. Waits until /health answers. The returned pid is workerd's (the runtime
 * serving the requests), so the harness samples the Worker's memory, not wrangler's.
 */
export async function startWorkerProcess(
  secrets: Record<string, string>,
  vars: Record<string, string> = {},
  options: { readyTimeoutMs?: number } = {},
): Promise<ServerProcess> {
  const { chmod, mkdtemp: makeTemp, writeFile } = await import("node:fs/promises");
  const port = await freePort();
  const inspector = await freePort();
  const state = await makeTemp(join(tmpdir(), "marquee-bench-worker-"));
  const envFile = join(state, "secrets.env");
  await writeFile(
    envFile,
    Object.entries(secrets)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
    { mode: 0o600 },
  );
  await chmod(envFile, 0o600);
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector)];
  args.push("--persist-to", join(state, "state"), "--env-file", envFile, "--log-level", "error");
  args.push("--show-interactive-dev-session=false");
  // A load generator is one client from one address: per-client limits (RATE_LIMIT_PER_MINUTE,
  // REGISTER_FREE_PER_CLIENT) would measure themselves.
  const limitsOff = { RATE_LIMIT_PER_MINUTE: "0", REGISTER_FREE_PER_CLIENT: "1000000" };
  for (const [k, v] of Object.entries({ ...limitsOff, ...vars })) args.push("--var", `${k}:${v}`);
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
      // wrangler.toml binds HYPERDRIVE, which the Worker prefers: locally it must reach the same database.
      ...(secrets.DATABASE_URL
        ? { CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: secrets.DATABASE_URL }
        : {}),
    },
    stdio: ["ignore", "ignore", "pipe"],
    detached: false,
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = options.readyTimeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
    await rm(state, { recursive: true, force: true });
  };
  for (;;) {
    const done = await Promise.race([exited, new Promise<"wait">((r) => setTimeout(() => r("wait"), 250))]);
    if (done !== "wait") throw new Error(`wrangler dev exited with code ${done} before it was ready:\n${stderr}`);
    const ok = await fetch(`${url}/health`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Worker was not ready after ${timeoutMs / 1000} s:\n${stderr}`);
    }
  }
  const [workerd] = await descendantsNamed(child.pid as number, "workerd");
  return { url, pid: workerd ?? (child.pid as number), child, stop };
}

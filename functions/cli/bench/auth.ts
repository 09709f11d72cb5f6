/**
 * `marquee bench auth`: the cost of accounts. CPU time of one password hash (PBKDF2-SHA256, 100,000 iterations,
 * in this process), login latency over HTTP (two RPCs and one hash per login), and rating writes per second
 * (PUT /v1/ratings/{movieId}: token check, user lookup, upsert) at concurrency 16. The server is functions/node.ts
 * in a child process with the demo data (1,500 films, 400 users, ~46k ratings), on PGlite and/or a real PostgreSQL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hashPassword, PBKDF2_ITERATIONS } from "../../lib/auth/password";
import { openPostgres } from "../../lib/db/postgres";
import { parseOptions } from "../command";
import { formatTable, type LoadResult, residentMiB, runLoad } from "./http-load";
import type { BenchSuite } from "./index";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NODE_ENTRY = fileURLToPath(new URL("../../node.ts", import.meta.url));

const OPTIONS = {
  duration: { type: "string", default: "10" },
  warmup: { type: "string", default: "2" },
  "login-concurrency": { type: "string", default: "1,4" },
  "write-concurrency": { type: "string", default: "16" },
  users: { type: "string", default: "64" },
  hashes: { type: "string", default: "20" },
  db: { type: "string" },
  "database-url": { type: "string" },
} as const;

const HELP = `options:
  --duration SECONDS         measured time per scenario (default 10)
  --warmup SECONDS           unmeasured warm-up per scenario (default 2)
  --login-concurrency LIST   closed-loop clients signing in, comma-separated (default 1,4)
  --write-concurrency LIST   closed-loop clients writing ratings (default 16)
  --users N                  accounts registered for the run (default 64)
  --hashes N                 password hashes timed for the CPU figure (default 20)
  --db pglite|postgres|both  default: both when a PostgreSQL URL is known, else pglite
  --database-url URL         a PostgreSQL server (default: DATABASE_URL); a fresh database is created on it,
                             loaded with the demo data, and dropped afterwards

Login throttling is raised out of the way for the run (every login here is a success anyway).
Seed target: login < 200 ms.`;

type Row = LoadResult & { name: string; concurrency: number; memoryMiB: number };

function list(raw: string, what: string): number[] {
  return raw.split(",").map((v) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${what} must be positive integers, got "${raw}"`);
    return n;
  });
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

async function startServer(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const base: Record<string, string | undefined> = { ...process.env };
  for (const key of ["DATABASE_URL", "MARQUEE_DB", "SUPABASE_URL", "MARQUEE_DATA_DIR", "PORT", "JWT_SECRET"])
    delete base[key];
  const child = spawn(process.execPath, ["--import", "tsx", NODE_ENTRY], {
    cwd: ROOT,
    env: {
      ...base,
      PORT: String(port),
      HOST: "127.0.0.1",
      MARQUEE_DEMO: "true",
      LOG_LEVEL: "warn",
      JWT_SECRET: randomBytes(32).toString("base64url"),
      LOGIN_FREE_FAILURES: "10000",
      LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000000",
      REGISTER_FREE_PER_CLIENT: "1000000",
      RATE_LIMIT_PER_MINUTE: "0",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    const done = await Promise.race([exited, new Promise<"wait">((r) => setTimeout(() => r("wait"), 250))]);
    if (done !== "wait") throw new Error(`the server exited with code ${done}:\n${stderr}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
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

/** CPU milliseconds of one hashPassword call, averaged over n, measured in this process. */
async function hashCpuMs(n: number): Promise<{ cpuMs: number; wallMs: number }> {
  await hashPassword("warm-up password");
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let k = 0; k < n; k++) await hashPassword(`bench password ${k}`);
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / n, wallMs: (performance.now() - started) / n };
}

const PASSWORD = "bench password 0123";

async function measure(
  db: string,
  server: { url: string; child: ChildProcess },
  o: { users: number; durationMs: number; warmupMs: number; login: number[]; write: number[] },
  say: (line: string) => void,
): Promise<Row[]> {
  const tag = Date.now().toString(36);
  const accounts: { email: string; token: string }[] = [];
  for (let k = 0; k < o.users; k++) {
    const email = `bench-${tag}-${k}@bench.marquee.dev`;
    const res = await fetch(`${server.url}/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD, displayName: `Bench ${k}` }),
    });
    if (res.status !== 201) throw new Error(`register answered ${res.status}: ${await res.text()}`);
    accounts.push({ email, token: ((await res.json()) as { accessToken: string }).accessToken });
  }
  const films: number[] = [];
  for (const sort of ["popularity", "rating", "title"]) {
    const res = await fetch(`${server.url}/v1/movies?limit=100&sort=${sort}`);
    films.push(...((await res.json()) as { data: { id: number }[] }).data.map((m) => m.id));
  }
  say(`  ${db}: ${accounts.length} accounts, ${new Set(films).size} films to rate`);
  const pid = server.child.pid as number;
  const rows: Row[] = [];
  const scenario = async (
    name: string,
    concurrency: number,
    request: (i: number) => { url: string; init?: RequestInit },
  ) => {
    let peak = 0;
    const sampler = setInterval(() => {
      residentMiB(pid).then(
        (m) => {
          peak = Math.max(peak, m);
        },
        () => {},
      );
    }, 250);
    const result = await runLoad({ request, concurrency, durationMs: o.durationMs, warmupMs: o.warmupMs });
    clearInterval(sampler);
    peak = Math.max(peak, await residentMiB(pid).catch(() => 0));
    rows.push({ name: `${db} ${name}`, concurrency, ...result, memoryMiB: peak });
    say(
      `  ${db} ${name} c=${concurrency}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms` +
        (result.errors ? `, ${result.errors} errors (${result.firstError})` : ""),
    );
  };
  for (const c of o.login) {
    await scenario("login", c, (i) => ({
      url: `${server.url}/v1/auth/login`,
      init: {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: accounts[i % accounts.length].email, password: PASSWORD }),
      },
    }));
  }
  for (const c of o.write) {
    await scenario("rating write", c, (i) => {
      const account = accounts[i % accounts.length];
      const film = films[(i * 7919) % films.length];
      return {
        url: `${server.url}/v1/ratings/${film}`,
        init: {
          method: "PUT",
          headers: { "content-type": "application/json", authorization: `Bearer ${account.token}` },
          body: JSON.stringify({ rating: ((i % 10) + 1) / 2 }),
        },
      };
    });
  }
  return rows;
}

export const authBench: BenchSuite = {
  name: "auth",
  summary: "Password hash CPU time, login latency and rating writes/s over HTTP, on PGlite and PostgreSQL",
  help: HELP,
  async run(args) {
    const o = parseOptions(args, OPTIONS);
    const durationMs = Number(o.duration) * 1000;
    const warmupMs = Number(o.warmup) * 1000;
    if (!(durationMs > 0) || !(warmupMs >= 0)) throw new Error("--duration and --warmup must be seconds");
    const users = list(o.users, "users")[0];
    const url = o["database-url"] ?? process.env.DATABASE_URL;
    const which = o.db ?? (url ? "both" : "pglite");
    if (!["pglite", "postgres", "both"].includes(which)) throw new Error("--db must be pglite, postgres or both");
    if (which !== "pglite" && !url) throw new Error("--db postgres needs --database-url URL or DATABASE_URL");
    const say = (line: string) => console.error(line);
    const settings = {
      users,
      durationMs,
      warmupMs,
      login: list(o["login-concurrency"], "login-concurrency"),
      write: list(o["write-concurrency"], "write-concurrency"),
    };

    const hash = await hashCpuMs(list(o.hashes, "hashes")[0]);
    say(
      `password hash: ${hash.cpuMs.toFixed(1)} ms CPU, ${hash.wallMs.toFixed(1)} ms wall (PBKDF2-SHA256, ${PBKDF2_ITERATIONS} iterations)`,
    );

    const rows: Row[] = [];
    const run = async (db: string, env: Record<string, string>) => {
      say(`${db}: starting the server with the demo data`);
      const server = await startServer(env);
      try {
        rows.push(...(await measure(db, server, settings, say)));
      } finally {
        await server.stop();
      }
    };
    if (which !== "postgres") {
      const dir = await mkdtemp(join(tmpdir(), "marquee-bench-auth-"));
      try {
        await run("pglite", { MARQUEE_DB: "pglite", MARQUEE_DATA_DIR: dir });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    if (which !== "pglite" && url) {
      const name = `marquee_bench_auth_${Date.now().toString(36)}`;
      const admin = openPostgres({ connectionString: url, max: 1 });
      await admin.exec(`create database ${name}`);
      const target = new URL(url);
      target.pathname = `/${name}`;
      try {
        await run("postgres", { MARQUEE_DB: "postgres", DATABASE_URL: target.toString() });
      } finally {
        await admin.exec(`drop database if exists ${name} with (force)`).catch(() => {});
        await admin.close();
      }
    }

    console.log(
      `\nmarquee bench auth: ${durationMs / 1000} s per scenario after ${warmupMs / 1000} s warm-up, ` +
        `${cpus().length} CPUs, Node ${process.versions.node}, ${users} accounts\n`,
    );
    console.log(
      `password hash (PBKDF2-SHA256, ${PBKDF2_ITERATIONS} iterations): ${hash.cpuMs.toFixed(1)} ms CPU, ${hash.wallMs.toFixed(1)} ms wall\n`,
    );
    console.log(formatTable(rows));
    const logins = rows.filter((r) => r.name.endsWith("login"));
    if (logins.length) {
      console.log("");
      for (const r of logins) {
        console.log(
          `${r.p95 < 200 ? "met   " : "MISSED"} ${r.name} p95 < 200 ms at concurrency ${r.concurrency} (${r.p95.toFixed(1)} ms)`,
        );
      }
    }
    return rows.some((r) => r.requests === 0 || r.errors > 0) ? 1 : 0;
  },
};

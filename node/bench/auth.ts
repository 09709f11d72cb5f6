/**
 * `marquee bench auth`: the cost of accounts. CPU time of one password hash (PBKDF2-SHA256, 100,000 iterations,
 * in this process), login latency over HTTP (two RPCs and one hash per login), and rating writes per second
 * (PUT /v1/ratings/{movieId}: token check, user lookup, upsert) at concurrency 16. The server is node/main.ts
 * in a child process with the demo data (1,500 films, 400 users, ~46k ratings), on PGlite and/or a real PostgreSQL.
 */
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { hashPassword, PBKDF2_ITERATIONS } from "../../functions/lib/auth/password";
import { parseOptions } from "../cli/command";
import {
  chooseDatabases,
  formatTable,
  type LoadOptions,
  type MeasuredRow,
  positiveIntegers,
  type ServerProcess,
  scenarioRunner,
  withDemoServer,
} from "./harness";
import type { BenchSuite } from "./index";

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
  server: ServerProcess,
  o: { users: number; durationMs: number; warmupMs: number; login: number[]; write: number[] },
  say: (line: string) => void,
): Promise<MeasuredRow[]> {
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
  const rows: MeasuredRow[] = [];
  const measured = scenarioRunner(server, o, rows, say);
  const scenario = (name: string, concurrency: number, request: LoadOptions["request"]) =>
    measured(`${db} ${name}`, concurrency, request);
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
    const users = positiveIntegers(o.users, "users")[0];
    const url = o["database-url"] ?? process.env.DATABASE_URL;
    const databases = chooseDatabases(o.db, url);
    const say = (line: string) => console.error(line);
    const settings = {
      users,
      durationMs,
      warmupMs,
      login: positiveIntegers(o["login-concurrency"], "login-concurrency"),
      write: positiveIntegers(o["write-concurrency"], "write-concurrency"),
    };

    const hash = await hashCpuMs(positiveIntegers(o.hashes, "hashes")[0]);
    say(
      `password hash: ${hash.cpuMs.toFixed(1)} ms CPU, ${hash.wallMs.toFixed(1)} ms wall (PBKDF2-SHA256, ${PBKDF2_ITERATIONS} iterations)`,
    );

    const rows: MeasuredRow[] = [];
    const env = {
      LOG_LEVEL: "warn",
      JWT_SECRET: randomBytes(32).toString("base64url"),
      LOGIN_MAX_FAILURES_PER_ACCOUNT: "10000",
      LOGIN_MAX_FAILURES_PER_CLIENT: "100000",
    };
    for (const db of databases) {
      rows.push(
        ...(await withDemoServer(db, url, { prefix: "marquee_bench_auth", env, say }, (server) =>
          measure(db, server, settings, say),
        )),
      );
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

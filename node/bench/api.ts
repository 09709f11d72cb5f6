/**
 * `marquee bench api --target node,worker`: the public API's main reads against each runtime Marquee ships on, in
 * one run, on one PostgreSQL database loaded with the demo data: the Node server (node/main.ts in its own process)
 * and the Worker in workerd (`wrangler dev`, production settings). Scenarios alternate between targets, so both
 * see the same machine load, and the table prints them side by side with where the time went (the Server-Timing
 * each response carries: database, connection setup, app; and what lies outside the app).
 */
import { writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import pg from "pg";
import { issueToken } from "../../functions/lib/auth/tokens";
import { openPostgres } from "../../functions/lib/db/postgres";
import { loadConfig, parseOptions } from "../cli/command";
import { seededRandom } from "../eval/movielens";
import {
  fmt,
  type LoadOptions,
  type LoadResult,
  measureScenario,
  percentile,
  positiveIntegers,
  type ServerProcess,
  scenarioLine,
  scratchDatabase,
  startServerProcess,
  startWorkerProcess,
  table,
} from "./harness";
import type { BenchSuite } from "./index";

const JWT_SECRET = "bench-only-secret-0123456789abcdef-0123456789";
const TARGETS = ["node", "worker"] as const;
type Target = (typeof TARGETS)[number];

const OPTIONS = {
  target: { type: "string", default: "node,worker" },
  duration: { type: "string", default: "10" },
  warmup: { type: "string", default: "2" },
  concurrency: { type: "string", default: "1,16" },
  scenarios: { type: "string" },
  "database-url": { type: "string" },
  "log-level": { type: "string", default: "warn" },
  json: { type: "string" },
} as const;

const HELP = `options:
  --target LIST            node, worker, or both (default node,worker): which runtimes, side by side
  --duration SECONDS       measured time per scenario and target (default 10)
  --warmup SECONDS         unmeasured warm-up per scenario and target (default 2)
  --concurrency LIST       closed-loop clients, comma-separated (default 1,16)
  --scenarios LIST         a subset of: ${"ping, list, detail, popular, search, recs-cached, recs-computed"}
  --database-url URL       a PostgreSQL server (default DATABASE_URL; required: workerd reaches it over TCP, and
                           PGlite serves one connection at a time); a fresh database is created on it, loaded with
                           the demo data, and dropped afterwards
  --log-level LEVEL        both targets' LOG_LEVEL (default warn: neither pays for writing a line per request to a
                           pipe, which a deployed Worker does outside the request)
  --json FILE              also write the results as JSON

The Worker runs in workerd through \`wrangler dev\` with wrangler's request logging off and a fresh local state.
Each response's Server-Timing splits its time: db (database waits, including db-connect: opening a connection,
which the Worker does on every request without Hyperdrive), app (the rest of the server's time) and outside (the
client's latency minus the server's total: loopback, the runtime's dispatch and, for wrangler dev, its proxy).
"recs-computed" asks for each user's list once after the cached lists were cleared, so every request computes it.`;

interface Scenario {
  name: string;
  /** Per-request URL and init against a server. */
  request(base: string): LoadOptions["request"];
  /** Runs before each target's measurement (recs-computed clears the stored lists). */
  before?(): Promise<void>;
  maxRequests?: number;
}

type Row = LoadResult & { scenario: string; target: Target; concurrency: number; memoryMiB: number };

const positive = (raw: string, what: string) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what} must be a positive number, got "${raw}"`);
  return n;
};

const SEARCHES = ["space adventure", "love story", "war", "the dark knight", "family comedy", "detective", "zombie"];

export const apiBench: BenchSuite = {
  name: "api",
  summary:
    "Catalogue, popular, search and recommendations against the Node server and the Worker (workerd), side by side",
  help: HELP,
  async run(args) {
    const o = parseOptions(args, OPTIONS);
    const targets = o.target.split(",").map((t) => t.trim()) as Target[];
    const bad = targets.find((t) => !TARGETS.includes(t));
    if (bad || targets.length === 0) throw new Error(`--target must list node and/or worker, got "${o.target}"`);
    const durationMs = positive(o.duration, "duration") * 1000;
    const warmupMs = Number(o.warmup) * 1000;
    const concurrencies = positiveIntegers(o.concurrency, "concurrency");
    const url = o["database-url"] ?? process.env.DATABASE_URL;
    if (!url) throw new Error("bench api needs a PostgreSQL server: set DATABASE_URL or --database-url");
    const say = (line: string) => console.error(line);
    const loadBefore = loadavg();

    const scratch = await scratchDatabase(url, `marquee_bench_api_${Date.now().toString(36)}`);
    const servers: Partial<Record<Target, ServerProcess>> = {};
    try {
      // The Node server migrates the database and loads the demo data (and its neighbours) on its first start, so
      // it starts first even when only the Worker is measured.
      say("starting the Node server (migrate, demo data, neighbours)");
      const node = await startServerProcess({
        MARQUEE_DB: "postgres",
        DATABASE_URL: scratch.url,
        MARQUEE_DEMO: "true",
        JWT_SECRET,
        LOG_LEVEL: o["log-level"],
      });
      if (targets.includes("node")) servers.node = node;
      else await node.stop();
      if (targets.includes("worker")) {
        say("starting the Worker (wrangler dev, workerd)");
        servers.worker = await startWorkerProcess(
          { DATABASE_URL: scratch.url, JWT_SECRET },
          { LOG_LEVEL: o["log-level"], EDGE_CACHE: "false" },
        );
      }
      const { scenarios, films } = await buildScenarios(scratch.url, Object.values(servers)[0] as ServerProcess);
      const wanted = o.scenarios?.split(",").map((s) => s.trim());
      const chosen = wanted ? scenarios.filter((s) => wanted.includes(s.name)) : scenarios;
      if (wanted && chosen.length !== wanted.length) {
        throw new Error(
          `--scenarios: unknown name in "${o.scenarios}"; known: ${scenarios.map((s) => s.name).join(", ")}`,
        );
      }

      const rows: Row[] = [];
      for (const scenario of chosen) {
        for (const concurrency of concurrencies) {
          // Alternating targets scenario by scenario: both see the same machine load, so their ratio is fair.
          for (const target of targets) {
            const server = servers[target] as ServerProcess;
            await scenario.before?.();
            const result = await measureScenario(server.pid, {
              request: scenario.request(server.url),
              concurrency,
              durationMs,
              warmupMs: scenario.maxRequests ? 0 : warmupMs,
              maxRequests: scenario.maxRequests,
            });
            rows.push({ scenario: scenario.name, target, concurrency, ...result });
            say(scenarioLine(`${target} ${scenario.name}`, concurrency, result));
          }
        }
      }
      const edge = targets.includes("worker")
        ? await measureEdgeCache(scratch.url, films, {
            concurrencies,
            durationMs,
            warmupMs,
            logLevel: o["log-level"],
            say,
          })
        : [];
      const connection = await connectionCost(scratch.url, 100, films[0]);
      const loadAfter = loadavg();
      console.log(
        `\nmarquee bench api: ${durationMs / 1000} s per scenario and target after ${warmupMs / 1000} s warm-up, ` +
          `${cpus().length} CPUs, Node ${process.versions.node}, LOG_LEVEL=${o["log-level"]}, PostgreSQL demo data`,
      );
      console.log(
        `machine load average (1/5/15 min): ${loadBefore.map((v) => v.toFixed(1)).join("/")} at start, ` +
          `${loadAfter.map((v) => v.toFixed(1)).join("/")} at end\n`,
      );
      console.log(sideBySide(rows, targets));
      console.log(`\nwhere the time went (server-reported p50 per request, ms)\n`);
      console.log(split(rows));
      if (edge.length) {
        console.log(`\nedge cache (the Worker with EDGE_CACHE=true, a second wrangler dev)\n`);
        console.log(edgeTable(edge));
        const pings = edge.filter((r) => r.scenario === "ping");
        const ping = pings.reduce((sum, r) => sum + r.p50, 0) / pings.length;
        const hit = edge.find((r) => r.scenario === "detail, edge hit" && r.concurrency === 1);
        if (hit) {
          const over = hit.p50 - ping;
          console.log(
            `${over <= 1 ? "met   " : "MISSED"} edge hit p50 within 1 ms of /ping (concurrency 1): ${fmt(hit.p50, 2)} ms ` +
              `vs ${fmt(ping, 2)} ms, the mean of the /ping p50s before and after (${over >= 0 ? "+" : ""}${fmt(over, 2)} ms)`,
          );
        }
      }
      console.log(
        `\nconnection cost from Node, ${connection.samples} times each (what a Worker pays per request without ` +
          `pooling, minus workerd's socket layer):\n` +
          `  new connection (TCP, startup, SCRAM-SHA-256) + select 1: p50 ${fmt(connection.fresh.p50, 2)} ms, ` +
          `p95 ${fmt(connection.fresh.p95, 2)} ms\n` +
          `  select 1 on an open connection:                         p50 ${fmt(connection.reused.p50, 2)} ms, ` +
          `p95 ${fmt(connection.reused.p95, 2)} ms\n` +
          `the first API query on a new connection (a server process with cold caches, compiling the functions it ` +
          `calls) against the same query on one that has served before:\n` +
          Object.entries(connection.firstQuery)
            .map(
              ([name, q]) =>
                `  ${name.padEnd(7)} new connection p50 ${fmt(q.newConnection.p50, 2)} ms, p95 ${fmt(q.newConnection.p95, 2)} ms; ` +
                `kept p50 ${fmt(q.kept.p50, 2)} ms, p95 ${fmt(q.kept.p95, 2)} ms`,
            )
            .join("\n"),
      );
      if (o.json) {
        const report = {
          suite: "api",
          date: new Date().toISOString(),
          machine: {
            cpus: cpus().length,
            node: process.versions.node,
            loadAverage: { start: loadBefore, end: loadAfter },
          },
          options: { targets, durationMs, warmupMs, concurrencies, logLevel: o["log-level"] },
          results: rows,
          edge,
          connection,
        };
        await writeFile(o.json, `${JSON.stringify(report, null, 2)}\n`);
        console.log(`\nwrote ${o.json}`);
      }
      return rows.some((r) => r.requests === 0) ? 1 : 0;
    } finally {
      for (const server of Object.values(servers)) await server?.stop();
      await scratch.drop();
    }
  },
};

type EdgeRow = LoadResult & { scenario: string; concurrency: number; memoryMiB: number };

/**
 * The Worker with its edge cache on: /ping, then film reads that are all hits (20 films read once beforehand) and
 * reads that are all misses (a parameter no route reads makes every URL a new key: lookup, database, store).
 */
async function measureEdgeCache(
  databaseUrl: string,
  films: number[],
  o: { concurrencies: number[]; durationMs: number; warmupMs: number; logLevel: string; say: (line: string) => void },
): Promise<EdgeRow[]> {
  o.say("starting the Worker with the edge cache on (wrangler dev, workerd)");
  const server = await startWorkerProcess(
    { DATABASE_URL: databaseUrl, JWT_SECRET },
    { LOG_LEVEL: o.logLevel, EDGE_CACHE: "true" },
  );
  const rows: EdgeRow[] = [];
  try {
    const hot = films.slice(0, 20);
    // Every hot film stored, then a few rounds of both paths so a freshly started workerd has compiled them.
    for (let round = 0; round < 5; round++) {
      for (const id of hot) await (await fetch(`${server.url}/v1/movies/${id}`)).arrayBuffer();
      for (let i = 0; i < 20; i++) await (await fetch(`${server.url}/ping`)).arrayBuffer();
    }
    let miss = 0;
    const ping = () => ({ url: `${server.url}/ping` });
    // /ping before and after the hits: the target compares a hit with the same harness's /ping, and a busy
    // machine drifts, so the hits are bracketed.
    const runs: [string, number[], LoadOptions["request"]][] = [
      ["ping", [1], ping],
      ["detail, edge hit", o.concurrencies, (i) => ({ url: `${server.url}/v1/movies/${hot[i % hot.length]}` })],
      ["ping", [1], ping],
      [
        "detail, edge miss",
        o.concurrencies,
        (i) => ({
          url: `${server.url}/v1/movies/${films[i % films.length]}?miss=${Date.now().toString(36)}-${miss++}`,
        }),
      ],
    ];
    for (const [scenario, concurrencies, request] of runs) {
      for (const concurrency of concurrencies) {
        const result = await measureScenario(server.pid, {
          request,
          concurrency,
          durationMs: o.durationMs,
          warmupMs: o.warmupMs,
        });
        rows.push({ scenario, concurrency, ...result });
        o.say(scenarioLine(`worker ${scenario}`, concurrency, result));
      }
    }
  } finally {
    await server.stop();
  }
  return rows;
}

function edgeTable(rows: EdgeRow[]): string {
  const header = ["scenario", "conc", "req/s", "p50", "p95", "p99", "cache p50", "db p50", "outside p50", "errors"];
  const metric = (r: EdgeRow, name: string) => fmt(r.server?.[name]?.p50 ?? Number.NaN, 2);
  return table(
    header,
    rows.map((r) => [
      r.scenario,
      String(r.concurrency),
      fmt(r.rps, 0),
      fmt(r.p50, 2),
      fmt(r.p95, 2),
      fmt(r.p99, 2),
      metric(r, "cache"),
      metric(r, "db"),
      metric(r, "outside"),
      String(r.errors),
    ]),
  );
}

/** The scenarios over the demo data: ids, users and tokens discovered once, from the database itself. */
async function buildScenarios(
  databaseUrl: string,
  any: ServerProcess,
): Promise<{ scenarios: Scenario[]; films: number[] }> {
  const db = openPostgres({ connectionString: databaseUrl, max: 1 });
  const films = (await db.query<{ id: number }>("select id from public.movies where not adult order by id")).map(
    (r) => r.id,
  );
  const users = (
    await db.query<{ id: string }>("select distinct user_id as id from public.ratings order by user_id")
  ).map((r) => r.id);
  if (films.length === 0 || users.length === 0) throw new Error("the demo data did not load: no films or no raters");
  const config = { ...loadConfig({ JWT_SECRET }), JWT_SECRET };
  const tokens = await Promise.all(users.map(async (u) => (await issueToken(config, u)).token));
  const shuffled = [...tokens].sort((a, b) => (a < b ? -1 : 1));
  const random = seededRandom(42);
  const lists = [
    "/v1/movies",
    "/v1/movies?genre=Drama",
    "/v1/movies?genre=Science%20Fiction&sort=rating",
    "/v1/movies?year_from=1990&year_to=1999",
    "/v1/movies?q=star&sort=title",
    "/v1/movies?sort=rating&limit=50",
    "/v1/movies?language=fr",
  ];
  const recs = (list: string[]) => (base: string) => (i: number) => ({
    url: `${base}/v1/recommendations?limit=20`,
    init: { headers: { Authorization: `Bearer ${list[i % list.length]}` } },
  });
  // Cached lists: every user asks once (on the Node server; the store is the database, shared by both targets).
  for (let i = 0; i < tokens.length; i += 8) {
    await Promise.all(
      tokens.slice(i, i + 8).map(async (token) => {
        const res = await fetch(`${any.url}/v1/recommendations?limit=20`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        await res.arrayBuffer();
      }),
    );
  }
  const scenarios: Scenario[] = [
    { name: "ping", request: (base) => () => ({ url: `${base}/ping` }) },
    { name: "list", request: (base) => (i) => ({ url: `${base}${lists[i % lists.length]}` }) },
    {
      name: "detail",
      request: (base) => () => ({ url: `${base}/v1/movies/${films[Math.floor(random() * films.length)]}` }),
    },
    {
      name: "popular",
      request: (base) => (i) => ({ url: `${base}/v1/recommendations/popular?period=${i % 2 ? "all" : "month"}` }),
    },
    {
      name: "search",
      request: (base) => (i) => ({ url: `${base}/v1/search?q=${encodeURIComponent(SEARCHES[i % SEARCHES.length])}` }),
    },
    { name: "recs-cached", request: recs(tokens) },
    {
      name: "recs-computed",
      request: recs(shuffled),
      maxRequests: tokens.length,
      // Every stored list gone: each user's next request computes and stores it, as after a new rating.
      before: () => db.exec("delete from public.recommendation_cache"),
    },
  ];
  return { scenarios, films };
}

/** Scenario rows with each target's figures beside the other's, and the Worker-to-Node p50 ratio. */
function sideBySide(rows: Row[], targets: Target[]): string {
  const keys = [...new Set(rows.map((r) => `${r.scenario}\u0000${r.concurrency}`))];
  const header = ["scenario", "conc"];
  for (const t of targets) header.push(`${t} req/s`, "p50", "p95", "p99", "rss MiB");
  if (targets.length === 2) header.push("p50 ratio", "req/s ratio");
  const body = keys.map((key) => {
    const [scenario, conc] = key.split("\u0000");
    const cells = [scenario, conc];
    const found = targets.map((t) =>
      rows.find((r) => r.scenario === scenario && String(r.concurrency) === conc && r.target === t),
    );
    for (const r of found) {
      if (!r) cells.push("-", "-", "-", "-", "-");
      else cells.push(fmt(r.rps, 0), fmt(r.p50, 2), fmt(r.p95, 2), fmt(r.p99, 2), fmt(r.memoryMiB, 0));
    }
    if (targets.length === 2) {
      const [a, b] = found;
      cells.push(a && b ? `x${fmt(b.p50 / a.p50, 1)}` : "-", a && b ? `x${fmt(b.rps / a.rps, 2)}` : "-");
    }
    return cells;
  });
  return table(header, body);
}

/** Per row: client p50, and the server's own split of a request's time (p50 of each metric). */
function split(rows: Row[]): string {
  const header = ["scenario", "conc", "target", "client", "db", "db-connect", "app", "outside", "errors"];
  const metric = (r: Row, name: string) => fmt(r.server?.[name]?.p50 ?? Number.NaN, 2);
  return table(
    header,
    rows.map((r) => [
      r.scenario,
      String(r.concurrency),
      r.target,
      fmt(r.p50, 2),
      metric(r, "db"),
      metric(r, "db-connect"),
      metric(r, "app"),
      metric(r, "outside"),
      String(r.errors),
    ]),
  );
}

/**
 * Opening a Postgres connection and running one query, against the same query on a connection kept open. Then
 * what a new connection costs beyond opening it: a server process that has just started has empty catalogue
 * caches and compiles each PL/pgSQL function on its first call, so an API query is slower on it than on a
 * connection that has served before (which is what a pool, or Hyperdrive, gives a Worker).
 */
async function connectionCost(url: string, samples: number, filmId: number) {
  const fresh: number[] = [];
  const reused: number[] = [];
  const kept = new pg.Client({ connectionString: url });
  await kept.connect();
  const queries = {
    detail: ["select public.get_movie($1)", [filmId]],
    list: ["select public.list_movies(p_sort => 'popularity', p_descending => true, p_limit => 21)", []],
  } as const;
  const cold: Record<string, number[]> = { detail: [], list: [] };
  const warm: Record<string, number[]> = { detail: [], list: [] };
  try {
    for (let i = 0; i < samples; i++) {
      let started = performance.now();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query("select 1");
      fresh.push(performance.now() - started);
      await client.end();
      started = performance.now();
      await kept.query("select 1");
      reused.push(performance.now() - started);
    }
    for (const [name, [sql, params]] of Object.entries(queries)) {
      await kept.query(sql, [...params]);
      for (let i = 0; i < Math.min(samples, 30); i++) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        let started = performance.now();
        await client.query(sql, [...params]);
        cold[name].push(performance.now() - started);
        await client.end();
        started = performance.now();
        await kept.query(sql, [...params]);
        warm[name].push(performance.now() - started);
      }
    }
  } finally {
    await kept.end();
  }
  const summary = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
  };
  return {
    samples,
    fresh: summary(fresh),
    reused: summary(reused),
    firstQuery: Object.fromEntries(
      Object.keys(queries).map((name) => [name, { newConnection: summary(cold[name]), kept: summary(warm[name]) }]),
    ) as Record<keyof typeof queries, { newConnection: ReturnType<typeof summary>; kept: ReturnType<typeof summary> }>,
  };
}

/**
 * `marquee bench catalog`: GET /v1/movies (a mix of realistic queries) and GET /v1/movies/{id} (random films),
 * and the same for books (GET /v1/books, GET /v1/books/{id}), over real HTTP, at each concurrency, against the Node server running as a separate process (so its memory is
 * its own and the load generator does not share its CPU accounting), on PGlite and on a real PostgreSQL.
 */
import { writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { parseOptions } from "../cli/command";
import { seededRandom } from "../eval/movielens";
import {
  chooseDatabases,
  formatTable,
  measureScenario,
  positiveIntegers,
  type ScenarioRow,
  type ServerProcess,
  scenarioLine,
  withDemoServer,
} from "./harness";
import type { BenchSuite } from "./index";

const OPTIONS = {
  duration: { type: "string", default: "10" },
  warmup: { type: "string", default: "2" },
  concurrency: { type: "string", default: "1,32" },
  db: { type: "string" },
  "database-url": { type: "string" },
  "pool-size": { type: "string" },
  "log-level": { type: "string", default: "info" },
  json: { type: "string" },
  kinds: { type: "string", default: "movie,book" },
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
  --kinds LIST             catalogues to measure, from movie,book (default both; films first)

The server is node/main.ts in a child process with the demo catalogue (1,500 films, ~46k ratings; 2,000 books).
Targets (issue 2): p95 < 10 ms at concurrency 1, and > 1,000 req/s for detail on PostgreSQL.`;

type Endpoint = "list" | "detail" | "book list" | "book detail";
type Row = ScenarioRow & { db: string; endpoint: Endpoint; memoryMiB: number };

async function getJson(url: string): Promise<{ data: { id: number }[]; nextCursor: string | null }> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return res.json() as Promise<{ data: { id: number }[]; nextCursor: string | null }>;
}

/** Every item id of a catalogue, and a cursor about 1,000 items deep in the default order. */
async function discover(url: string, list = "/v1/movies"): Promise<{ ids: number[]; deepCursor: string }> {
  const ids: number[] = [];
  let deepCursor: string | null = null;
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const body = await getJson(`${url}${list}?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
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

/** The same kinds of questions of the book catalogue: first pages, authors, decades, title words, other sorts. */
function bookQueries(deepCursor: string): string[] {
  const queries = [
    "/v1/books",
    "/v1/books?author=Stephen%20King",
    "/v1/books?sort=rating",
    "/v1/books?year_from=1990&year_to=1999",
    "/v1/books?year_from=2000&sort=year",
    "/v1/books?q=the",
    "/v1/books?q=harry&sort=title",
    "/v1/books?sort=rating&limit=50",
    "/v1/books?sort=title",
    "/v1/books?language=es",
    "/v1/books?author=J.R.R.%20Tolkien&sort=year&order=asc",
  ];
  if (deepCursor) queries.push(`/v1/books?cursor=${deepCursor}`);
  return queries;
}

async function measure(
  db: string,
  server: ServerProcess,
  concurrencies: number[],
  durationMs: number,
  warmupMs: number,
  say: (line: string) => void,
  kinds: readonly string[],
): Promise<Row[]> {
  const films = await discover(server.url);
  const queries = listQueries(films.deepCursor);
  say(`  ${films.ids.length} films; ${queries.length} list queries in rotation`);
  const books = kinds.includes("book") ? await discover(server.url, "/v1/books") : { ids: [], deepCursor: "" };
  const shelf = bookQueries(books.deepCursor);
  if (kinds.includes("book")) say(`  ${books.ids.length} books; ${shelf.length} list queries in rotation`);
  const endpoints: Endpoint[] = [
    ...(kinds.includes("movie") ? (["list", "detail"] as const) : []),
    ...(kinds.includes("book") ? (["book list", "book detail"] as const) : []),
  ];
  const rows: Row[] = [];
  for (const endpoint of endpoints) {
    for (const concurrency of concurrencies) {
      const random = seededRandom(42);
      const request =
        endpoint === "list"
          ? (i: number) => ({ url: `${server.url}${queries[i % queries.length]}` })
          : endpoint === "detail"
            ? () => ({ url: `${server.url}/v1/movies/${films.ids[Math.floor(random() * films.ids.length)]}` })
            : endpoint === "book list"
              ? (i: number) => ({ url: `${server.url}${shelf[i % shelf.length]}` })
              : () => ({ url: `${server.url}/v1/books/${books.ids[Math.floor(random() * books.ids.length)]}` });
      const result = await measureScenario(server.pid, { request, concurrency, durationMs, warmupMs });
      const row: Row = { name: `${db} ${endpoint}`, db, endpoint, concurrency, ...result };
      say(scenarioLine(row.name, concurrency, result));
      rows.push(row);
    }
  }
  return rows;
}

const positive = (raw: string, what: string) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what} must be a positive number, got "${raw}"`);
  return n;
};

export const catalogBench: BenchSuite = {
  name: "catalog",
  summary:
    "GET /v1/movies, /v1/movies/{id}, /v1/books and /v1/books/{id} over HTTP against the Node server, on PGlite and PostgreSQL",
  help: HELP,
  async run(args) {
    const o = parseOptions(args, OPTIONS);
    const durationMs = positive(o.duration, "duration") * 1000;
    const warmupMs = Number(o.warmup) * 1000;
    const concurrencies = positiveIntegers(o.concurrency, "concurrency");
    const url = o["database-url"] ?? process.env.DATABASE_URL;
    const databases = chooseDatabases(o.db, url);
    const serverEnv: Record<string, string> = { LOG_LEVEL: o["log-level"] };
    if (o["pool-size"]) serverEnv.DATABASE_POOL_SIZE = String(positiveIntegers(o["pool-size"], "pool-size")[0]);
    const say = (line: string) => console.error(line);
    const kinds = o.kinds.split(",").map((k) => k.trim());
    if (kinds.length === 0 || !kinds.every((k) => k === "movie" || k === "book")) {
      throw new Error("--kinds must list movie and/or book");
    }

    const loadBefore = loadavg()[0];
    const rows: Row[] = [];
    for (const db of databases) {
      rows.push(
        ...(await withDemoServer(
          db,
          url,
          { prefix: "marquee_bench", env: serverEnv, say, serverLines: true },
          (server) => measure(db, server, concurrencies, durationMs, warmupMs, say, kinds),
        )),
      );
    }

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
  const seed = { list: 150, detail: 100, "book list": 150, "book detail": 100 };
  for (const r of rows.filter((x) => x.concurrency > 1)) {
    const limit = seed[r.endpoint];
    out.push(
      `${r.p95 < limit ? "met   " : "MISSED"} ${r.name} p95 < ${limit} ms at concurrency ${r.concurrency} ` +
        `(seed systems' target; ${r.p95.toFixed(2)} ms)`,
    );
  }
  for (const r of rows.filter((x) => x.db === "postgres" && x.endpoint.endsWith("detail") && x.concurrency > 1)) {
    out.push(
      `${r.rps > 1000 ? "met   " : "MISSED"} ${r.name} > 1,000 req/s at concurrency ${r.concurrency} (${r.rps.toFixed(0)})`,
    );
  }
  return out;
}

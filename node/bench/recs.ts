/**
 * `marquee bench recs`: the recommendation engine at MovieLens-1M scale on a real PostgreSQL. Generates the
 * synthetic dataset (node/eval/synthetic.ts), loads it into a fresh database, times the nightly job, then
 * measures over HTTP (the Node server in its own process): personalised recommendations at concurrency 1 and 16,
 * similar films and popular; and, for the same users, the seed approach (user-based Pearson computed on request
 * over the whole ratings table) against ours, as SQL calls at concurrency 1.
 */
import { loadavg } from "node:os";
import { issueToken } from "../../functions/lib/auth/tokens";
import type { RpcArgs } from "../../functions/lib/db/port";
import { openPostgres } from "../../functions/lib/db/postgres";
import { loadConfig, parseOptions } from "../cli/command";
import { formatNightlySummary, progressPrinter } from "../cli/jobs";
import { openFreshDatabase } from "../eval/fresh-database";
import { loadDataset } from "../eval/load";
import { mlUserUuid, seededRandom } from "../eval/movielens";
import { generateSynthetic } from "../eval/synthetic";
import { runNightly } from "../jobs/nightly";
import { formatTable, type MeasuredRow, scenarioRunner, startServerProcess, summarise } from "./harness";
import type { BenchSuite } from "./index";

const JWT_SECRET = "bench-only-secret-0123456789abcdef-0123456789";

const OPTIONS = {
  duration: { type: "string", default: "10" },
  warmup: { type: "string", default: "2" },
  dataset: { type: "string", default: "ml-1m" },
  users: { type: "string" },
  films: { type: "string" },
  ratings: { type: "string" },
  seed: { type: "string", default: "7" },
  "seed-users": { type: "string" },
  "pool-size": { type: "string", default: "16" },
  "log-level": { type: "string", default: "warn" },
  "database-url": { type: "string" },
  keep: { type: "boolean" },
  json: { type: "string" },
  only: { type: "string" },
  reuse: { type: "string" },
  weights: { type: "string" },
} as const;

/** The published shapes of MovieLens 1M and 10M (GroupLens README files), which the synthetic data imitates. */
const DATASETS: Record<string, { users: number; films: number; ratings: number }> = {
  "ml-1m": { users: 6040, films: 3700, ratings: 1_000_000 },
  "ml-10m": { users: 69_878, films: 10_677, ratings: 10_000_054 },
};

const HELP = `options:
  --duration SECONDS   measured time per HTTP scenario (default 10)
  --warmup SECONDS     unmeasured warm-up per scenario (default 2)
  --dataset ml-1m|ml-10m   dataset shape (default ml-1m: 6,040 users, 3,700 films, 1,000,000 ratings;
                       ml-10m: 69,878 users, 10,677 films, 10,000,054 ratings, MovieLens 10M's own counts)
  --users N --films N --ratings N   override one part of that shape
  --seed N             generator seed (default 7)
  --seed-users N       users for the seed-approach comparison (default 20, 5 above 2M ratings; it is slow by design)
  --pool-size N        the server's DATABASE_POOL_SIZE (default 16)
  --log-level LEVEL    the server's LOG_LEVEL (default warn)
  --database-url URL   a PostgreSQL server (default DATABASE_URL; required): a fresh database is created on it
  --keep               keep that database afterwards (its URL is printed)
  --json FILE          also write the results as JSON
  --reuse NAME         measure on a database a --keep run left on that server (same --dataset and --seed):
                       no load and no nightly job; its cached lists and match pairs are emptied first
  --weights LIST       the server's RECOMMENDATION_WEIGHTS (3-5 numbers: collaborative, content, popular, item share,
                       like centre); default unset: the newest fitted blend in the database, else the defaults
                       (0.5, 0.3, 0.2, 0.7). e.g. 0.8,0.2,0,1,3.25 is what marquee tune fitted on ml-latest-small
  --only LIST          run only these HTTP scenario groups: computed, cached, item, similar, catalogue, popular,
                       next (batches through /v1/recommendations/next, matching on and off), session (anonymous)

Personalised recommendations are measured twice: "computed" (each request a user's first, so the list is
computed and stored, as after any new rating) and "cached" (users who asked before and changed nothing since).
Targets (issue 4): personalised p95 <= 15 ms at concurrency 1; >= 300 req/s with p99 < 300 ms at 16;
nightly job <= 120 s.`;

/** A database an earlier --keep run left, opened as openFreshDatabase opens a new one (never dropped). */
function reuseDatabase(databaseUrl: string, name: string) {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`--reuse must be a database name, got "${name}"`);
  const target = new URL(databaseUrl);
  target.pathname = `/${name}`;
  const db = openPostgres({ connectionString: target.toString(), max: 4 });
  return { db, name, url: target.toString(), dispose: async (_options: { keep?: boolean } = {}) => db.close() };
}

export const recsSuite: BenchSuite = {
  name: "recs",
  summary:
    "Recommendations at MovieLens-1M scale on real PostgreSQL: HTTP latency/throughput, nightly job, seed approach",
  help: HELP,
  async run(args) {
    const o = parseOptions(args, OPTIONS);
    const config = loadConfig();
    const databaseUrl = o["database-url"] ?? config.DATABASE_URL;
    if (!databaseUrl) throw new Error("bench recs needs a real PostgreSQL: set DATABASE_URL or --database-url");
    const seconds = (v: string) => Number(v) * 1000;
    const poolSize = Number(o["pool-size"]);

    const preset = DATASETS[o.dataset];
    if (!preset) throw new Error(`--dataset must be one of ${Object.keys(DATASETS).join(", ")}, got "${o.dataset}"`);
    const shape = {
      users: o.users ? Number(o.users) : preset.users,
      films: o.films ? Number(o.films) : preset.films,
      ratings: o.ratings ? Number(o.ratings) : preset.ratings,
    };
    console.log(
      `machine load average (1/5/15 min) at start: ${loadavg()
        .map((v) => v.toFixed(1))
        .join("/")}`,
    );
    let t = performance.now();
    const data = generateSynthetic({ ...shape, seed: Number(o.seed) });
    console.log(
      `generated ${o.dataset}-shaped data: ${data.ratings.length} ratings, ${shape.users} users, ${data.movies.length} films in ${Math.round(performance.now() - t)} ms`,
    );
    // Only the users' ids are needed after the load: drop the generated rating objects (about 900 MiB at ML-10M)
    // before the nightly job, so this process's peak memory during it is the job's own.
    const userIds = [...new Set(data.ratings.map((r) => r.user))];
    const fresh = o.reuse
      ? reuseDatabase(databaseUrl, o.reuse)
      : await openFreshDatabase("marquee_bench_recs", databaseUrl, 4);
    try {
      let nightly: Awaited<ReturnType<typeof runNightly>> | null = null;
      if (o.reuse) {
        await fresh.db.exec("truncate public.recommendation_cache; update public.users set matchable = false");
        console.log(
          `reusing ${fresh.name}: no load, no nightly job; cached lists emptied (the nightly match pairs kept)`,
        );
      } else {
        t = performance.now();
        await loadDataset(fresh.db, data.movies, data.ratings);
        data.ratings.length = 0;
        await fresh.db.exec("vacuum analyze");
        console.log(`loaded into ${fresh.name} in ${Math.round(performance.now() - t)} ms`);
        // The job runs in this process here, so this process's peak resident memory during it is the job's (plus
        // the generated films and the server-to-be's user list, a few MiB: an upper bound).
        let peakMiB = process.memoryUsage().rss / 2 ** 20;
        const sampler = setInterval(() => {
          peakMiB = Math.max(peakMiB, process.memoryUsage().rss / 2 ** 20);
        }, 200);
        // CPU time of this process (the model fitting is all here, the rating model in a worker thread of it;
        // Postgres works in its own processes): on a shared machine wall time is inflated by other load, CPU time
        // much less so. Both are printed.
        const cpu0 = process.cpuUsage();
        const load0 = loadavg()[0];
        nightly = await runNightly(fresh.db, { onStep: progressPrinter() }).finally(() => clearInterval(sampler));
        const cpu = process.cpuUsage(cpu0);
        console.log(formatNightlySummary(nightly));
        console.log(
          `nightly peak resident memory (this process): ${peakMiB.toFixed(0)} MiB; ` +
            `job process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s against ${(nightly.totalMs / 1000).toFixed(1)} s wall; ` +
            `load average ${load0.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end (2 cores)`,
        );
      }

      const random = seededRandom(99);
      const pick = () => userIds[Math.floor(random() * userIds.length)];
      const tokenConfig = { ...loadConfig({ JWT_SECRET }), JWT_SECRET };
      const sample = Array.from({ length: 500 }, pick);
      const tokenFor = async (u: number) => (await issueToken(tokenConfig, mlUserUuid(u))).token;
      const tokens = await Promise.all(sample.map(tokenFor));
      // Every user once, in a shuffled order: requests that must compute the list (nobody asked before).
      const everyone = await Promise.all([...userIds].sort(() => random() - 0.5).map(tokenFor));
      const filmIds = data.movies.slice(0, 1000).map((m) => m.id);

      const server = await startServerProcess(
        {
          DATABASE_URL: fresh.url as string,
          DATABASE_POOL_SIZE: String(poolSize),
          MARQUEE_DEMO: "false",
          JWT_SECRET,
          LOG_LEVEL: o["log-level"],
          SESSION_RATE_LIMIT_PER_MINUTE: "0",
          ...(o.weights ? { RECOMMENDATION_WEIGHTS: o.weights } : {}),
        },
        { readyTimeoutMs: 120_000 },
      );
      console.log(
        `serving weights: ${o.weights ?? "unset (the newest fitted blend in the database, else the defaults)"}`,
      );
      const rows: MeasuredRow[] = [];
      try {
        const scenario = scenarioRunner(
          server,
          { durationMs: seconds(o.duration), warmupMs: seconds(o.warmup) },
          rows,
          console.log,
        );
        const personal =
          (list: string[], offset = 0) =>
          (i: number) => ({
            url: `${server.url}/v1/recommendations?limit=20`,
            init: { headers: { Authorization: `Bearer ${list[(offset + i) % list.length]}` } },
          });
        // Computed: each request is a user's first, so get_recommendations computes and stores the list (a
        // rating or interaction since the last request costs the same). Halves of the shuffled user list, so
        // the two runs share no user.
        const half = Math.floor(everyone.length / 2);
        // Above len(list) requests a run would come back to users whose lists it stored: each pass over the list
        // starts by emptying the cache (awaited by every worker before its next request, outside the timing), so
        // every measured request computes its list, at any rate.
        const computed = (list: string[]) => {
          const passes = new Map<number, Promise<unknown>>();
          return async (i: number) => {
            const pass = Math.floor(i / list.length);
            if (pass > 0) {
              if (!passes.has(pass)) passes.set(pass, fresh.db.query("delete from public.recommendation_cache"));
              await passes.get(pass);
            }
            return personal(list)(i);
          };
        };
        const groups = o.only ? new Set(o.only.split(",").map((g) => g.trim())) : null;
        const runs = (group: string) => groups === null || groups.has(group);
        if (runs("computed")) {
          await scenario("recommendations (hybrid, computed)", 1, computed(everyone.slice(0, half)));
          await scenario("recommendations (hybrid, computed)", 16, computed(everyone.slice(half)));
        }
        // Cached: the 500 sampled users asked before and changed nothing since (the common case).
        let next = 0;
        const warm = async () => {
          while (next < tokens.length) {
            const { url, init } = personal(tokens)(next++);
            await (await fetch(url, init)).arrayBuffer();
          }
        };
        await Promise.all(Array.from({ length: 4 }, warm));
        if (runs("cached")) {
          await scenario("recommendations (hybrid, cached)", 1, personal(tokens));
          await scenario("recommendations (hybrid, cached)", 16, personal(tokens));
        }
        if (runs("item"))
          await scenario("recommendations (item)", 16, (i) => ({
            url: `${server.url}/v1/recommendations?limit=20&strategy=item`,
            init: { headers: { Authorization: `Bearer ${tokens[i % tokens.length]}` } },
          }));
        if (runs("next")) {
          // Batches: every sampled user has opted in to matching, so each batch carries matchedUsers and
          // potentialMatches, from the match candidates the nightly job stored; their first batch (timed, not in the
          // table) stored the list and computed the match evidence of its films (served and still to come), stored
          // on the list's rows. Each request asks for batch 2 of that user's stored list: read, re-ranked, the
          // stored match evidence of its 20 films read under the current key.
          await fresh.db.query("update public.users set matchable = true");
          const cursors: string[] = [];
          let k = 0;
          const firstBatches = async () => {
            while (k < tokens.length) {
              const token = tokens[k++];
              const res = await fetch(`${server.url}/v1/recommendations?limit=20`, {
                headers: { Authorization: `Bearer ${token}` },
              });
              const body = (await res.json()) as { next: string | null };
              if (body.next) cursors.push(`${token} ${body.next}`);
            }
          };
          const t0 = performance.now();
          await Promise.all(Array.from({ length: 4 }, firstBatches));
          console.log(
            `first batches of ${tokens.length} users (lists stored, match pairs read from the nightly table, match evidence computed and stored for each list's films) in ${Math.round(performance.now() - t0)} ms`,
          );
          const nextOf = (i: number) => {
            const [token, cursor] = cursors[i % cursors.length].split(" ");
            return {
              url: `${server.url}/v1/recommendations/next?cursor=${encodeURIComponent(cursor)}`,
              init: { headers: { Authorization: `Bearer ${token}` } },
            };
          };
          await scenario("recommendations next (matching on)", 1, nextOf);
          await scenario("recommendations next (matching on)", 16, nextOf);
          await scenario("recommendations first batch (matching on, cached)", 1, personal(tokens));
          await scenario("recommendations first batch (matching on, cached)", 16, personal(tokens));
          await fresh.db.query("update public.users set matchable = false");
          await scenario("recommendations next (matching off)", 1, nextOf);
          await scenario("recommendations next (matching off)", 16, nextOf);
        }
        if (runs("session")) {
          // Anonymous sessions: five liked films and two ratings drawn from the 1,000 most-rated films.
          const sessionRandom = seededRandom(5);
          const bodies = Array.from({ length: 200 }, () => {
            const draw = () => filmIds[Math.floor(sessionRandom() * 300)];
            return JSON.stringify({
              liked: [...new Set(Array.from({ length: 5 }, draw))],
              ratings: [
                { movieId: filmIds[300 + Math.floor(sessionRandom() * 700)], rating: 4.5 },
                { movieId: filmIds[300 + Math.floor(sessionRandom() * 700)], rating: 2 },
              ],
            });
          });
          const sessionOf = (i: number) => ({
            url: `${server.url}/v1/recommendations/session`,
            init: {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: bodies[i % bodies.length],
            },
          });
          await scenario("session (anonymous)", 1, sessionOf);
          await scenario("session (anonymous)", 16, sessionOf);
        }
        if (runs("similar"))
          await scenario("similar", 16, (i) => ({
            url: `${server.url}/v1/movies/${filmIds[(i * 7919) % filmIds.length]}/similar`,
          }));
        // popular must cost no more than a catalogue page read in the same run (both from views or indexes). With
        // both groups, two rounds in mirrored order (list, popular, trending, then trending, popular, list), so that
        // a drift of the machine's speed during the run (load, a warming server) weighs on every scenario alike; the
        // ratio is of the two rounds' summed requests.
        const catalogueRuns: Array<[string, (i: number) => { url: string }]> = [];
        if (runs("catalogue"))
          catalogueRuns.push([
            "catalogue list",
            (i) => ({ url: `${server.url}/v1/movies?limit=20&sort=${i % 2 ? "popularity" : "rating"}` }),
          ]);
        if (runs("popular")) {
          catalogueRuns.push(["popular (all)", () => ({ url: `${server.url}/v1/recommendations/popular?period=all` })]);
          catalogueRuns.push([
            "popular (week, month)",
            (i) => ({ url: `${server.url}/v1/recommendations/popular?period=${i % 2 ? "week" : "month"}` }),
          ]);
        }
        const mirrored = runs("catalogue") && runs("popular");
        const served = new Map<string, number>();
        for (const [round, order] of (mirrored
          ? [catalogueRuns, [...catalogueRuns].reverse()]
          : [catalogueRuns]
        ).entries()) {
          for (const [name, request] of order) {
            const row = await scenario(mirrored ? `${name} (round ${round + 1})` : name, 16, request);
            served.set(name, (served.get(name) ?? 0) + row.requests);
          }
        }
        if (mirrored) {
          const list = served.get("catalogue list") ?? 0;
          for (const name of ["popular (all)", "popular (week, month)"]) {
            const n = served.get(name) ?? 0;
            console.log(`  ${name} against the catalogue list, both rounds: ${(n / list).toFixed(2)}x the requests`);
          }
        }
      } finally {
        await server.stop();
      }
      console.log(`\n${formatTable(rows)}`);

      // The seed approach vs ours, same users, SQL calls at concurrency 1. It reads every rating of every film the
      // user rated, on request: at ML-10M about ten times the rows per call of ML-1M, so fewer users by default.
      const seedCount = Number(o["seed-users"] ?? (shape.ratings > 2_000_000 ? 5 : 20));
      if (o["seed-users"] === undefined && seedCount < 20) {
        console.log(
          `\nseed approach: ${seedCount} users, not 20 (${shape.ratings} ratings: each call scans the ratings of every film the user rated; --seed-users N to change)`,
        );
      }
      const seedUsers = sample.slice(0, seedCount).map(mlUserUuid);
      const time = async <F extends "get_recommendations_live" | "recommend_user_cf">(
        fn: F,
        args: (u: string) => RpcArgs<F>,
      ) => {
        const ms: number[] = [];
        const started = performance.now();
        for (const u of seedUsers) {
          const s = performance.now();
          await fresh.db.rpc(fn, args(u));
          ms.push(performance.now() - s);
        }
        return summarise(ms, 0, performance.now() - started);
      };
      // get_recommendations_live: the computation itself, never the per-user cache (these users were served above).
      const oursCf = await time("get_recommendations_live", (u) => ({ p_user_id: u, p_strategy: "cf", p_limit: 20 }));
      const oursHybrid = await time("get_recommendations_live", (u) => ({ p_user_id: u, p_limit: 20 }));
      const seed = await time("recommend_user_cf", (u) => ({ p_user_id: u, p_limit: 20, p_live: true }));
      const f = (v: number) => v.toFixed(1).padStart(9);
      console.log(`\nseed approach vs ours (${seedUsers.length} users, SQL, concurrency 1)`);
      console.log(`approach                                  p50 ms    p95 ms   mean ms`);
      console.log(`seed: Pearson on request (whole table) ${f(seed.p50)} ${f(seed.p95)} ${f(seed.mean)}`);
      console.log(`ours: cf from nightly neighbours       ${f(oursCf.p50)} ${f(oursCf.p95)} ${f(oursCf.mean)}`);
      console.log(
        `ours: hybrid (all four sources)        ${f(oursHybrid.p50)} ${f(oursHybrid.p95)} ${f(oursHybrid.mean)}`,
      );
      console.log(
        `seed / ours (cf): x${(seed.mean / oursCf.mean).toFixed(1)} mean, x${(seed.p95 / oursCf.p95).toFixed(1)} p95; ` +
          `seed / ours (hybrid): x${(seed.mean / oursHybrid.mean).toFixed(1)} mean`,
      );
      if (nightly) console.log(`nightly job: ${(nightly.totalMs / 1000).toFixed(1)} s (target <= 120 s)`);
      if (o.json) {
        const { writeFile } = await import("node:fs/promises");
        await writeFile(o.json, `${JSON.stringify({ nightly, http: rows, seed, oursCf, oursHybrid }, null, 2)}\n`);
      }
      return 0;
    } finally {
      await fresh.dispose({ keep: o.keep || Boolean(o.reuse) });
      if (o.keep) console.log(`kept ${fresh.url}`);
    }
  },
};

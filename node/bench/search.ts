/**
 * `marquee bench search`: semantic search on a real PostgreSQL at 10,000 and 100,000 films with synthetic,
 * clustered 384-d vectors (match_movies latency p50/p95/p99 with and without a genre filter, HNSW recall@10
 * against exact search at the ef_search match_movies sets, index build time), then TMDB sync and embedding
 * backfill throughput against the local fake TMDB.
 */

import { openPostgres } from "../../functions/lib/db/postgres";
import { LocalEmbedder } from "../../functions/lib/embed/local";
import { TmdbClient } from "../../functions/lib/tmdb/client";
import { parseOptions } from "../cli/command";
import { migrate } from "../db/migrate";
import { startFakeTmdb, syntheticCatalogue } from "../fakes/tmdb-server";
import { backfillEmbeddings } from "../jobs/backfill-embeddings";
import { syncTmdb } from "../jobs/tmdb-sync";
import type { BenchSuite } from ".";
import { fmt, residentMiB, scratchDatabase, summarise, table } from "./harness";

const SCRATCH = "marquee_bench_search";

export const searchBench: BenchSuite = {
  name: "search",
  summary: "Semantic search latency and HNSW recall at 10k/100k films (real PostgreSQL); sync and backfill throughput",
  help: [
    "options:",
    "  --scales 10000,100000  catalogue sizes (synthetic clustered vectors)",
    "  --queries N            queries per scale (default 300)",
    "  --sync-films N         films for the sync/backfill throughput runs (default 2000)",
    "",
    "Needs DATABASE_URL (a real PostgreSQL with pgvector): it creates and drops a scratch database",
    `${SCRATCH} on that server. Figures are printed, never asserted.`,
  ].join("\n"),
  async run(args) {
    const o = parseOptions(args, {
      scales: { type: "string", default: "10000,100000" },
      queries: { type: "string", default: "300" },
      "sync-films": { type: "string", default: "2000" },
    });
    const url = process.env.DATABASE_URL;
    if (!url) {
      console.error("marquee bench search: set DATABASE_URL to a PostgreSQL server with pgvector");
      return 2;
    }
    const scratch = await scratchDatabase(url, SCRATCH);
    const db = openPostgres({ connectionString: scratch.url, max: 4 });
    try {
      await migrate(db);
      const searchRows: string[][] = [];
      for (const n of o.scales.split(",").map(Number)) {
        searchRows.push(...(await benchScale(db, n, Number(o.queries))));
      }
      console.log(
        table(
          ["scenario", "films", "queries", "p50 ms", "p95 ms", "p99 ms", "qps", "recall@10", "index build s"],
          searchRows,
        ),
      );
      const [ef] = await db.query<{ config: string[] }>(
        "select proconfig as config from pg_proc where oid = 'public.match_movies'::regproc",
      );
      console.log(
        `HNSW (m 16, ef_construction 64) searched at ${ef?.config.find((c) => c.startsWith("hnsw.ef_search")) ?? "the default ef_search"} (match_movies' own setting); ` +
          "recall@10 against exact search on the same queries; qps only where no exact search runs in the loop",
      );
      console.log("");
      console.log(await benchJobs(db, Number(o["sync-films"])));
      console.log(`\nrss ${fmt(await residentMiB(), 0)} MiB (bench process)`);
      return 0;
    } finally {
      await db.close();
      await scratch.drop();
    }
  },
};

async function benchScale(db: ReturnType<typeof openPostgres>, n: number, queries: number): Promise<string[][]> {
  await db.exec("truncate public.movies cascade");
  await db.query("select public.set_embedding_index(false)");
  // 300 topic centres; each film is a centre plus noise, so neighbourhoods exist as they do for real films.
  await db.exec(`
    create temp table if not exists centres (c integer primary key, v real[]);
    truncate centres;
    insert into centres select c, (select array_agg((random() - 0.5)::real) from generate_series(1, 384) where c >= 0)
    from generate_series(0, 299) c;
  `);
  await db.query(
    `insert into public.movies (id, title, genres, release_year, original_language, popularity, embedding, embedding_model)
     select i, 'Film ' || i, array[(array['Drama','Comedy','Action','Thriller','Horror','Romance'])[1 + i % 6]],
            1950 + i % 75, 'en', random() * 100,
            l2_normalize((select array_agg(x.v[d] + (random() - 0.5)::real * 0.6 + 0 * i) from generate_series(1, 384) d)::vector),
            'bench'
     from generate_series(1, $1) i
     join centres x on x.c = i % 300`,
    [n],
  );
  const built = performance.now();
  await db.query("select public.set_embedding_index(true)");
  const buildSeconds = (performance.now() - built) / 1000;
  await db.exec("analyze public.movies");

  const qs = await db.query<{ q: string }>(
    `select l2_normalize((select array_agg(x.v[d] + (random() - 0.5)::real * 0.6 + 0 * k) from generate_series(1, 384) d)::vector)::text as q
     from generate_series(1, $1) k join centres x on x.c = (k * 7) % 300`,
    [queries],
  );
  const rows: string[][] = [];
  // Hybrid: the same vectors with a title query as well (lexical, typo and title retrievals run beside the HNSW one).
  // "film" starts every title (the worst case: all n films are title matches), "film 12" names a few, "flim" is a
  // typo, "drama" and "the night" match no title (the typo and meaning retrievals answer).
  const words = ["film", "film 12", "flim", "drama", "the night"];
  const byWord = new Map<string, number[]>(words.map((w) => [w, []]));
  for (const [genre, hybrid] of [
    [undefined, false],
    ["Comedy", false],
    [undefined, true],
  ] as const) {
    const latencies: number[] = [];
    let recall = 0;
    const started = performance.now();
    for (const [k, { q }] of qs.entries()) {
      const t = performance.now();
      const hits = await db.rpc("match_movies", {
        p_embedding: q,
        p_title: hybrid ? words[k % words.length] : undefined,
        p_genre: genre,
        p_model: "bench",
        p_threshold: -1,
        p_limit: 10,
      });
      latencies.push(performance.now() - t);
      if (hybrid) byWord.get(words[k % words.length])?.push(performance.now() - t);
      if (genre === undefined && !hybrid) {
        const exact = await db.transaction(async (tx) => {
          await tx.exec("set local enable_indexscan = off; set local enable_bitmapscan = off");
          return tx.query<{ id: number }>(
            "select id from public.movies where not adult order by embedding <=> $1::vector limit 10",
            [q],
          );
        });
        const truth = new Set(exact.map((r) => r.id));
        recall += hits.filter((h) => truth.has(Number(h.movie?.id))).length / 10;
      }
    }
    const latency = summarise(latencies, 0, performance.now() - started);
    rows.push([
      hybrid ? "match_movies hybrid (title + vector)" : genre ? `match_movies genre=${genre}` : "match_movies",
      String(n),
      String(qs.length),
      fmt(latency.p50, 2),
      fmt(latency.p95, 2),
      fmt(latency.p99, 2),
      genre || hybrid ? fmt(latency.rps, 0) : "-",
      genre || hybrid ? "-" : fmt(recall / qs.length, 3),
      fmt(buildSeconds, 1),
    ]);
  }
  for (const [word, ms] of byWord) {
    const latency = summarise(ms, 0, 1);
    rows.push([
      `  hybrid q="${word}"`,
      String(n),
      String(ms.length),
      fmt(latency.p50, 2),
      fmt(latency.p95, 2),
      fmt(latency.p99, 2),
      "-",
      "-",
      "",
    ]);
  }
  return rows;
}

async function benchJobs(db: ReturnType<typeof openPostgres>, films: number): Promise<string> {
  await db.exec("truncate public.movies cascade; truncate public.tmdb_sync_queue, public.tmdb_sync_runs cascade");
  const rows: string[][] = [];
  const catalogue = syntheticCatalogue(films);
  const fake = await startFakeTmdb(catalogue, { pageSize: 20 });
  try {
    for (const [label, rps, limit] of [
      ["sync tmdb, polite (40 req/s)", 40, Math.min(films, 400)],
      ["sync tmdb, unthrottled (pipeline capacity)", 5000, films],
    ] as const) {
      await db.exec("truncate public.movies cascade");
      const client = new TmdbClient({ baseUrl: fake.url, token: "test-token", requestsPerSecond: rps });
      const t = performance.now();
      const [s] = await syncTmdb(db, client, { mode: "initial", limit }, { concurrency: 8, maxFailureRate: 0 });
      const seconds = (performance.now() - t) / 1000;
      rows.push([label, String(s.inserted), fmt(seconds, 1), fmt(s.inserted / seconds, 0), String(s.requests)]);
    }
  } finally {
    await fake.close();
  }
  for (const bulk of [false, true]) {
    await db.exec("update public.movies set embedding = null, embedding_model = null, content_hash = null");
    const t = performance.now();
    const s = await backfillEmbeddings(db, new LocalEmbedder(), {
      batchSize: 200,
      bulkThreshold: bulk ? 1 : undefined,
    });
    const seconds = (performance.now() - t) / 1000;
    rows.push([
      `backfill embeddings, local${bulk ? ", --bulk" : ""}`,
      String(s.embedded),
      fmt(seconds, 1),
      fmt(s.embedded / seconds, 0),
      "-",
    ]);
  }
  return table(["job", "films", "seconds", "films/s", "requests"], rows);
}

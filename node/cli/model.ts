/**
 * `marquee model load`: load externally trained weights (EASE or item-item weights from Spark, factors of a
 * rating model) into the serving tables, in one transaction, instead of the nightly job's own training.
 *
 * Formats (CSV with a header line; see README "Model files"):
 *   --similarities FILE   movie_id,neighbour_id,weight[,support]
 *                         a film's kept neighbours with their weight; replaces movie_similarities;
 *   --factors FILE        kind,id,bias,factors
 *                         one `mean` row (id empty, bias = μ), then `user` rows (id = user uuid) and `film` rows
 *                         (id = film id) with b_u / b_i and p_u / q_i as space-separated numbers, all of one
 *                         length; replaces rating_model, rating_model_users and rating_model_films.
 * Rows naming users or films the database does not hold are skipped and counted. The load is recorded as a
 * nightly run (so every cached recommendation list is recomputed) carrying the previous run's calibration.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { SqlExecutor } from "../../functions/lib/db/port";
import { type Command, loadConfig, openJobDatabase, parseOptions } from "./command";

const CHUNK = 20_000;

async function* csvRows(file: string, expected: string[]): AsyncGenerator<string[]> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let header = true;
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    const cells = line.split(",").map((c) => c.trim());
    if (header) {
      header = false;
      if (expected.some((name, k) => cells[k] !== name))
        throw new Error(`${file}: the header must start with ${expected.join(",")} (got ${line})`);
      continue;
    }
    if (cells.length < expected.length) throw new Error(`${file}:${n}: expected ${expected.length} fields`);
    yield cells;
  }
}

export async function loadSimilarities(tx: SqlExecutor, file: string): Promise<{ rows: number; skipped: number }> {
  await tx.query("delete from public.movie_similarities");
  // The stored item candidates were summed over the replaced weights: item CF is computed live until the next
  // nightly run stores them again.
  await tx.query("delete from public.user_item_candidates");
  let rows = 0;
  let skipped = 0;
  let batch: string[][] = [];
  const flush = async () => {
    if (!batch.length) return;
    const [r] = await tx.query<{ n: number }>(
      `with ins as (
         insert into public.movie_similarities (movie_id, neighbour_id, similarity, support)
         select x.m, x.n, x.w, coalesce(x.s, 0)
         from unnest($1::int[], $2::int[], $3::real[], $4::int[]) as x(m, n, w, s)
         where exists (select 1 from public.movies a where a.id = x.m)
           and exists (select 1 from public.movies b where b.id = x.n) and x.m <> x.n
         on conflict do nothing
         returning 1)
       select count(*)::int as n from ins`,
      [
        batch.map((c) => Number(c[0])),
        batch.map((c) => Number(c[1])),
        batch.map((c) => Number(c[2])),
        batch.map((c) => (c[3] ? Number(c[3]) : null)),
      ],
    );
    rows += Number(r.n);
    skipped += batch.length - Number(r.n);
    batch = [];
  };
  for await (const cells of csvRows(file, ["movie_id", "neighbour_id", "weight"])) {
    if (![cells[0], cells[1], cells[2]].every((v) => Number.isFinite(Number(v)) && v !== ""))
      throw new Error(`${file}: not a number in ${cells.join(",")}`);
    batch.push(cells);
    if (batch.length >= CHUNK) await flush();
  }
  await flush();
  return { rows, skipped };
}

export async function loadFactors(
  tx: SqlExecutor,
  file: string,
): Promise<{ users: number; films: number; skipped: number }> {
  await tx.query("delete from public.rating_model_users");
  await tx.query("delete from public.rating_model_films");
  await tx.query("delete from public.rating_model");
  let mean: number | null = null;
  let length: number | null = null;
  const out = { users: 0, films: 0, skipped: 0 };
  let users: string[][] = [];
  let films: string[][] = [];
  const flush = async () => {
    for (const [kind, list] of [
      ["user", users],
      ["film", films],
    ] as const) {
      if (!list.length) continue;
      const sql =
        kind === "user"
          ? `with ins as (insert into public.rating_model_users (user_id, bias, factors)
               select x.i::uuid, x.b, string_to_array(x.f, ' ')::real[] from unnest($1::text[], $2::real[], $3::text[]) as x(i, b, f)
               where exists (select 1 from public.users u where u.id::text = x.i) returning 1)
             select count(*)::int as n from ins`
          : `with ins as (insert into public.rating_model_films (movie_id, bias, factors)
               select x.i::int, x.b, string_to_array(x.f, ' ')::real[] from unnest($1::text[], $2::real[], $3::text[]) as x(i, b, f)
               where exists (select 1 from public.movies m where m.id::text = x.i) returning 1)
             select count(*)::int as n from ins`;
      const [r] = await tx.query<{ n: number }>(sql, [
        list.map((c) => c[1]),
        list.map((c) => Number(c[2])),
        list.map((c) => c[3]),
      ]);
      out[kind === "user" ? "users" : "films"] += Number(r.n);
      out.skipped += list.length - Number(r.n);
    }
    users = [];
    films = [];
  };
  for await (const cells of csvRows(file, ["kind", "id", "bias", "factors"])) {
    const [kind] = cells;
    if (kind === "mean") {
      mean = Number(cells[2]);
      continue;
    }
    const factors = cells[3].split(/\s+/).filter(Boolean);
    if (length === null) length = factors.length;
    if (
      factors.length !== length ||
      !factors.every((v) => Number.isFinite(Number(v))) ||
      !Number.isFinite(Number(cells[2]))
    )
      throw new Error(`${file}: ${kind} ${cells[1]}: expected a bias and ${length} numbers`);
    cells[3] = factors.join(" ");
    if (kind === "user") users.push(cells);
    else if (kind === "film") films.push(cells);
    else throw new Error(`${file}: kind must be mean, user or film (got ${kind})`);
    if (users.length + films.length >= CHUNK) await flush();
  }
  await flush();
  if (mean === null || !Number.isFinite(mean))
    throw new Error(`${file}: a "mean" row with the global mean is required`);
  await tx.query(
    `insert into public.rating_model (global_mean, factors, penalty, epochs, ratings) values ($1, $2, 0, 0, 0)`,
    [mean, length ?? 0],
  );
  return out;
}

export const modelLoadCommand: Command = {
  name: "model load",
  summary: "Load externally trained item-item weights and/or rating-model factors into the serving tables",
  usage: "[--similarities FILE] [--factors FILE]",
  help: [
    "options:",
    "  --similarities FILE  CSV movie_id,neighbour_id,weight[,support]: replaces movie_similarities",
    "  --factors FILE       CSV kind,id,bias,factors (mean / user / film rows): replaces the rating model",
    "",
    "Uses DATABASE_URL. One transaction. The nightly job retrains and replaces both tables on its next run:",
    "pause nightly.yml while serving loaded weights.",
  ].join("\n"),
  async run(args) {
    const o = parseOptions(args, { similarities: { type: "string" }, factors: { type: "string" } });
    if (!o.similarities && !o.factors) throw new Error("give --similarities FILE and/or --factors FILE");
    const db = await openJobDatabase(loadConfig());
    try {
      const started = new Date();
      const summary: Record<string, unknown> = { loaded: true };
      await db.transaction(async (tx) => {
        if (o.similarities) summary.similarities = await loadSimilarities(tx, o.similarities);
        if (o.factors) summary.factors = await loadFactors(tx, o.factors);
        const [last] = await tx.query<{ t: number | null }>(
          "select (summary ->> 'contentThreshold')::real as t from public.recommendation_job_runs where job = 'nightly' order by id desc limit 1",
        );
        summary.contentThreshold = last?.t ?? null;
        await tx.query(
          "insert into public.recommendation_job_runs (job, started_at, duration_ms, summary) values ('nightly', $1, $2, $3::jsonb)",
          [started.toISOString(), Date.now() - started.getTime(), JSON.stringify(summary)],
        );
        await tx.query("delete from public.recommendation_cache");
      });
      console.log(JSON.stringify(summary));
      return 0;
    } finally {
      await db.close();
    }
  },
};

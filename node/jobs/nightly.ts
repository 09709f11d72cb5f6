/**
 * The nightly recomputation: user neighbours (user_similarities), film neighbours (movie_similarities), the
 * materialised views (movie_rating_stats, movie_features) and expired cached neighbours. Safe to re-run: each
 * neighbour table is replaced in one transaction (readers keep seeing the previous night's rows until commit).
 * Runtime-neutral: it needs only a SqlDatabase (PGlite or Postgres).
 */
import type { SqlDatabase, SqlExecutor } from "../../functions/lib/db/port";
import {
  filmNeighbours,
  type ImplicitTriples,
  type NeighbourList,
  type RatingTriples,
  userNeighbours,
} from "../../functions/lib/recommend/neighbours";

export interface NightlyOptions {
  /** Neighbours kept per user. */
  userK?: number;
  /** Neighbours kept per film. */
  filmK?: number;
  /** Film similarity shrinkage (support / (support + shrinkage)). */
  shrinkage?: number;
  /** Rows per insert statement. */
  chunk?: number;
  onStep?: (step: NightlyStep, done: number, total: number) => void;
}

export type NightlyStep = "load" | "users" | "films" | "write" | "views" | "cache";

export interface NightlySummary {
  ratings: number;
  interactions: number;
  users: number;
  films: number;
  userPairs: number;
  filmPairs: number;
  usersWithNeighbours: number;
  filmsWithNeighbours: number;
  cacheRowsDeleted: number;
  timings: Record<NightlyStep, number>;
  totalMs: number;
}

interface Loaded {
  triples: RatingTriples;
  implicit: ImplicitTriples;
  userIds: string[];
  filmIds: number[];
}

async function load(db: SqlExecutor): Promise<Loaded> {
  const userIndex = new Map<string, number>();
  const filmIndex = new Map<number, number>();
  const userIds: string[] = [];
  const filmIds: number[] = [];
  const u = (id: string) => {
    let i = userIndex.get(id);
    if (i === undefined) {
      i = userIds.length;
      userIndex.set(id, i);
      userIds.push(id);
    }
    return i;
  };
  const f = (id: number) => {
    let i = filmIndex.get(id);
    if (i === undefined) {
      i = filmIds.length;
      filmIndex.set(id, i);
      filmIds.push(id);
    }
    return i;
  };
  // One row per user with array columns: far fewer row objects than one per rating.
  const grouped = await db.query<{ u: string; m: number[]; r: number[] }>(
    `select user_id::text as u, array_agg(movie_id order by movie_id) as m,
            array_agg(rating::float4 order by movie_id) as r
     from public.ratings group by user_id order by user_id`,
  );
  let count = 0;
  for (const row of grouped) count += row.m.length;
  const user = new Int32Array(count);
  const film = new Int32Array(count);
  const rating = new Float32Array(count);
  let at = 0;
  for (const row of grouped) {
    const ui = u(row.u);
    for (let k = 0; k < row.m.length; k++) {
      user[at] = ui;
      film[at] = f(Number(row.m[k]));
      rating[at] = Number(row.r[k]);
      at++;
    }
  }
  const positive = await db.query<{ u: string; m: number; w: number }>(
    `select t.user_id::text as u, t.movie_id as m, sum(t.weight)::float4 as w
     from (select distinct i.user_id, i.movie_id, i.type, sw.weight
           from public.interactions i join public.signal_weights sw on sw.type = i.type
           where i.movie_id is not null and sw.weight > 0) t
     group by t.user_id, t.movie_id`,
  );
  const implicit: ImplicitTriples = {
    user: new Int32Array(positive.length),
    film: new Int32Array(positive.length),
    weight: new Float32Array(positive.length),
  };
  positive.forEach((row, k) => {
    implicit.user[k] = u(row.u);
    implicit.film[k] = f(Number(row.m));
    implicit.weight[k] = Number(row.w);
  });
  return {
    triples: { user, film, rating, users: userIds.length, films: filmIds.length },
    implicit,
    userIds,
    filmIds,
  };
}

function rowsOf(list: NeighbourList): number {
  let n = 0;
  for (let r = 0; r + 1 < list.offsets.length; r++) if (list.offsets[r + 1] > list.offsets[r]) n++;
  return n;
}

/** Each user's mean rating, by dense index. */
function userMeans(data: RatingTriples): Float64Array {
  const sum = new Float64Array(data.users);
  const count = new Int32Array(data.users);
  for (let k = 0; k < data.user.length; k++) {
    sum[data.user[k]] += data.rating[k];
    count[data.user[k]]++;
  }
  return sum.map((s, u) => (count[u] ? s / count[u] : 0));
}

async function writeUsers(
  tx: SqlExecutor,
  list: NeighbourList,
  ids: string[],
  means: Float64Array,
  chunk: number,
  tick: () => void,
) {
  await tx.query("delete from public.user_similarities");
  const total = list.neighbour.length;
  const owner = new Array<string>(total);
  for (let r = 0; r + 1 < list.offsets.length; r++) {
    for (let k = list.offsets[r]; k < list.offsets[r + 1]; k++) owner[k] = ids[r];
  }
  for (let start = 0; start < total; start += chunk) {
    const end = Math.min(total, start + chunk);
    await tx.query(
      `insert into public.user_similarities (user_id, neighbour_id, similarity, correlation, common_count, neighbour_mean)
       select * from unnest($1::uuid[], $2::uuid[], $3::real[], $4::real[], $5::int[], $6::real[])`,
      [
        owner.slice(start, end),
        Array.from(list.neighbour.subarray(start, end), (n) => ids[n]),
        Array.from(list.similarity.subarray(start, end)),
        Array.from(list.raw.subarray(start, end)),
        Array.from(list.support.subarray(start, end)),
        Array.from(list.neighbour.subarray(start, end), (n) => means[n]),
      ],
    );
    tick();
  }
}

async function writeFilms(tx: SqlExecutor, list: NeighbourList, ids: number[], chunk: number, tick: () => void) {
  await tx.query("delete from public.movie_similarities");
  const total = list.neighbour.length;
  const owner = new Int32Array(total);
  for (let r = 0; r + 1 < list.offsets.length; r++) {
    for (let k = list.offsets[r]; k < list.offsets[r + 1]; k++) owner[k] = ids[r];
  }
  for (let start = 0; start < total; start += chunk) {
    const end = Math.min(total, start + chunk);
    await tx.query(
      `insert into public.movie_similarities (movie_id, neighbour_id, similarity, support)
       select * from unnest($1::int[], $2::int[], $3::real[], $4::int[])`,
      [
        Array.from(owner.subarray(start, end)),
        Array.from(list.neighbour.subarray(start, end), (n) => ids[n]),
        Array.from(list.similarity.subarray(start, end)),
        Array.from(list.support.subarray(start, end)),
      ],
    );
    tick();
  }
}

/** Runs every nightly step; throws on the first failure (the CLI exits non-zero). */
export async function runNightly(db: SqlDatabase, options: NightlyOptions = {}): Promise<NightlySummary> {
  const started = performance.now();
  const startedAt = new Date();
  const chunk = options.chunk ?? 20_000;
  const step = options.onStep ?? (() => {});
  const timings = { load: 0, users: 0, films: 0, write: 0, views: 0, cache: 0 } as Record<NightlyStep, number>;
  const timed = async <T>(name: NightlyStep, fn: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    const result = await fn();
    timings[name] = Math.round(performance.now() - t);
    return result;
  };

  step("load", 0, 1);
  const data = await timed("load", () => load(db));
  step("load", 1, 1);
  const users = await timed("users", () =>
    userNeighbours(data.triples, { k: options.userK, onProgress: (d, t) => step("users", d, t) }),
  );
  const films = await timed("films", () =>
    filmNeighbours(data.triples, data.implicit, {
      k: options.filmK,
      shrinkage: options.shrinkage,
      onProgress: (d, t) => step("films", d, t),
    }),
  );
  const chunks = Math.ceil(users.neighbour.length / chunk) + Math.ceil(films.neighbour.length / chunk);
  let written = 0;
  const tick = () => step("write", ++written, chunks);
  await timed("write", () =>
    db.transaction(async (tx) => {
      await writeUsers(tx, users, data.userIds, userMeans(data.triples), chunk, tick);
      await writeFilms(tx, films, data.filmIds, chunk, tick);
    }),
  );
  await timed("views", async () => {
    const views = [
      "movie_rating_stats",
      "movie_features",
      "movie_baselines",
      "movie_trending_stats",
      "catalogue_language_shares",
    ];
    for (const [k, view] of views.entries()) {
      step("views", k, views.length);
      await db.exec(`refresh materialized view concurrently public.${view}`);
    }
    // Fresh statistics and visibility maps: the serving plans depend on both (index-only scans, join choice).
    await db.exec("vacuum analyze public.user_similarities, public.movie_similarities, public.ratings");
    step("views", views.length, views.length);
  });
  const deleted = await timed("cache", async () => {
    const rows = await db.query<{ n: number }>(
      `with gone as (
         delete from public.user_neighbour_cache c
         where c.expires_at <= now() or exists (select 1 from public.user_similarities s where s.user_id = c.user_id)
         returning 1
       ) select count(*)::int as n from gone`,
    );
    // Every cached list was computed from the neighbour tables just replaced (its fingerprint names the previous
    // run): drop them now rather than let them wait for the user's next request.
    const lists = await db.query<{ n: number }>(
      "with gone as (delete from public.recommendation_cache returning 1) select count(*)::int as n from gone",
    );
    step("cache", 1, 1);
    return Number(rows[0]?.n ?? 0) + Number(lists[0]?.n ?? 0);
  });

  const summary: NightlySummary = {
    ratings: data.triples.user.length,
    interactions: data.implicit.user.length,
    users: data.triples.users,
    films: data.triples.films,
    userPairs: users.neighbour.length,
    filmPairs: films.neighbour.length,
    usersWithNeighbours: rowsOf(users),
    filmsWithNeighbours: rowsOf(films),
    cacheRowsDeleted: deleted,
    timings,
    totalMs: Math.round(performance.now() - started),
  };
  await db.query(
    `insert into public.recommendation_job_runs (job, started_at, duration_ms, summary)
     values ('nightly', $1, $2, $3::jsonb)`,
    [startedAt.toISOString(), summary.totalMs, JSON.stringify(summary)],
  );
  return summary;
}

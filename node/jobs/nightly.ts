/**
 * The nightly recomputation: user neighbours (user_similarities), film neighbours (movie_similarities), the
 * materialised views (movie_rating_stats, movie_features) and expired cached neighbours. Safe to re-run: each
 * neighbour table is replaced in one transaction (readers keep seeing the previous night's rows until commit).
 * Runtime-neutral: it needs only a SqlDatabase (PGlite or Postgres).
 */

import { Worker } from "node:worker_threads";
import type { SqlDatabase, SqlExecutor } from "../../functions/lib/db/port";
import { type CfCandidates, cfCandidateScorer } from "../../functions/lib/recommend/cf-candidates";
import { type EaseNeighbours, easeNeighbours } from "../../functions/lib/recommend/ease";
import { itemCandidateScorer, type UserCandidates } from "../../functions/lib/recommend/item-candidates";
import {
  type MatchCandidates,
  type MatchSettings,
  matchCandidates,
  matchSignals,
} from "../../functions/lib/recommend/match-pairs";
import {
  filmNeighbours,
  type ImplicitTriples,
  type NeighbourList,
  type RatingTriples,
  userNeighbours,
} from "../../functions/lib/recommend/neighbours";
import { fitRatingModel, type RatingModel, type RatingModelOptions } from "../../functions/lib/recommend/rating-model";
import { refreshBookNeighbours } from "./book-neighbours";

export interface NightlyOptions {
  /** Neighbours kept per user. */
  userK?: number;
  /** Neighbours kept per film. */
  filmK?: number;
  /** Film similarity shrinkage (support / (support + shrinkage)). */
  shrinkage?: number;
  /**
   * Film neighbours: "ease" (the default) stores EASE weights for the `easeFilms` most-watched films and cosine
   * rows, rescaled to EASE's magnitude, for the rest; "cosine" stores cosine rows only.
   */
  filmModel?: "ease" | "cosine";
  easeFilms?: number;
  easeLambda?: number;
  /**
   * EASE weights kept per film, the largest in magnitude (default 500). Pruning costs accuracy: on ml-latest-small
   * (split 0.8, seed 42, 2,500 films, in process) the 300 largest positive weights gave P@10 0.221, the 300
   * largest in magnitude 0.225 and 500 of them 0.229. Each kept weight is a row a request may read (a user's
   * signals × k), so k is the serving cost too.
   */
  easeK?: number;
  /** The rating model behind predict_ratings (biased MF); false skips it. */
  ratingModel?: RatingModelOptions | false;
  /**
   * Fit the rating model in a worker thread while the neighbour tables and EASE are computed (default true); false
   * runs every step on the calling thread, one after another.
   */
  parallel?: boolean;
  /** Rows per insert statement. */
  chunk?: number;
  /** Item candidates kept per user in user_item_candidates (default ITEM_CANDIDATE_DEPTH, 300). */
  candidateDepth?: number;
  /**
   * Taste matching (user_match_candidates): the settings the edge serves with (MATCH_THRESHOLD, MATCH_MIN_OVERLAP,
   * MATCH_SHRINKAGE; a request with other settings computes its user's pairs itself) and the matched and near
   * users kept per user (MATCH_CANDIDATES). Defaults 0.8, 5, 2, 100.
   */
  match?: Partial<MatchSettings>;
  onStep?: (step: NightlyStep, done: number, total: number) => void;
}

export type NightlyStep =
  | "load"
  | "users"
  | "films"
  | "model"
  | "ratings"
  | "candidates"
  | "matches"
  | "cf"
  | "write"
  | "views"
  | "books"
  | "cache";

export interface NightlySummary {
  ratings: number;
  interactions: number;
  users: number;
  films: number;
  userPairs: number;
  filmPairs: number;
  usersWithNeighbours: number;
  filmsWithNeighbours: number;
  /** The film model written to movie_similarities. */
  model: { kind: "ease" | "cosine"; films: number; lambda: number | null; cosineScale: number | null };
  /** The rating model: settings chosen on its validation split and the RMSE there (null when skipped). */
  ratingModel: {
    factors: number;
    penalty: number;
    epochs: number;
    validationRmse: number;
    baselineRmse: number;
  } | null;
  cacheRowsDeleted: number;
  /** Users given item candidates (user_item_candidates) and the depth kept per user. */
  candidateRows: number;
  candidateDepth: number;
  /** Users given user-CF votes (user_cf_candidates), at the same depth. */
  cfCandidateRows: number;
  /** Taste-matching candidates: the settings, users given candidates, and the matched and near pairs stored. */
  matches: MatchSettings & { users: number; matchedPairs: number; nearPairs: number; exact: boolean };
  /** Co-reading rows written (book_neighbours) and film-to-book rows (film_book_neighbours). */
  bookPairs: number;
  filmBookPairs: number;
  /**
   * The embedding cosine a content reason needs (recommend_content reads it from the newest run): the 95th
   * percentile of the cosine between pairs of up to 400 catalogue films with embeddings; null without embeddings.
   */
  contentThreshold: number | null;
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

/** Replaces the rating model tables (empty when the model was skipped, so predict_ratings falls back to CF). */
async function writeRatingModel(tx: SqlExecutor, model: RatingModel | null, data: Loaded, chunk: number) {
  await tx.query("delete from public.rating_model_users");
  await tx.query("delete from public.rating_model_films");
  await tx.query("delete from public.rating_model");
  if (!model) return;
  const f = model.factors;
  const vector = (m: Float32Array, row: number) => `{${Array.from(m.subarray(row * f, row * f + f)).join(",")}}`;
  await tx.query(
    `insert into public.rating_model (global_mean, factors, penalty, epochs, validation_rmse, baseline_rmse, ratings)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      model.mean,
      f,
      model.penalty,
      model.epochs,
      Number.isFinite(model.validationRmse) ? model.validationRmse : null,
      Number.isFinite(model.baselineRmse) ? model.baselineRmse : null,
      data.triples.user.length,
    ],
  );
  const rows = Math.max(1, Math.floor(chunk / Math.max(f, 1)));
  for (let s = 0; s < data.userIds.length; s += rows) {
    const end = Math.min(data.userIds.length, s + rows);
    const idx = Array.from({ length: end - s }, (_, k) => s + k);
    await tx.query(
      `insert into public.rating_model_users (user_id, bias, factors)
       select u, b, f::real[] from unnest($1::uuid[], $2::real[], $3::text[]) as x(u, b, f)`,
      [
        idx.map((k) => data.userIds[k]),
        idx.map((k) => model.userBias[k]),
        idx.map((k) => vector(model.userFactors, k)),
      ],
    );
  }
  for (let s = 0; s < data.filmIds.length; s += rows) {
    const end = Math.min(data.filmIds.length, s + rows);
    const idx = Array.from({ length: end - s }, (_, k) => s + k);
    await tx.query(
      `insert into public.rating_model_films (movie_id, bias, factors)
       select m, b, f::real[] from unnest($1::int[], $2::real[], $3::text[]) as x(m, b, f)
       where exists (select 1 from public.movies mv where mv.id = x.m)`,
      [
        idx.map((k) => data.filmIds[k]),
        idx.map((k) => model.filmBias[k]),
        idx.map((k) => vector(model.filmFactors, k)),
      ],
    );
  }
}

/** Every (user, film) the user rated or gave a positive interaction, by dense index (duplicates allowed). */
function interactionsOf(data: Loaded): { user: Int32Array; film: Int32Array } {
  const n = data.triples.user.length;
  const m = data.implicit.user.length;
  const user = new Int32Array(n + m);
  const film = new Int32Array(n + m);
  user.set(data.triples.user);
  film.set(data.triples.film);
  user.set(data.implicit.user, n);
  film.set(data.implicit.film, n);
  return { user, film };
}

/**
 * The rows movie_similarities gets: EASE weights for the modelled films; cosine rows for the others, multiplied by
 * the ratio of the mean best EASE weight to the mean best cosine score over the modelled films, so that a film
 * outside the model does not outweigh the modelled ones in a user's sum only because cosine runs on a larger scale.
 */
function mergeFilmRows(cosine: NeighbourList, ease: EaseNeighbours): { list: NeighbourList; scale: number } {
  const films = cosine.offsets.length - 1;
  const modelRow = new Int32Array(films).fill(-1);
  ease.filmOf.forEach((f, m) => {
    modelRow[f] = m;
  });
  let easeTop = 0;
  let cosineTop = 0;
  let pairs = 0;
  for (let m = 0; m < ease.filmOf.length; m++) {
    const f = ease.filmOf[m];
    if (ease.offsets[m + 1] > ease.offsets[m] && cosine.offsets[f + 1] > cosine.offsets[f]) {
      easeTop += ease.weight[ease.offsets[m]];
      cosineTop += cosine.similarity[cosine.offsets[f]];
      pairs++;
    }
  }
  const scale = pairs && cosineTop > 0 ? easeTop / cosineTop : 1;
  const offsets = new Int32Array(films + 1);
  for (let f = 0; f < films; f++) {
    const m = modelRow[f];
    offsets[f + 1] =
      offsets[f] + (m >= 0 ? ease.offsets[m + 1] - ease.offsets[m] : cosine.offsets[f + 1] - cosine.offsets[f]);
  }
  const total = offsets[films];
  const list: NeighbourList = {
    offsets,
    neighbour: new Int32Array(total),
    similarity: new Float32Array(total),
    raw: new Float32Array(total),
    support: new Int32Array(total),
  };
  for (let f = 0; f < films; f++) {
    const m = modelRow[f];
    let at = offsets[f];
    if (m >= 0) {
      for (let k = ease.offsets[m]; k < ease.offsets[m + 1]; k++, at++) {
        list.neighbour[at] = ease.neighbour[k];
        list.similarity[at] = ease.weight[k];
        list.raw[at] = ease.weight[k];
        list.support[at] = ease.support[k];
      }
    } else {
      for (let k = cosine.offsets[f]; k < cosine.offsets[f + 1]; k++, at++) {
        list.neighbour[at] = cosine.neighbour[k];
        list.similarity[at] = cosine.similarity[k] * scale;
        list.raw[at] = cosine.raw[k];
        list.support[at] = cosine.support[k];
      }
    }
  }
  return { list, scale };
}

/** EASE's L2 penalty when neither the options nor a fitted blend give one. */
export const DEFAULT_EASE_LAMBDA = 250;

/** The EASE λ of the newest blend `marquee tune` fitted with one (null when none was). */
export async function fittedEaseLambda(db: SqlExecutor): Promise<number | null> {
  const [row] = await db.query<{ lambda: number | null }>(
    `select ease_lambda::float8 as lambda from public.recommendation_blend
     where ease_lambda is not null order by id desc limit 1`,
  );
  return row?.lambda === null || row?.lambda === undefined ? null : Number(row.lambda);
}

/** Candidates kept per user: the hybrid asks each source for 200, and live exclusions need some slack. */
export const ITEM_CANDIDATE_DEPTH = 300;

interface StoredCandidates {
  user: string;
  signalIds: number[];
  signalWeights: number[];
  candidates: UserCandidates;
}

/**
 * Every user's item candidates over the film rows about to be written (user_item_candidates): the signals are read
 * once, set-based (user_signal_snapshot), and scored in memory. Films the user has rated are left out (recommend_items
 * reads the stored row only when rated films are excluded); other signalled films stay, for the request's exclusions.
 */
async function itemCandidates(
  db: SqlExecutor,
  list: NeighbourList,
  data: Loaded,
  depth: number,
): Promise<StoredCandidates[]> {
  const snapshot = await db.query<{ u: string; m: number[]; w: number[] }>(
    "select user_id::text as u, movie_ids as m, weights as w from public.user_signal_snapshot()",
  );
  const filmIndex = new Map<number, number>();
  for (const [k, id] of data.filmIds.entries()) filmIndex.set(id, k);
  const userIndex = new Map<string, number>();
  for (const [k, id] of data.userIds.entries()) userIndex.set(id, k);
  // The ratings are grouped by user (load reads them per user): each user's rated films, as a range.
  const from = new Int32Array(data.triples.users + 1).fill(-1);
  const to = new Int32Array(data.triples.users + 1);
  for (let k = 0; k < data.triples.user.length; k++) {
    const u = data.triples.user[k];
    if (from[u] < 0) from[u] = k;
    to[u] = k + 1;
  }
  const score = itemCandidateScorer(list, data.filmIds, depth);
  const skip = new Uint8Array(data.filmIds.length);
  const out: StoredCandidates[] = [];
  for (const row of snapshot) {
    const films = new Int32Array(row.m.length);
    const weights = new Float32Array(row.m.length);
    row.m.forEach((id, k) => {
      films[k] = filmIndex.get(Number(id)) ?? -1;
      weights[k] = Number(row.w[k]);
    });
    const u = userIndex.get(row.u);
    if (u !== undefined && from[u] >= 0) for (let k = from[u]; k < to[u]; k++) skip[data.triples.film[k]] = 1;
    const candidates = score({ films, weights }, skip);
    if (u !== undefined && from[u] >= 0) for (let k = from[u]; k < to[u]; k++) skip[data.triples.film[k]] = 0;
    if (candidates.films.length > 0) {
      out.push({ user: row.u, signalIds: row.m.map(Number), signalWeights: row.w.map(Number), candidates });
    }
  }
  return out;
}

/**
 * Every user's user-CF votes over the neighbour rows about to be written (user_cf_candidates; cf-candidates.ts),
 * leaving out the films the user had rated, as recommend_user_cf's stored path expects.
 */
function cfCandidates(users: NeighbourList, data: Loaded, means: Float64Array, depth: number) {
  const score = cfCandidateScorer(data.triples, users, means, data.filmIds, depth);
  const skip = new Uint8Array(data.triples.films);
  const out: { user: number; votes: CfCandidates }[] = [];
  let at = 0;
  for (let u = 0; u < data.triples.users; u++) {
    if (users.offsets[u + 1] === users.offsets[u]) continue;
    // The ratings are grouped by user: u's own are the next run of the triples.
    while (at < data.triples.user.length && data.triples.user[at] < u) at++;
    let end = at;
    while (end < data.triples.user.length && data.triples.user[end] === u) skip[data.triples.film[end++]] = 1;
    const votes = score(u, skip);
    for (let k = at; k < end; k++) skip[data.triples.film[k]] = 0;
    if (votes.films.length > 0) out.push({ user: u, votes });
  }
  return out;
}

/** Replaces user_cf_candidates, a few hundred users per statement (arrays as text literals). */
async function writeCfCandidates(tx: SqlExecutor, rows: { user: number; votes: CfCandidates }[], data: Loaded) {
  await tx.query("delete from public.user_cf_candidates");
  const literal = (values: ArrayLike<number>) => `{${Array.from(values).join(",")}}`;
  const per = 250;
  for (let s = 0; s < rows.length; s += per) {
    const part = rows.slice(s, s + per);
    await tx.query(
      `insert into public.user_cf_candidates (user_id, total_similarity, complete, movie_ids, neighbour_counts,
         weighted, deviations, similarity_sums, absolute_sums, mean_correlations, mean_ratings)
       select u, t, c0, m::int[], n::int[], w::real[], d::real[], s::real[], a::real[], c::real[], r::real[]
       from unnest($1::uuid[], $2::real[], $3::boolean[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::text[], $11::text[]) as x(u, t, c0, m, n, w, d, s, a, c, r)
       where exists (select 1 from public.users usr where usr.id = x.u)`,
      [
        part.map((r) => data.userIds[r.user]),
        part.map((r) => r.votes.totalSimilarity),
        part.map((r) => r.votes.complete),
        part.map((r) => literal(Array.from(r.votes.films, (f) => data.filmIds[f]))),
        part.map((r) => literal(r.votes.count)),
        part.map((r) => literal(r.votes.weighted)),
        part.map((r) => literal(r.votes.deviations)),
        part.map((r) => literal(r.votes.similarity)),
        part.map((r) => literal(r.votes.absolute)),
        part.map((r) => literal(r.votes.correlation)),
        part.map((r) => literal(r.votes.meanRating)),
      ],
    );
  }
}

/** Replaces user_item_candidates, a few hundred users per statement (arrays as text literals). */
async function writeItemCandidates(tx: SqlExecutor, rows: StoredCandidates[], filmIds: number[]) {
  await tx.query("delete from public.user_item_candidates");
  const literal = (values: ArrayLike<number>, map?: (v: number) => number | null) =>
    `{${Array.from(values, (v) => {
      const x = map ? map(v) : v;
      return x === null ? "NULL" : String(x);
    }).join(",")}}`;
  const per = 250;
  for (let s = 0; s < rows.length; s += per) {
    const part = rows.slice(s, s + per);
    await tx.query(
      `insert into public.user_item_candidates (user_id, signal_ids, signal_weights, movie_ids, scores, because_ids)
       select u, si::int[], sw::real[], m::int[], sc::real[], b::int[]
       from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) as x(u, si, sw, m, sc, b)
       where exists (select 1 from public.users usr where usr.id = x.u)`,
      [
        part.map((r) => r.user),
        part.map((r) => literal(r.signalIds)),
        part.map((r) => literal(r.signalWeights)),
        part.map((r) => literal(r.candidates.films, (f) => filmIds[f])),
        part.map((r) => literal(r.candidates.scores)),
        part.map((r) => literal(r.candidates.because, (f) => (f < 0 ? null : filmIds[f]))),
      ],
    );
  }
}

export const MATCH_DEFAULTS: MatchSettings = { threshold: 0.8, minOverlap: 5, shrinkage: 2, depth: 100 };

interface StoredMatches {
  users: { id: string; fingerprint: string; movieIds: number[]; values: number[] }[];
  pairs: MatchCandidates;
}

/**
 * Every user's taste-matching candidates (user_match_candidates): the signal values read once, set-based
 * (match_signal_snapshot, the same definition user_matches reads live), compared in memory (match-pairs.ts).
 */
async function matchPairs(
  db: SqlExecutor,
  settings: MatchSettings,
  onProgress?: (done: number, total: number) => void,
): Promise<StoredMatches> {
  const snapshot = await db.query<{ user_id: string; fingerprint: string; movie_ids: number[]; values: number[] }>(
    'select user_id::text, fingerprint, movie_ids, "values" from public.match_signal_snapshot()',
  );
  const users = snapshot.map((r) => ({
    id: r.user_id,
    fingerprint: r.fingerprint,
    movieIds: r.movie_ids.map(Number),
    values: r.values.map(Number),
  }));
  const filmIndex = new Map<number, number>();
  for (const u of users) for (const m of u.movieIds) if (!filmIndex.has(m)) filmIndex.set(m, filmIndex.size);
  const signals = matchSignals(users, (m) => filmIndex.get(m) ?? 0, filmIndex.size);
  const ids = users.map((u) => u.id);
  const pairs = matchCandidates(signals, settings, (a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0), {
    onProgress,
  });
  return { users, pairs };
}

/** Replaces user_match_candidates, a few hundred users per statement (arrays as text literals). */
async function writeMatchPairs(tx: SqlExecutor, stored: StoredMatches, settings: MatchSettings) {
  await tx.query("delete from public.user_match_candidates");
  const { users, pairs } = stored;
  const slice = (r: number) => [pairs.offsets[r], pairs.offsets[r + 1]] as const;
  const literal = (values: ArrayLike<number | string>) => `{${Array.from(values, String).join(",")}}`;
  const per = 250;
  for (let s = 0; s < users.length; s += per) {
    const part = users.slice(s, s + per).map((u, k) => ({ u, r: s + k }));
    await tx.query(
      `insert into public.user_match_candidates
         (user_id, source, fingerprint, threshold, min_overlap, shrinkage, depth, signal_ids, signal_values,
          other_ids, shared_counts, agreed_counts, diff_sums)
       select u, 'nightly', f, $9, $10, $11, $12, si::int[], sv::real[], o::uuid[], n::int[], a::int[], d::real[]
       from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         as x(u, f, si, sv, o, n, a, d)
       where exists (select 1 from public.users usr where usr.id = x.u)`,
      [
        part.map(({ u }) => u.id),
        part.map(({ u }) => u.fingerprint),
        part.map(({ u }) => literal(u.movieIds)),
        part.map(({ u }) => literal(u.values)),
        part.map(({ r }) => literal(Array.from(pairs.other.subarray(...slice(r)), (v) => users[v].id))),
        part.map(({ r }) => literal(pairs.shared.subarray(...slice(r)))),
        part.map(({ r }) => literal(pairs.agreed.subarray(...slice(r)))),
        part.map(({ r }) => literal(pairs.diffSum.subarray(...slice(r)))),
        settings.threshold,
        settings.minOverlap,
        settings.shrinkage,
        settings.depth,
      ],
    );
  }
}

/**
 * The match-candidates step alone (what runNightly does for user_match_candidates), for tests and operators: reads
 * the signals, computes, replaces the table in one transaction.
 */
export async function refreshMatchCandidates(
  db: SqlDatabase,
  settings: Partial<MatchSettings> = {},
): Promise<{ users: number; pairs: number }> {
  const full = { ...MATCH_DEFAULTS, ...settings };
  const stored = await matchPairs(db, full);
  await db.transaction((tx) => writeMatchPairs(tx, stored, full));
  return { users: stored.users.length, pairs: stored.pairs.other.length };
}

/**
 * fitRatingModel in a worker thread. The worker loads the TypeScript module through tsx's loader, registered in the
 * worker itself, so it runs the same whether the job was started by the CLI, a test runner or plain node with tsx.
 */
function fitRatingModelInWorker(
  data: RatingTriples,
  options: RatingModelOptions,
): Promise<{ model: RatingModel; ms: number }> {
  const script = new URL("./rating-model-worker.ts", import.meta.url).href;
  const worker = new Worker(
    `import { register } from "tsx/esm/api"; register(); await import(${JSON.stringify(script)});`,
    { eval: true, workerData: { data, options } },
  );
  return new Promise((resolve, reject) => {
    worker.once("message", (result: { model: RatingModel; ms: number }) => resolve(result));
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`rating model worker exited with code ${code}`));
    });
  });
}

/** Runs every nightly step; throws on the first failure (the CLI exits non-zero). */
export async function runNightly(db: SqlDatabase, options: NightlyOptions = {}): Promise<NightlySummary> {
  const started = performance.now();
  const startedAt = new Date();
  const chunk = options.chunk ?? 20_000;
  const step = options.onStep ?? (() => {});
  const timings = {
    load: 0,
    users: 0,
    films: 0,
    model: 0,
    ratings: 0,
    candidates: 0,
    matches: 0,
    cf: 0,
    write: 0,
    views: 0,
    books: 0,
    cache: 0,
  } as Record<NightlyStep, number>;
  const timed = async <T>(name: NightlyStep, fn: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    const result = await fn();
    timings[name] = Math.round(performance.now() - t);
    return result;
  };

  step("load", 0, 1);
  const data = await timed("load", () => load(db));
  step("load", 1, 1);
  // The rating model needs only the ratings: with `parallel` it trains in a worker from here on, beside the steps
  // below (its own time is reported; the steps then sum to more than the total).
  const wantRatingModel = options.ratingModel !== false && data.triples.user.length > 0;
  const ratingModelInWorker =
    wantRatingModel && options.parallel !== false
      ? fitRatingModelInWorker(data.triples, options.ratingModel || {})
      : null;
  // An unhandled rejection before the await below would crash the process; the await rethrows it.
  ratingModelInWorker?.catch(() => {});
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
  const kind = options.filmModel ?? "ease";
  // λ: the option, else the one `marquee tune` fitted on a validation split (recommendation_blend), else 250.
  const easeLambda = options.easeLambda ?? (await fittedEaseLambda(db)) ?? DEFAULT_EASE_LAMBDA;
  const model = await timed("model", () => {
    if (kind !== "ease") return null;
    const { user, film } = interactionsOf(data);
    return easeNeighbours(data.triples.users, data.triples.films, user, film, {
      films: options.easeFilms,
      lambda: easeLambda,
      k: options.easeK ?? 500,
      onProgress: (d, t) => step("model", d, t),
    });
  });
  const merged = model ? mergeFilmRows(films, model) : { list: films, scale: null };
  // Item candidates, match candidates and user-CF votes need no rating model: they run while the worker still
  // trains it.
  const filmRows = merged.list;
  const candidateDepth = options.candidateDepth ?? ITEM_CANDIDATE_DEPTH;
  const candidates = await timed("candidates", () => itemCandidates(db, filmRows, data, candidateDepth));
  step("candidates", 1, 1);
  const matchSettings: MatchSettings = { ...MATCH_DEFAULTS, ...options.match };
  const matches = await timed("matches", () => matchPairs(db, matchSettings, (d, t) => step("matches", d, t)));
  step("matches", 1, 1);
  const means = userMeans(data.triples);
  const cfRows = await timed("cf", () => cfCandidates(users, data, means, candidateDepth));
  step("cf", 1, 1);
  // The tables that need no rating model are written while the worker may still train it, in the transaction that
  // then writes the model and commits: readers see every table of one run or of the previous one. "write" is the
  // time spent writing; the wait for the model is the "ratings" step's.
  const chunks = Math.ceil(users.neighbour.length / chunk) + Math.ceil(filmRows.neighbour.length / chunk);
  let written = 0;
  const tick = () => step("write", ++written, chunks);
  let waitedMs = 0;
  const ratingModel = await timed("write", () =>
    db.transaction(async (tx) => {
      await writeUsers(tx, users, data.userIds, means, chunk, tick);
      await writeFilms(tx, filmRows, data.filmIds, chunk, tick);
      await writeItemCandidates(tx, candidates, data.filmIds);
      await writeCfCandidates(tx, cfRows, data);
      await writeMatchPairs(tx, matches, matchSettings);
      step("ratings", 0, 1);
      const waited = performance.now();
      let fitted: RatingModel | null = null;
      if (ratingModelInWorker) {
        const result = await ratingModelInWorker;
        fitted = result.model;
        timings.ratings = result.ms;
      } else if (wantRatingModel) {
        fitted = fitRatingModel(data.triples, options.ratingModel || {});
        timings.ratings = Math.round(performance.now() - waited);
      }
      waitedMs = performance.now() - waited;
      step("ratings", 1, 1);
      await writeRatingModel(tx, fitted, data, chunk);
      return fitted;
    }),
  );
  timings.write = Math.round(timings.write - waitedMs);
  let contentThreshold: number | null = null;
  await timed("views", async () => {
    const views = [
      "movie_rating_stats",
      "movie_features",
      "movie_baselines",
      "movie_trending_stats",
      // After the two it reads.
      "movie_popularity",
      "catalogue_language_shares",
    ];
    for (const [k, view] of views.entries()) {
      step("views", k, views.length);
      await db.exec(`refresh materialized view concurrently public.${view}`);
    }
    // Films are drawn by a hash of their id, so the sample (and the threshold) is stable from run to run.
    const [calibration] = await db.query<{ t: number | null }>(
      `with s as (
         select m.id, m.embedding from public.movies m
         where m.embedding is not null and not m.adult order by md5(m.id::text) limit 400
       )
       select percentile_cont(0.95) within group (order by 1 - (a.embedding <=> b.embedding))::real as t
       from s a join s b on a.id < b.id`,
    );
    contentThreshold = calibration?.t === null || calibration?.t === undefined ? null : Number(calibration.t);
    // Fresh statistics and visibility maps: the serving plans depend on both (index-only scans, join choice).
    await db.exec("vacuum analyze public.user_similarities, public.movie_similarities, public.ratings");
    step("views", views.length, views.length);
  });
  // Co-reading for book recommendations (in memory, book-neighbours.ts), independent of the film steps above.
  const bookPairs = await timed("books", async () => {
    step("books", 0, 1);
    const summary = await refreshBookNeighbours(db);
    step("books", 1, 1);
    return { books: summary.bookPairs, films: summary.filmPairs };
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
    filmPairs: filmRows.neighbour.length,
    usersWithNeighbours: rowsOf(users),
    filmsWithNeighbours: rowsOf(filmRows),
    model: {
      kind,
      films: model?.filmOf.length ?? 0,
      lambda: model?.lambda ?? null,
      cosineScale: merged.scale,
    },
    ratingModel: ratingModel && {
      factors: ratingModel.factors,
      penalty: ratingModel.penalty,
      epochs: ratingModel.epochs,
      validationRmse: ratingModel.validationRmse,
      baselineRmse: ratingModel.baselineRmse,
    },
    cacheRowsDeleted: deleted,
    candidateRows: candidates.length,
    candidateDepth,
    cfCandidateRows: cfRows.length,
    matches: {
      ...matchSettings,
      users: matches.users.length,
      matchedPairs: matches.pairs.matched.reduce((a, b) => a + b, 0),
      nearPairs: matches.pairs.other.length - matches.pairs.matched.reduce((a, b) => a + b, 0),
      exact: matches.pairs.exact,
    },
    bookPairs: bookPairs.books,
    filmBookPairs: bookPairs.films,
    contentThreshold,
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

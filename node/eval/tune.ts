/**
 * Fits the hybrid's blend on a validation split carved from a database's own ratings (never a test split):
 *   1. each rating goes to validation with probability `share` (seeded);
 *   2. the films, genres, users and the remaining ratings are copied into a fresh database, and the nightly job
 *      runs there;
 *   3. for each validation user (up to `users`), one recommend_hybrid call with every source on returns every
 *      source's candidates with their per-source normalised scores;
 *   4. every weight vector of a grid (the simplex in steps of 0.1 over collaborative, content and popularity,
 *      times item shares 0, 0.25, 0.5, 0.75, 1, times like centres off, 3, 3.25, 3.5, 3.75, 4) is blended in
 *      process exactly as recommend_hybrid blends, and scored by NDCG@k against the held-out ratings of at least
 *      `relevant` stars;
 *   5. the best vector and what it reached are stored in recommendation_blend of the source database, which the
 *      API then serves. The grid holds every single source alone, so on validation the blend never loses to its
 *      best source.
 * Before step 2's nightly run, EASE's L2 penalty λ is fitted too: dense EASE over the films the nightly job models
 * is trained in process on the validation split's training ratings for each λ of a grid and scored by NDCG@k on
 * the same validation users; the best λ serves the nightly run of step 2, is stored with the blend, and the
 * nightly job reads it from there (`marquee jobs nightly`'s own runs, until the next fit).
 */
import type { SqlDatabase } from "../../functions/lib/db/port";
import { DEFAULT_EASE_LAMBDA, type NightlyOptions, runNightly } from "../jobs/nightly";
import { buildBaselines } from "./baselines";
import { openFreshDatabase } from "./fresh-database";
import { rankingScores } from "./metrics";
import { seededRandom } from "./movielens";

export interface TuneOptions {
  share: number;
  seed: number;
  /** Validation users scored (a seeded sample when there are more). */
  users: number;
  k: number;
  relevant: number;
  /** Postgres server for the scratch database (null: in-memory PGlite). */
  databaseUrl?: string;
  nightly?: NightlyOptions;
  /** EASE λ values tried (default EASE_LAMBDAS); empty: keep the nightly job's λ. */
  lambdas?: readonly number[];
  /** Store the result in the source database (false: only report it). */
  store: boolean;
  onProgress?: (label: string, done: number, total: number) => void;
}

/** {collaborative, content, popular, item share, like centre (0 = off)}, as get_recommendations takes them. */
export type BlendWeights = [number, number, number, number, number];

export interface BlendCandidate {
  weights: BlendWeights;
  ndcg: number;
  precision: number;
}

export interface TuneResult {
  best: BlendCandidate;
  /** The single sources alone, for the report. */
  singles: Record<string, BlendCandidate>;
  candidates: BlendCandidate[];
  /** The fitted EASE λ and every λ tried, with what it reached on validation (null: not fitted). */
  ease: {
    lambda: number;
    films: number;
    /** The λ kept unless another is clearly better, and the winner's margin over it in standard errors. */
    incumbent: number;
    margin: number;
    tried: { lambda: number; ndcg: number; precision: number }[];
  } | null;
  validation: { seed: number; share: number; users: number; ratings: number; trainRatings: number };
  ms: number;
}

interface SourceScores {
  id: number;
  item: number | null;
  cf: number | null;
  content: number | null;
  popular: number | null;
  /** The rating model's predicted stars (null: no model yet). */
  stars?: number | null;
}

/**
 * EASE λ values tried. Steck (2019) reports the best λ from a few hundred (ML-20M: 500) up, growing with the data;
 * the grid spans that range on a log scale.
 */
export const EASE_LAMBDAS = [50, 100, 250, 500, 1000];

/** The EASE films the nightly job models by default (nightly.ts's easeNeighbours default). */
const NIGHTLY_EASE_FILMS = 2500;

/**
 * Which λ to keep, from each λ's per-user validation NDCG (the same users, in the same order): the best mean, but
 * only when it beats the incumbent (the nightly job's default) by more than two standard errors of the paired
 * per-user differences; else the incumbent. Adjacent λ values differ by a fraction of a percent on a few hundred
 * users, well inside the noise (one user's NDCG@10 varies by about 0.2), and picking such a winner made the test
 * split worse (ml-latest-small, seed 43: λ 100 over 250 by 0.0002 on validation, hybrid P@10 0.2274 -> 0.2197).
 */
export function chooseLambda(perUser: Map<number, number[]>, incumbent: number): { lambda: number; margin: number } {
  const base = perUser.get(incumbent);
  if (!base) throw new Error(`the incumbent λ ${incumbent} must be among those tried`);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(v.length, 1);
  let best = { lambda: incumbent, margin: 0 };
  let bestMean = mean(base);
  for (const [lambda, scores] of perUser) {
    if (lambda === incumbent) continue;
    const diff = scores.map((x, k) => x - base[k]);
    const d = mean(diff);
    const variance = diff.reduce((a, x) => a + (x - d) ** 2, 0) / Math.max(diff.length - 1, 1);
    const se = Math.sqrt(variance / Math.max(diff.length, 1));
    const m = mean(scores);
    if (d > 2 * se && m > bestMean) {
      best = { lambda, margin: se > 0 ? d / se : Number.POSITIVE_INFINITY };
      bestMean = m;
    }
  }
  return best;
}

/**
 * Fits EASE's λ on the validation split: dense EASE over the `films` most-watched training films (as the nightly
 * job selects them), one model per λ, each validation user's top k scored by NDCG@k (then P@k) against their
 * held-out ratings of at least the relevant stars; chooseLambda keeps the incumbent unless another λ is clearly
 * better.
 */
export function fitEaseLambda(
  train: readonly { u: string; m: number }[],
  users: readonly string[],
  relevantByUser: Map<string, Set<number>>,
  options: {
    k: number;
    films: number;
    lambdas: readonly number[];
    incumbent?: number;
    onProgress?: (done: number, total: number) => void;
  },
): NonNullable<TuneResult["ease"]> {
  const incumbent = options.incumbent ?? DEFAULT_EASE_LAMBDA;
  const lambdas = options.lambdas.includes(incumbent) ? options.lambdas : [...options.lambdas, incumbent];
  const index = new Map<string, number>();
  const ratings = train.map((r) => {
    let u = index.get(r.u);
    if (u === undefined) {
      u = index.size;
      index.set(r.u, u);
    }
    return { user: u, movie: Number(r.m), rating: 1, time: 0 };
  });
  const scored = users.filter((u) => index.has(u));
  const tried: { lambda: number; ndcg: number; precision: number }[] = [];
  const perUser = new Map<number, number[]>();
  let films = 0;
  for (const [k, lambda] of lambdas.entries()) {
    const ranker = buildBaselines(ratings, { easeFilms: options.films, lambda });
    films = ranker.easeFilms;
    const ndcgs: number[] = [];
    let precision = 0;
    for (const u of scored) {
      const s = rankingScores(
        ranker.rank("ease", index.get(u) ?? -1, options.k),
        relevantByUser.get(u) ?? new Set(),
        options.k,
      );
      ndcgs.push(s.ndcg);
      precision += s.precision;
    }
    perUser.set(lambda, ndcgs);
    const n = Math.max(scored.length, 1);
    tried.push({ lambda, ndcg: ndcgs.reduce((a, b) => a + b, 0) / n, precision: precision / n });
    options.onProgress?.(k + 1, lambdas.length);
  }
  const chosen = chooseLambda(perUser, incumbent);
  return { lambda: chosen.lambda, films, incumbent, margin: chosen.margin, tried };
}

/** The like centres tried: off, then stars where σ(2·(r̂ − c)) is one half. */
export const LIKE_CENTRES = [0, 3, 3.25, 3.5, 3.75, 4];
/** recommend_hybrid's p_like_slope default. */
export const LIKE_SLOPE = 2;

/** The grid: the 0.1-step simplex over (collaborative, content, popular) times five item shares times the like centres. */
export function blendGrid(centres: readonly number[] = LIKE_CENTRES): BlendWeights[] {
  const out: BlendWeights[] = [];
  for (const like of centres)
    for (let c = 0; c <= 10; c++)
      for (let t = 0; t + c <= 10; t++) {
        const p = 10 - c - t;
        const shares = c > 0 ? [0, 0.25, 0.5, 0.75, 1] : [0.7];
        for (const s of shares) out.push([c / 10, t / 10, p / 10, s, like]);
      }
  return out;
}

/**
 * recommend_hybrid's blend of per-source normalised scores, best first (ties by film id): the weighted sum, and
 * with a like centre w[4] > 0 a positive sum times σ(LIKE_SLOPE · (stars − w[4])). Keeps the k best in one pass
 * (the tuner calls it thousands of times per user).
 */
export function blend(rows: SourceScores[], w: readonly number[], k: number): number[] {
  const hasItem = rows.some((r) => r.item !== null);
  const hasCf = rows.some((r) => r.cf !== null);
  const share = !hasItem ? 0 : !hasCf ? 1 : w[3];
  const like = w[4] ?? 0;
  const top: { id: number; s: number }[] = [];
  const better = (s: number, id: number, than: { id: number; s: number }) =>
    s > than.s || (s === than.s && id < than.id);
  for (const r of rows) {
    const any =
      (w[0] > 0 && share > 0 && r.item !== null) ||
      (w[0] > 0 && share < 1 && r.cf !== null) ||
      (w[1] > 0 && r.content !== null) ||
      (w[2] > 0 && r.popular !== null);
    if (!any) continue;
    let s =
      w[0] * share * (r.item ?? 0) +
      w[0] * (1 - share) * (r.cf ?? 0) +
      w[1] * (r.content ?? 0) +
      w[2] * (r.popular ?? 0);
    if (like > 0 && s > 0 && r.stars !== null && r.stars !== undefined)
      s /= 1 + Math.exp(-LIKE_SLOPE * (Math.min(5, Math.max(0.5, r.stars)) - like));
    // recommend_hybrid computes in real (float4): compare what it would compare.
    s = Math.fround(s);
    if (top.length === k && !better(s, r.id, top[k - 1])) continue;
    let at = top.length === k ? k - 1 : top.length;
    if (top.length < k) top.push({ id: r.id, s });
    while (at > 0 && better(s, r.id, top[at - 1])) {
      top[at] = top[at - 1];
      at--;
    }
    top[at] = { id: r.id, s };
  }
  return top.map((t) => t.id);
}

async function copyCatalogue(from: SqlDatabase, to: SqlDatabase, keep: (r: RatingRow) => boolean) {
  const genres = await from.query<{ g: unknown }>("select coalesce(json_agg(g), '[]') as g from public.genres g");
  await to.query("insert into public.genres select * from json_populate_recordset(null::public.genres, $1::json)", [
    JSON.stringify(genres[0].g),
  ]);
  // Generated columns (weighted_rating) are computed by the target itself.
  const columns = (
    await from.query<{ name: string }>(
      `select quote_ident(a.attname) as name from pg_attribute a
       where a.attrelid = 'public.movies'::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
       order by a.attnum`,
    )
  )
    .map((c) => c.name)
    .join(", ");
  for (let after = -1; ; ) {
    const rows = await from.query<{ id: number; row: unknown }>(
      "select m.id, row_to_json(m) as row from public.movies m where m.id > $1 order by m.id limit 2000",
      [after],
    );
    if (!rows.length) break;
    await to.query(
      `insert into public.movies (${columns})
       select ${columns} from json_populate_recordset(null::public.movies, $1::json)`,
      [JSON.stringify(rows.map((r) => r.row))],
    );
    after = Number(rows[rows.length - 1].id);
  }
  await to.query(
    "insert into public.users (id, email, display_name) select u, 'u' || n || '@tune.invalid', 'tune ' || n from unnest($1::uuid[]) with ordinality as x(u, n)",
    [(await from.query<{ id: string }>("select id::text as id from public.users")).map((r) => r.id)],
  );
  const ratings = (await allRatings(from)).filter(keep);
  for (let s = 0; s < ratings.length; s += 20_000) {
    const chunk = ratings.slice(s, s + 20_000);
    await to.query(
      `insert into public.ratings (user_id, movie_id, rating, created_at, updated_at)
       select u, m, r, t, t from unnest($1::uuid[], $2::int[], $3::numeric[], $4::timestamptz[]) as x(u, m, r, t)`,
      [chunk.map((r) => r.u), chunk.map((r) => r.m), chunk.map((r) => r.r), chunk.map((r) => r.t)],
    );
  }
  return ratings.length;
}

interface RatingRow {
  u: string;
  m: number;
  r: number;
  t: string;
  validation: boolean;
}

async function allRatings(db: SqlDatabase): Promise<RatingRow[]> {
  return db.query<RatingRow>(
    `select user_id::text as u, movie_id as m, rating::float8 as r, updated_at::text as t, false as validation
     from public.ratings order by user_id, movie_id`,
  );
}

export async function tuneBlend(source: SqlDatabase, options: TuneOptions): Promise<TuneResult> {
  const started = performance.now();
  const random = seededRandom(options.seed);
  const rows = await allRatings(source);
  for (const r of rows) r.validation = random() < options.share;
  const heldOut = new Set(rows.filter((r) => r.validation).map((r) => `${r.u}|${r.m}`));
  const relevantByUser = new Map<string, Set<number>>();
  for (const r of rows) {
    if (!r.validation || r.r < options.relevant) continue;
    const set = relevantByUser.get(r.u) ?? new Set<number>();
    set.add(Number(r.m));
    relevantByUser.set(r.u, set);
  }
  const order = [...relevantByUser.keys()].sort();
  const pick = seededRandom(options.seed + 1);
  const users = order
    .map((u) => ({ u, key: pick() }))
    .sort((a, b) => a.key - b.key)
    .slice(0, options.users)
    .map((x) => x.u)
    .sort();

  const fresh = await openFreshDatabase("marquee_tune", options.databaseUrl, 2);
  try {
    const trainRatings = await copyCatalogue(source, fresh.db, (r) => !heldOut.has(`${r.u}|${r.m}`));
    const lambdas = options.lambdas ?? EASE_LAMBDAS;
    const ease =
      lambdas.length && options.nightly?.filmModel !== "cosine"
        ? fitEaseLambda(
            rows.filter((r) => !r.validation),
            users,
            relevantByUser,
            {
              k: options.k,
              films: options.nightly?.easeFilms ?? NIGHTLY_EASE_FILMS,
              lambdas,
              onProgress: (d, t) => options.onProgress?.("tune EASE lambda", d, t),
            },
          )
        : null;
    await runNightly(fresh.db, { ...options.nightly, ...(ease ? { easeLambda: ease.lambda } : {}) });
    const perUser: { relevant: Set<number>; rows: SourceScores[] }[] = [];
    let done = 0;
    for (const u of users) {
      const got = await fresh.db.query<{
        movie_id: number;
        item_score: number | null;
        cf_score: number | null;
        content_score: number | null;
        popular_score: number | null;
        model_rating: number | null;
      }>(
        `select movie_id, item_score, cf_score, content_score, popular_score, model_rating
         from public.recommend_hybrid($1::uuid, p_limit => 1000, p_w_collaborative => 1, p_w_content => 1,
                                      p_w_popular => 1, p_item_share => 0.5, p_candidates => 200)`,
        [u],
      );
      const n = (v: number | null) => (v === null || v === undefined ? null : Number(v));
      perUser.push({
        relevant: relevantByUser.get(u) ?? new Set(),
        rows: got.map((g) => ({
          id: Number(g.movie_id),
          item: n(g.item_score),
          cf: n(g.cf_score),
          content: n(g.content_score),
          popular: n(g.popular_score),
          stars: n(g.model_rating),
        })),
      });
      options.onProgress?.("tune sources", ++done, users.length);
    }
    const score = (w: BlendWeights): BlendCandidate => {
      let ndcg = 0;
      let precision = 0;
      for (const p of perUser) {
        const s = rankingScores(blend(p.rows, w, options.k), p.relevant, options.k);
        ndcg += s.ndcg;
        precision += s.precision;
      }
      const n = Math.max(perUser.length, 1);
      return { weights: w, ndcg: ndcg / n, precision: precision / n };
    };
    const candidates = blendGrid().map(score);
    candidates.sort((a, b) => b.ndcg - a.ndcg || b.precision - a.precision);
    const singles = {
      item: score([1, 0, 0, 1, 0]),
      cf: score([1, 0, 0, 0, 0]),
      content: score([0, 1, 0, 0.7, 0]),
      popular: score([0, 0, 1, 0.7, 0]),
    };
    const result: TuneResult = {
      best: candidates[0],
      singles,
      candidates,
      ease,
      validation: {
        seed: options.seed,
        share: options.share,
        users: perUser.length,
        ratings: heldOut.size,
        trainRatings,
      },
      ms: Math.round(performance.now() - started),
    };
    if (options.store) {
      await source.query(
        `insert into public.recommendation_blend (weights, metric, validation, candidates, ease_lambda)
         values ($1::real[], $2, $3::jsonb, $4::jsonb, $5)`,
        [
          result.best.weights,
          `ndcg@${options.k}`,
          JSON.stringify({ ...result.validation, relevant: options.relevant, best: result.best, singles, ease }),
          JSON.stringify(candidates.slice(0, 20)),
          ease?.lambda ?? null,
        ],
      );
    }
    return result;
  } finally {
    await fresh.dispose();
  }
}

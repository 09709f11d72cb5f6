/**
 * GET /v1/recommendations (and the CineLibre alias GET /recommendations/personalized): personalised films with
 * reasons. Never cached at the edge: a new rating changes the next answer. An unfiltered request is the first
 * batch of the user's stored list (batches.ts: recommendationId and a `next` cursor); a filtered one, or
 * strategy popular, is computed for the request (get_recommendations) without batches. Both are re-ranked by
 * `diversity` and carry the match evidence of the films served.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import type { RpcRow } from "../../lib/db/port";
import type { RecommendationStrategy } from "../../lib/db/rpc-types";
import { diversify } from "../../lib/recommend/diversity";
import { recommendationReasons } from "../../lib/recommend/reasons";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { BookRecommendationList, bookRecommendations } from "../books/list-book-recommendations";
import { FilterFields, YEAR_ORDER_ISSUE, yearOrder } from "../movies/filters";
import { toMovieSummary } from "../movies/schemas";
import {
  type Batch,
  BatchFields,
  type BatchStrategy,
  firstBatch,
  type MatchEvidence,
  MatchFields,
  matchEvidence,
  matchFieldsFor,
} from "./batches";
import { matchGenre } from "./list-popular";
import { RecommendedMovie } from "./schemas";

export const MAX_RECOMMENDATIONS = 50;
const STRATEGIES = ["hybrid", "cf", "item", "content", "popular"] as const;
const EXCLUDABLE = ["rated", "hidden", "disliked", "seen", "watchlist"] as const;

export const RecommendationsQuery = z
  .strictObject({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_RECOMMENDATIONS)
      .default(20)
      .openapi({ description: `At most ${MAX_RECOMMENDATIONS}.` }),
    strategy: z
      .enum(STRATEGIES)
      .default("hybrid")
      .openapi({
        description:
          "hybrid: blend of collaborative, content and popularity; cf: users with taste like yours (Pearson); " +
          "item: films like the ones you rated or liked; content: genres, people and themes; popular.",
      }),
    exclude: z
      .string()
      .default(EXCLUDABLE.join(","))
      .transform((v, ctx) => {
        const words = v === "none" || v === "" ? [] : v.split(",").map((w) => w.trim());
        const bad = words.find((w) => !(EXCLUDABLE as readonly string[]).includes(w));
        if (bad !== undefined) {
          ctx.addIssue({
            code: "custom",
            message: `unknown value "${bad}"; use any of ${EXCLUDABLE.join(", ")}, or none`,
          });
          return z.NEVER;
        }
        return [...new Set(words)];
      })
      .openapi({
        type: "string",
        example: "rated,hidden",
        description:
          "Your films to leave out, comma-separated: rated, hidden, disliked, seen, watchlist (default all: a watchlisted film is already found), or none.",
      }),
    diversity: z.coerce.number().min(0).max(1).optional().openapi({
      description:
        "0 is pure relevance; higher values break up runs of films alike in genres, decade and language (maximal marginal relevance). Default RECOMMENDATION_DIVERSITY (0.3).",
    }),
    kind: z.enum(["movie", "book"]).default("movie").openapi({
      description:
        "movie (default): films, as below; book: your book recommendations (the answer of GET /v1/recommendations/books; only `limit` applies).",
    }),
    ...FilterFields,
  })
  .refine(yearOrder, YEAR_ORDER_ISSUE);

export const Strategy = z
  .object({
    requested: z.enum(STRATEGIES),
    served: z.enum(["hybrid", "cf", "item", "content", "popular", "cold_start"]).openapi({
      description:
        "What produced the list: the requested strategy, cold_start (popularity blended with content similarity " +
        "to what you rated or liked), or popular (no signals yet, or the requested source had nothing).",
    }),
    coldStart: z.enum(["no_signals", "few_ratings"]).nullable().openapi({
      description: "no_signals: you have not rated or liked anything; few_ratings: fewer than 3 ratings.",
    }),
    note: z.string().nullable().openapi({ description: "Why the served strategy differs from the requested one." }),
  })
  .openapi("RecommendationStrategy");

export const BatchRecommendedMovie = RecommendedMovie.extend(MatchFields).openapi("BatchRecommendedMovie");

export const RecommendationList = z
  .object({
    kind: z.literal("movie").openapi({ description: "What the list holds: films." }),
    strategy: Strategy,
    ...BatchFields,
    data: z.array(BatchRecommendedMovie),
  })
  .openapi("RecommendationList");

const responses = {
  200: {
    description: "Recommendations, best first: films, or books with kind=book.",
    content: { "application/json": { schema: z.union([RecommendationList, BookRecommendationList]) } },
  },
  ...errorResponses(400, 401, 405),
};

const description =
  "Personalised films with the score, the predicted rating where user-based CF has one, the sources that produced " +
  "each film and human-readable reasons with their evidence. Reflects your latest ratings and interactions at once. " +
  "Without filters it is the first batch (`limit`, default 20) of your stored list (40 deep): pass `next` to " +
  "GET /v1/recommendations/next for the following batches. Each film lists your matches who liked it and how many " +
  "users liking it would match you with (when you opted in to matching).";

export const route = createRoute({
  method: "get",
  path: "/v1/recommendations",
  tags: ["Recommendations"],
  summary: "My recommendations",
  description,
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { query: RecommendationsQuery },
  responses,
});

export const aliasRoute = createRoute({
  method: "get",
  path: "/recommendations/personalized",
  tags: ["Recommendations"],
  summary: "My recommendations (CineLibre alias of GET /v1/recommendations)",
  description,
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { query: RecommendationsQuery },
  responses,
});

type Served = z.infer<typeof Strategy>["served"];

/** Why a strategy found nothing, stated as what the data lacks (the fallback is popularity in every case). */
const FALLBACK_REASON: Record<string, string> = {
  cf: "No other user has rated at least 3 of the films you rated with a similar taste yet, so user-based recommendations have nothing for you; these are popular films.",
  item: "None of the films you rated or liked has co-watched films yet (they come from other users' ratings, computed nightly); these are popular films.",
  hybrid:
    "Neither other users' ratings nor the content of the films you rated or liked gave any candidate yet; these are popular films.",
};

/**
 * The sentence for the reason SQL gave (plan_recommendations, get_recommendations_live): the decision is made
 * there, once; the edge only words it.
 */
export function noteFor(plan: RecommendationStrategy): string | null {
  const rated = Number(plan.rated_count ?? 0);
  const had = rated === 1 ? "1 film" : `${rated} films`;
  switch (plan.reason) {
    case "no_signals":
      return "You have not rated or liked any film yet, so these are the most popular films.";
    case "few_ratings":
      return plan.served === "cold_start"
        ? `You have rated ${had}; with fewer than 3, popular films are blended with films like the ones you rated or liked.`
        : `You have rated ${had}; with fewer than 3, these are the most popular films.`;
    case "no_liked_films":
      return "Content recommendations need at least one film you rated 3 stars or more or liked; these are popular films.";
    case "source_empty":
      return FALLBACK_REASON[String(plan.requested)] ?? FALLBACK_REASON.hybrid;
    default:
      return null;
  }
}

type Row = RpcRow<"get_recommendations">;

/** One film of a served list, as the API shows it. */
export function toRecommendedItem(
  r: Row,
  options: { genre?: string; evidence: Map<number, MatchEvidence>; matchable: boolean },
) {
  const e = r.recommendation;
  return Object.assign(
    toMovieSummary(r.movie),
    {
      score: Math.round(Number(e?.score) * 10_000) / 10_000,
      predictedRating:
        e?.predicted_rating === null || e?.predicted_rating === undefined
          ? null
          : Math.round(e.predicted_rating * 100) / 100,
      sources: (e?.sources ?? []) as ("item" | "cf" | "content" | "popular")[],
      reasons: recommendationReasons(r, { genre: options.genre }),
    },
    matchFieldsFor(Number(r.movie?.id), options.evidence, options.matchable),
  );
}

export function strategyFor(requested: (typeof STRATEGIES)[number], plan: RecommendationStrategy) {
  return {
    requested,
    served: (plan.served ?? requested) as Served,
    coldStart: plan.cold_start as "no_signals" | "few_ratings" | null,
    note: noteFor(plan),
  };
}

/** A batch as the API answers it (GET /v1/recommendations, /next and the seed's aliases). */
export function batchAnswer(requested: (typeof STRATEGIES)[number], batch: Batch, diversity: number, size: number) {
  const plan = batch.rows[0]?.strategy ?? ({ served: requested } as RecommendationStrategy);
  return {
    kind: "movie" as const,
    strategy: strategyFor(requested, plan),
    recommendationId: batch.recommendationId,
    next: batch.next,
    batch: {
      number: batch.batchNumber,
      size,
      listDepth: batch.listDepth,
      diversity,
      expiresAt: batch.expiresAt,
      restarted: batch.restarted,
    },
    data: batch.rows.map((r) => toRecommendedItem(r as Row, { evidence: batch.evidence, matchable: batch.matchable })),
  };
}

const isDefaultExclude = (exclude: string[]) =>
  exclude.length === EXCLUDABLE.length && EXCLUDABLE.every((e) => exclude.includes(e));

/** Query parameters that mean something for films only: kind=book takes `limit` alone. */
function filmOnlyParameters(c: AppContext): string[] {
  return Object.keys(c.req.query()).filter((k) => k !== "kind" && k !== "limit");
}

export async function listRecommendations(c: AppContext, q: z.infer<typeof RecommendationsQuery>) {
  if (q.kind === "book") {
    const extra = filmOnlyParameters(c);
    if (extra.length > 0) {
      throw new ApiError("BAD_REQUEST", `${extra.join(", ")}: not valid with kind=book (it takes limit only)`, {
        issues: extra.map((field) => ({ field, message: "applies to films only" })),
      });
    }
    return bookRecommendations(c, q.limit);
  }
  const user = currentUser(c);
  const { db, config } = c.get("services");
  const diversity = q.diversity ?? config.RECOMMENDATION_DIVERSITY;
  c.header("Cache-Control", "private, no-store");
  const batchable =
    q.strategy !== "popular" &&
    !q.genre &&
    q.year_from === undefined &&
    q.year_to === undefined &&
    !q.language &&
    isDefaultExclude(q.exclude);
  if (batchable) {
    const batch = await firstBatch(c, { strategy: q.strategy as BatchStrategy, size: q.limit, diversity });
    if (batch) return batchAnswer(q.strategy, batch, diversity, q.limit);
  }
  // Diversity needs candidates beyond the list it returns: three times the limit, at most 100.
  const pool = diversity > 0 ? Math.min(100, q.limit * 3) : q.limit;
  const fetched = await db.rpc(
    "get_recommendations",
    {
      p_user_id: user.id,
      p_strategy: q.strategy,
      p_genre: q.genre,
      p_year_from: q.year_from,
      p_year_to: q.year_to,
      p_language: q.language,
      p_exclude: q.exclude,
      p_limit: pool,
      p_weights: config.RECOMMENDATION_WEIGHTS ?? null,
    },
    { jwt: user.token },
  );
  const order = diversify(
    fetched.map((r) => ({
      score: Number(r.recommendation?.score ?? 0),
      genres: (r.movie?.genres ?? null) as string[] | null,
      releaseYear: r.movie?.release_year ?? null,
      language: r.movie?.original_language ?? null,
    })),
    diversity,
    q.limit,
  );
  const rows = order.map((i) => fetched[i]);
  // Every row carries the plan that served it; an empty list (every film excluded or filtered out) still says
  // which strategy would have served and why, from the same SQL decision.
  const plan =
    rows[0]?.strategy ??
    (await db.rpc("plan_recommendations", { p_user_id: user.id, p_strategy: q.strategy }, { jwt: user.token }))[0];
  if (!plan) throw new Error("plan_recommendations returned no row");
  const genre = q.genre && rows.length ? matchGenre(rows, q.genre) : undefined;
  const evidence = await matchEvidence(
    c,
    rows.map((r) => Number(r.movie?.id)),
  );
  const matchable = evidence.size > 0;
  return {
    kind: "movie" as const,
    strategy: strategyFor(q.strategy, plan),
    recommendationId: null,
    next: null,
    batch: null,
    data: rows.map((r) => toRecommendedItem(r, { genre, evidence, matchable })),
  };
}

export function register(app: App) {
  app.openapi(route, async (c) => c.json(await listRecommendations(c, c.req.valid("query")), 200));
  app.openapi(aliasRoute, async (c) => c.json(await listRecommendations(c, c.req.valid("query")), 200));
}

/**
 * GET /v1/recommendations (and the CineLibre alias GET /recommendations/personalized): personalised films with
 * reasons, in one database round trip (get_recommendations). Never cached: a new rating changes the next answer.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { errorResponses } from "../../errors";
import { recommendationReasons } from "../../lib/recommend/reasons";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { toMovieSummary } from "../movies/schemas";
import { matchGenre } from "./list-popular";
import { FilterFields, RecommendedMovie, YEAR_ORDER_ISSUE, yearOrder } from "./schemas";

export const MAX_RECOMMENDATIONS = 50;
const STRATEGIES = ["hybrid", "cf", "item", "content", "popular"] as const;
const EXCLUDABLE = ["rated", "hidden", "disliked", "seen"] as const;

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
        description: "Your films to leave out, comma-separated: rated, hidden, disliked, seen (default all), or none.",
      }),
    ...FilterFields,
  })
  .refine(yearOrder, YEAR_ORDER_ISSUE);

const Strategy = z
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

const RecommendationList = z
  .object({ strategy: Strategy, data: z.array(RecommendedMovie) })
  .openapi("RecommendationList");

const responses = {
  200: { description: "Recommendations, best first.", content: { "application/json": { schema: RecommendationList } } },
  ...errorResponses(400, 401, 405),
};

const description =
  "Personalised films with the score, the predicted rating where user-based CF has one, the sources that produced " +
  "each film and human-readable reasons with their evidence. Reflects your latest ratings and interactions at once.";

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

function noteFor(requested: string, served: Served, coldStart: string | null, rated: number): string | null {
  if (coldStart === "no_signals")
    return "You have not rated or liked any film yet, so these are the most popular films.";
  if (coldStart === "few_ratings") {
    const had = rated === 1 ? "1 film" : `${rated} films`;
    return served === "cold_start"
      ? `You have rated ${had}; with fewer than 3, popular films are blended with films like the ones you rated or liked.`
      : `You have rated ${had}; with fewer than 3, these are the most popular films.`;
  }
  if (served !== requested) {
    return requested === "content"
      ? "Content recommendations need at least one film you rated 3 stars or more or liked; these are popular films."
      : (FALLBACK_REASON[requested] ?? FALLBACK_REASON.hybrid);
  }
  return null;
}

export async function listRecommendations(c: AppContext, q: z.infer<typeof RecommendationsQuery>) {
  const user = currentUser(c);
  const { db, config } = c.get("services");
  const rows = await db.rpc<Record<string, unknown>>(
    "get_recommendations",
    {
      p_user_id: user.id,
      p_strategy: q.strategy,
      p_genre: q.genre,
      p_year_from: q.year_from,
      p_year_to: q.year_to,
      p_language: q.language,
      p_exclude: q.exclude,
      p_limit: q.limit,
      p_weights: config.RECOMMENDATION_WEIGHTS ?? null,
    },
    { jwt: user.token },
  );
  let served = (rows[0]?.served_strategy as Served | undefined) ?? undefined;
  let coldStart = (rows[0]?.cold_start as string | null | undefined) ?? null;
  let rated = Number(rows[0]?.rated_count ?? 0);
  if (!served) {
    // Nothing at all to recommend (e.g. every film excluded or filtered out): still say who would have served.
    const [profile] = await db.rpc<{ rated_count: number; liked_count: number }>(
      "recommendation_profile",
      { p_user_id: user.id },
      { jwt: user.token },
    );
    rated = Number(profile?.rated_count ?? 0);
    const liked = Number(profile?.liked_count ?? 0);
    coldStart = q.strategy !== "popular" && rated === 0 && liked === 0 ? "no_signals" : null;
    served = coldStart ? "popular" : q.strategy;
  }
  const genre = q.genre && rows.length ? matchGenre(rows, q.genre) : undefined;
  c.header("Cache-Control", "private, no-store");
  return {
    strategy: {
      requested: q.strategy,
      served,
      coldStart: coldStart as "no_signals" | "few_ratings" | null,
      note: noteFor(q.strategy, served, coldStart, rated),
    },
    data: rows.map((r) => ({
      ...toMovieSummary(r),
      score: Math.round(Number(r.score) * 10_000) / 10_000,
      predictedRating: r.predicted_rating === null ? null : Math.round(Number(r.predicted_rating) * 100) / 100,
      sources: (r.sources as ("item" | "cf" | "content" | "popular")[]) ?? [],
      reasons: recommendationReasons(r, { genre }),
    })),
  };
}

export function register(app: App) {
  app.openapi(route, async (c) => c.json(await listRecommendations(c, c.req.valid("query")), 200));
  app.openapi(aliasRoute, async (c) => c.json(await listRecommendations(c, c.req.valid("query")), 200));
}

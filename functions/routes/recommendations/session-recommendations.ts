/**
 * POST /v1/recommendations/session: recommendations for an anonymous session from the signals in the body, with
 * reasons; no account, nothing stored (recommend_for_signals: item neighbours of the given films, popular films
 * when none has neighbours). Rate-limited per client (SESSION_RATE_LIMIT_PER_MINUTE) on top of the API-wide
 * limit, with the signals capped (SESSION_MAX_SIGNALS) and the list at 50.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { clientAddress } from "../../lib/auth/client-address";
import { diversify } from "../../lib/recommend/diversity";
import { MAX_RECOMMENDATIONS, Strategy, strategyFor, toRecommendedItem } from "./list-recommendations";
import { RecommendedMovie } from "./schemas";

const MovieId = z.number().int().min(1).max(2_147_483_647);

const SessionBody = z
  .strictObject({
    liked: z
      .array(MovieId)
      .max(500)
      .default([])
      .openapi({ example: [862, 863] }),
    disliked: z.array(MovieId).max(500).default([]),
    ratings: z
      .array(
        z.strictObject({
          movieId: MovieId,
          rating: z
            .number()
            .min(0.5)
            .max(5)
            .refine((v) => Number.isInteger(v * 2), "must be in half stars"),
        }),
      )
      .max(500)
      .default([])
      .openapi({ example: [{ movieId: 155, rating: 4.5 }] }),
    limit: z.number().int().min(1).max(MAX_RECOMMENDATIONS).default(20),
    diversity: z.number().min(0).max(1).optional().openapi({ description: "As GET /v1/recommendations." }),
  })
  .refine((b) => b.liked.length + b.disliked.length + b.ratings.length > 0, {
    message: "give at least one signal: liked, disliked or ratings",
  })
  .openapi("SessionRecommendationsRequest");

const SessionList = z
  .object({ strategy: Strategy, data: z.array(RecommendedMovie) })
  .openapi("SessionRecommendationList");

export const route = createRoute({
  method: "post",
  path: "/v1/recommendations/session",
  tags: ["Recommendations"],
  summary: "Recommendations for an anonymous session",
  description:
    "No account: the films you liked, disliked or rated, in the body, give films like them (co-watched by " +
    "Marquee's users), with reasons; the films given are never in the answer; nothing is stored. Every field is " +
    "optional but one signal is needed. Popular films when none of the given films has co-watched films yet. " +
    "Rate-limited per client (SESSION_RATE_LIMIT_PER_MINUTE, 30 by default) and at most SESSION_MAX_SIGNALS " +
    "(100) signals.",
  request: { body: { required: true, content: { "application/json": { schema: SessionBody } } } },
  responses: {
    200: { description: "Recommendations, best first.", content: { "application/json": { schema: SessionList } } },
    ...errorResponses(400, 405, 413, 415, 429),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { db, config, sessionRateLimiter } = c.get("services");
    if (sessionRateLimiter) {
      const verdict = await sessionRateLimiter.limit(`session:${clientAddress(c)}`);
      if (!verdict.ok) {
        throw new ApiError("TOO_MANY_REQUESTS", `too many session requests; try again in ${verdict.retryAfter} s`, {
          headers: { "Retry-After": String(verdict.retryAfter) },
        });
      }
    }
    const body = c.req.valid("json");
    const signals = body.liked.length + body.disliked.length + body.ratings.length;
    if (signals > config.SESSION_MAX_SIGNALS) {
      throw new ApiError("BAD_REQUEST", `at most ${config.SESSION_MAX_SIGNALS} signals, got ${signals}`, {
        issues: [{ field: "body", message: `at most ${config.SESSION_MAX_SIGNALS} signals` }],
      });
    }
    const diversity = body.diversity ?? config.RECOMMENDATION_DIVERSITY;
    const fetched = await db.rpc("recommend_for_signals", {
      p_liked: body.liked,
      p_disliked: body.disliked,
      p_rated_ids: body.ratings.map((r) => r.movieId),
      p_rated_values: body.ratings.map((r) => r.rating),
      p_limit: diversity > 0 ? Math.min(MAX_RECOMMENDATIONS, body.limit * 3) : body.limit,
    });
    const order = diversify(
      fetched.map((r) => ({
        score: Number(r.recommendation?.score ?? 0),
        genres: (r.movie?.genres ?? null) as string[] | null,
        releaseYear: r.movie?.release_year ?? null,
        language: r.movie?.original_language ?? null,
      })),
      diversity,
      body.limit,
    );
    const rows = order.map((i) => fetched[i]);
    c.header("Cache-Control", "no-store");
    const plan = rows[0]?.strategy ?? {
      requested: "item",
      served: "popular",
      cold_start: null,
      reason: "source_empty",
      rated_count: body.ratings.length,
      liked_count: body.liked.length,
    };
    const items = rows.map((r) => {
      const {
        matchedUsers: _m,
        matchedUserCount: _n,
        potentialMatches: _p,
        ...item
      } = toRecommendedItem(r, {
        evidence: new Map(),
        matchable: false,
      });
      return item;
    });
    return c.json({ strategy: { ...strategyFor("item", plan), coldStart: null }, data: items }, 200);
  });
}

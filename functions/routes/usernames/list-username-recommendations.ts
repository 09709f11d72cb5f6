/**
 * GET /api/recomendacoes/{username} (the seeds' path): recommendations for a public profile, always within
 * USERNAME_TIME_BUDGET_MS. From the user's cached list (mode ultra_fast); when it is not cached, or the database
 * does not give it in time, popular films at once (mode fallback) while the list is computed, so the next call is
 * ultra_fast. Anonymous: only public profiles are reachable.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { recommendationReasons } from "../../lib/recommend/reasons";
import { optionalUserOrOperator } from "../../middleware/auth";
import { MovieSummary, toMovieSummary } from "../movies/schemas";
import { Reason } from "../recommendations/schemas";
import {
  cacheState,
  computeList,
  deadline,
  isTimeout,
  modeErrorResponses,
  popularFilms,
  publicUser,
  UsernameParam,
  withinBudget,
} from "./shared";

export const UsernameRecommendations = z
  .object({
    mode: z.enum(["ultra_fast", "fallback"]).openapi({
      description:
        "ultra_fast: the user's own list, from the cache; fallback: popular films (not cached yet, or not ready within the time budget).",
    }),
    username: z.string(),
    computedAt: z.string().nullable().openapi({ description: "When the served personal list was computed." }),
    note: z.string().nullable(),
    recommendations: z.array(
      MovieSummary.extend({
        score: z.number().nullable(),
        reasons: z.array(Reason),
      }),
    ),
  })
  .openapi("UsernameRecommendations");

export const route = createRoute({
  method: "get",
  path: "/api/recomendacoes/{username}",
  tags: ["Usernames"],
  summary: "Recommendations by username, within a time budget",
  middleware: [optionalUserOrOperator] as const,
  request: {
    params: UsernameParam,
    query: z.object({ limit: z.coerce.number().int().min(1).max(50).default(20) }),
  },
  responses: {
    200: {
      description: "Films, with the mode that served them.",
      content: { "application/json": { schema: UsernameRecommendations } },
    },
    ...modeErrorResponses(400, 401, 404, 405, 503),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const left = deadline(c);
    const { username } = c.req.valid("param");
    const { limit } = c.req.valid("query");
    const { db, config } = c.get("services");
    const user = await publicUser(c, username, left);
    const state = await cacheState(c, user.id, left);
    c.header("Cache-Control", "private, no-store");
    if (state.cached) {
      const rows = await withinBudget(
        db.rpc("get_recommendations", { p_user_id: user.id, p_limit: limit, p_weights: config.RECOMMENDATION_WEIGHTS }),
        left(),
      );
      if (!isTimeout(rows)) {
        const body: z.infer<typeof UsernameRecommendations> = {
          mode: "ultra_fast" as const,
          username: user.username,
          computedAt: state.computedAt,
          note: null,
          recommendations: rows.map((r) =>
            Object.assign(toMovieSummary(r.movie), {
              score:
                r.recommendation?.score === undefined
                  ? null
                  : Math.round(Number(r.recommendation.score) * 10_000) / 10_000,
              reasons: recommendationReasons(r, {}),
            }),
          ),
        };
        return c.json(body, 200);
      }
    } else {
      computeList(c, db, user.id);
    }
    const films = await popularFilms(c, limit, left);
    const body: z.infer<typeof UsernameRecommendations> = {
      mode: "fallback" as const,
      username: user.username,
      computedAt: null,
      note: state.cached
        ? "The personal list was not read within the time budget; these are popular films."
        : "The personal list is being computed; these are popular films until it is ready.",
      recommendations: films.map((f) => ({ ...f, score: null, reasons: [] })),
    };
    return c.json(body, 200);
  });
}

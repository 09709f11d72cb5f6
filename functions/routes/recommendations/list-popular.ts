/** GET /v1/recommendations/popular (and the CineLibre alias GET /recommendations/popular): public popularity. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { errorResponses } from "../../errors";
import type { MovieCard } from "../../lib/db/rpc-types";
import { popularityReason } from "../../lib/recommend/reasons";
import { publicCache } from "../../middleware/cache";
import { FilterFields, YEAR_ORDER_ISSUE, yearOrder } from "../movies/filters";
import { toMovieSummary } from "../movies/schemas";
import { PopularMovie } from "./schemas";

export const PERIOD_DAYS = { all: null, week: 7, month: 30, year: 365 } as const;
const POPULAR_MAX_AGE = 5 * 60;

export const PopularQuery = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "At most 100." }),
    period: z.enum(["all", "week", "month", "year"]).default("all").openapi({
      description: "all: all-time Bayesian average; week/month/year: trending over the last 7/30/365 days.",
    }),
    ...FilterFields,
  })
  .refine(yearOrder, YEAR_ORDER_ISSUE);

const PopularList = z
  .object({
    period: z.enum(["all", "week", "month", "year"]),
    data: z.array(PopularMovie),
    note: z.string().optional().openapi({
      description: "Present when a trending window is empty: why, and what to ask for instead.",
    }),
  })
  .openapi("PopularList");

const responses = {
  200: { description: "Popular films, best first.", content: { "application/json": { schema: PopularList } } },
  304: { description: "Not modified (If-None-Match matched the ETag)." },
  ...errorResponses(400, 405),
};

const description =
  "Films by Bayesian-average Marquee rating: (n * mean + 25 * C) / (n + 25) where C is the all-time mean of all " +
  "ratings, at least 5 ratings. Trending periods count the window's ratings (as of the last nightly refresh), " +
  "keep only films scoring at least C, and say so in `note` when nothing qualifies. Public; cached 5 minutes.";

export const route = createRoute({
  method: "get",
  path: "/v1/recommendations/popular",
  tags: ["Recommendations"],
  summary: "Popular films",
  description,
  middleware: [publicCache(POPULAR_MAX_AGE)] as const,
  request: { query: PopularQuery },
  responses,
});

export const aliasRoute = createRoute({
  method: "get",
  path: "/recommendations/popular",
  tags: ["Recommendations"],
  summary: "Popular films (CineLibre alias of GET /v1/recommendations/popular)",
  description,
  middleware: [publicCache(POPULAR_MAX_AGE)] as const,
  request: { query: PopularQuery },
  responses,
});

async function listPopular(c: AppContext, q: z.infer<typeof PopularQuery>) {
  const windowDays = PERIOD_DAYS[q.period];
  const rows = await c.get("services").db.rpc("get_popular_movies", {
    p_window_days: windowDays ?? undefined,
    p_genre: q.genre,
    p_year_from: q.year_from,
    p_year_to: q.year_to,
    p_language: q.language,
    p_limit: q.limit,
  });
  const genre = q.genre && rows.length ? matchGenre(rows, q.genre) : undefined;
  const data = rows.map((r) => {
    const reason = popularityReason(r, { genre, windowDays });
    return Object.assign(toMovieSummary(r.movie), {
      score: Math.round(Number(r.score) * 1000) / 1000,
      ratingCount: Number(r.rating_count),
      averageRating: Math.round(Number(r.rating_mean) * 100) / 100,
      reasons: reason ? [reason] : [],
    });
  });
  if (data.length === 0 && windowDays) {
    const note =
      `No film has at least 5 ratings above the all-time average in the last ${windowDays} days` +
      `${q.genre || q.language || q.year_from || q.year_to ? " with these filters" : ""}; try a longer period or period=all.`;
    return { period: q.period, data, note };
  }
  return { period: q.period, data };
}

/** The canonical spelling of the requested genre (the rows carry it); ids and odd casing read badly in text. */
export function matchGenre(rows: { movie: MovieCard | null }[], requested: string): string {
  const genresOf = (r: { movie: MovieCard | null }) => r.movie?.genres ?? [];
  const common = genresOf(rows[0]).filter((g) => rows.every((r) => genresOf(r).includes(g)));
  return common.find((g) => g.toLowerCase() === requested.toLowerCase()) ?? common[0] ?? requested;
}

export function register(app: App) {
  app.openapi(route, async (c) => c.json(await listPopular(c, c.req.valid("query")), 200));
  app.openapi(aliasRoute, async (c) => c.json(await listPopular(c, c.req.valid("query")), 200));
}

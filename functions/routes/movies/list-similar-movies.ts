/**
 * GET /v1/movies/{id}/similar (and the CineLibre alias GET /recommendations/similar/{type}/{id}, whose type book is
 * answered by books/list-similar-books.ts): films similar to a film by what they share (series, director, cast, keywords, genres, language, meaning) and by co-rating (the nightly
 * item neighbours, trusted by their support), with reasons naming the shared facts. Public; cached 15 minutes.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { similarReasons } from "../../lib/recommend/similar-reasons";
import { LIST_MAX_AGE, publicCache } from "../../middleware/cache";
import { listSimilarBooks, SimilarBookList } from "../books/list-similar-books";
import { SimilarMovie } from "../recommendations/schemas";
import { FilterFields, YEAR_ORDER_ISSUE, yearOrder } from "./filters";
import { MovieId, toMovieSummary } from "./schemas";

const SimilarQuery = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(50).default(20).openapi({ description: "At most 50." }),
    ...FilterFields,
  })
  .refine(yearOrder, YEAR_ORDER_ISSUE);

const SimilarList = z.object({ data: z.array(SimilarMovie) }).openapi("SimilarMovieList");

const responses = {
  200: { description: "Similar films, most similar first.", content: { "application/json": { schema: SimilarList } } },
  304: { description: "Not modified (If-None-Match matched the ETag)." },
  ...errorResponses(400, 404, 405),
};

const description =
  "Films similar to this one: the same series (TMDB collection, or titles, people and keywords that say so), " +
  "director, cast, keywords, genres and a rarer original language, combined so that one strong tie is enough, " +
  "then blended with co-rating (watched by the same people, trusted by how many). Each reason names what is shared.";

export const route = createRoute({
  method: "get",
  path: "/v1/movies/{id}/similar",
  tags: ["Recommendations"],
  summary: "Films similar to a film",
  description,
  middleware: [publicCache(LIST_MAX_AGE)] as const,
  request: { params: z.object({ id: MovieId.openapi({ param: { name: "id", in: "path" } }) }), query: SimilarQuery },
  responses,
});

export const aliasRoute = createRoute({
  method: "get",
  path: "/recommendations/similar/{type}/{id}",
  tags: ["Recommendations"],
  summary: "Similar items (CineLibre alias of GET /v1/movies/{id}/similar and GET /v1/books/{id}/similar)",
  description:
    `type \`movie\`: ${description} type \`book\`: the books similar to a book (GET /v1/books/{id}/similar; the ` +
    "genre, year and language filters are for films only). Other types answer 404.",
  middleware: [publicCache(LIST_MAX_AGE)] as const,
  request: {
    params: z.object({
      type: z
        .string()
        .min(1)
        .max(32)
        .openapi({ param: { name: "type", in: "path" }, example: "movie" }),
      id: MovieId.openapi({ param: { name: "id", in: "path" } }),
    }),
    query: SimilarQuery,
  },
  responses: {
    ...responses,
    200: {
      description: "Similar films (type movie) or books (type book), most similar first.",
      content: { "application/json": { schema: z.union([SimilarList, SimilarBookList]) } },
    },
  },
});

async function listSimilar(c: AppContext, id: number, q: z.infer<typeof SimilarQuery>) {
  const db = c.get("services").db;
  const rows = await db.rpc("get_similar_movies", {
    p_movie_id: id,
    p_limit: q.limit,
    p_genre: q.genre,
    p_year_from: q.year_from,
    p_year_to: q.year_to,
    p_language: q.language,
  });
  const round = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 10_000) / 10_000);
  return {
    data: rows.map((r) =>
      Object.assign(toMovieSummary(r.movie), {
        similarity: round(r.score) ?? 0,
        coRating: round(r.co_rating_similarity),
        content: round(r.content_similarity),
        reasons: similarReasons(r),
      }),
    ),
  };
}

export function register(app: App) {
  app.openapi(route, async (c) => c.json(await listSimilar(c, c.req.valid("param").id, c.req.valid("query")), 200));
  app.openapi(aliasRoute, async (c) => {
    const { type, id } = c.req.valid("param");
    const q = c.req.valid("query");
    if (type === "book") {
      const filters = (["genre", "year_from", "year_to", "language"] as const).filter((f) => q[f] !== undefined);
      if (filters.length > 0) {
        throw new ApiError("BAD_REQUEST", `invalid query: ${filters[0]}: applies to films only`, {
          issues: filters.map((field) => ({ field, message: "applies to films only" })),
        });
      }
      return c.json(await listSimilarBooks(c, id, q.limit), 200);
    }
    if (type !== "movie") throw new ApiError("NOT_FOUND", `no similar items for type "${type}"; movie and book exist`);
    return c.json(await listSimilar(c, id, q), 200);
  });
}

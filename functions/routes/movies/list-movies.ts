/** GET /v1/movies: the catalogue, filtered, sorted and paginated with an opaque keyset cursor. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { LIST_MAX_AGE, publicCache } from "../../middleware/cache";
import { isDescending, listPage, openListCursor, PageFields } from "../catalogue/list-page";
import { filterFields, GENRE_DOC, YEAR_ORDER_ISSUE, yearOrder } from "./filters";
import { MovieSummary, toMovieSummary } from "./schemas";

const SORTS = ["popularity", "rating", "release_date", "title"] as const;
type Sort = (typeof SORTS)[number];

export const ListMoviesQuery = z
  .strictObject({
    limit: PageFields.limit,
    cursor: PageFields.cursor,
    ...filterFields({
      genre: GENRE_DOC,
      year_from: { example: 1990 },
      year_to: { example: 1999 },
      language: { example: "en" },
    }),
    q: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: "Text in the title (any case).", example: "matrix" }),
    sort: z.enum(SORTS).default("popularity"),
    order: PageFields.order,
  })
  .refine(yearOrder, YEAR_ORDER_ISSUE);

const ListMoviesResponse = z
  .object({
    data: z.array(MovieSummary),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass as cursor to get the next page; null on the last page." }),
  })
  .openapi("MovieList");

export const route = createRoute({
  method: "get",
  path: "/v1/movies",
  tags: ["Catalogue"],
  summary: "List films",
  description:
    "Filter by genre, year range, language and title text; sort by popularity, rating, release date or title. Cached 15 minutes.",
  middleware: [publicCache(LIST_MAX_AGE)] as const,
  request: { query: ListMoviesQuery },
  responses: {
    200: { description: "One page of films.", content: { "application/json": { schema: ListMoviesResponse } } },
    304: { description: "Not modified (If-None-Match matched the ETag)." },
    ...errorResponses(400, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const descending = isDescending(q);
    const { config, db } = c.get("services");
    const after = q.cursor
      ? await openListCursor(config.JWT_SECRET, "movies", q.cursor, SORTS, q.sort, descending)
      : undefined;
    const rows = await db.rpc("list_movies", {
      p_genre: q.genre,
      p_year_from: q.year_from,
      p_year_to: q.year_to,
      p_language: q.language,
      p_query: q.q,
      p_sort: q.sort,
      p_descending: descending,
      p_after_key: after?.k,
      p_after_id: after?.i,
      p_limit: q.limit + 1,
    });
    const { page, nextCursor } = await listPage(
      config.JWT_SECRET,
      "movies",
      rows,
      q.limit,
      { sort: q.sort, descending },
      (r) => Number(r.movie?.id),
    );
    return c.json({ data: page.map((r) => toMovieSummary(r.movie)), nextCursor }, 200);
  });
}

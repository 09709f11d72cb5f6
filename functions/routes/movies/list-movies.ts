/** GET /v1/movies: the catalogue, filtered, sorted and paginated with an opaque keyset cursor. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { invalidCursor, openCursor, signCursor } from "../../lib/cursor";
import { LIST_MAX_AGE, publicCache } from "../../middleware/cache";
import { filterFields, GENRE_DOC, YEAR_ORDER_ISSUE, yearOrder } from "./filters";
import { MovieSummary, toMovieSummary } from "./schemas";

export const MAX_PAGE_SIZE = 100;
const SORTS = ["popularity", "rating", "release_date", "title"] as const;
type Sort = (typeof SORTS)[number];

export const ListMoviesQuery = z
  .strictObject({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE_SIZE)
      .default(20)
      .openapi({ description: `Page size, at most ${MAX_PAGE_SIZE}.` }),
    cursor: z.string().max(512).optional().openapi({ description: "The nextCursor of the previous page." }),
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
    order: z.enum(["asc", "desc"]).optional().openapi({ description: "Default: asc for title, desc otherwise." }),
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

interface Cursor {
  s: Sort;
  d: boolean;
  k: string;
  i: number;
}

const INT4_MAX = 2_147_483_647;

/** A signed cursor (lib/cursor.ts) of this list, in the same sort order as the request. */
async function decodeCursor(secret: string | undefined, raw: string, sort: Sort, descending: boolean): Promise<Cursor> {
  const parsed = (await openCursor(secret, "movies", raw)) as Partial<Cursor>;
  if (
    typeof parsed.k !== "string" ||
    parsed.k.length > 400 ||
    !Number.isSafeInteger(parsed.i) ||
    (parsed.i as number) < 1 ||
    (parsed.i as number) > INT4_MAX ||
    !SORTS.includes(parsed.s as Sort) ||
    typeof parsed.d !== "boolean"
  ) {
    throw invalidCursor();
  }
  if (parsed.s !== sort || parsed.d !== descending) {
    throw new ApiError("BAD_REQUEST", "invalid query: cursor: belongs to another sort order; keep sort and order", {
      issues: [{ field: "cursor", message: "belongs to another sort order" }],
    });
  }
  return parsed as Cursor;
}

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
    const descending = q.order ? q.order === "desc" : q.sort !== "title";
    const { config, db } = c.get("services");
    const after = q.cursor ? await decodeCursor(config.JWT_SECRET, q.cursor, q.sort, descending) : undefined;
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
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > q.limit && last
        ? await signCursor(config.JWT_SECRET, "movies", {
            s: q.sort,
            d: descending,
            k: String(last.sort_key),
            i: Number(last.movie?.id),
          })
        : null;
    return c.json({ data: page.map((r) => toMovieSummary(r.movie)), nextCursor }, 200);
  });
}

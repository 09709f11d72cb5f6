/**
 * GET /v1/books (and the CineLibre alias GET /books): the book catalogue, filtered, sorted and paginated with the
 * same signed keyset cursor as the film catalogue (routes/catalogue/list-page.ts).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { errorResponses } from "../../errors";
import { LIST_MAX_AGE, publicCache } from "../../middleware/cache";
import { isDescending, listPage, openListCursor, PageFields } from "../catalogue/list-page";
import { filterFields, YEAR_ORDER_ISSUE, yearOrder } from "../movies/filters";
import { BookSummary, toBookSummary } from "./schemas";

const SORTS = ["popularity", "rating", "year", "title"] as const;

const { year_from, year_to, language } = filterFields({
  year_from: { example: 1950, description: "First published in or after this year." },
  year_to: { example: 1979 },
  language: { example: "en", description: "ISO 639-1 language." },
});

export const ListBooksQuery = z
  .strictObject({
    limit: PageFields.limit,
    cursor: PageFields.cursor,
    subject: z.string().trim().min(1).max(100).optional().openapi({ example: "Science fiction" }),
    author: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .openapi({ example: "Frank Herbert", description: "An author's full name (any case, accents folded)." }),
    year_from,
    year_to,
    language,
    q: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: "Words starting words of the title (any case).", example: "dune" }),
    sort: z
      .enum(SORTS)
      .default("popularity")
      .openapi({ description: "popularity: rating count; rating: Bayesian average; year: first publication." }),
    order: PageFields.order,
  })
  .refine(yearOrder, YEAR_ORDER_ISSUE);

const BookList = z
  .object({
    data: z.array(BookSummary),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass as cursor to get the next page; null on the last page." }),
  })
  .openapi("BookList");

export const route = createRoute({
  method: "get",
  path: "/v1/books",
  tags: ["Books"],
  summary: "List books",
  description:
    "Filter by subject, author, first publication year, language and title words; sort by popularity (rating " +
    "count), rating, year or title. Cached 15 minutes.",
  middleware: [publicCache(LIST_MAX_AGE)] as const,
  request: { query: ListBooksQuery },
  responses: {
    200: { description: "One page of books.", content: { "application/json": { schema: BookList } } },
    304: { description: "Not modified (If-None-Match matched the ETag)." },
    ...errorResponses(400, 405),
  },
});

export const aliasRoute = createRoute({
  ...route,
  path: "/books",
  summary: "List books (CineLibre alias of GET /v1/books)",
});

async function listBooks(c: AppContext, q: z.infer<typeof ListBooksQuery>) {
  const descending = isDescending(q);
  const { config, db } = c.get("services");
  const after = q.cursor
    ? await openListCursor(config.JWT_SECRET, "books", q.cursor, SORTS, q.sort, descending)
    : undefined;
  const rows = await db.rpc("list_books", {
    p_subject: q.subject,
    p_author: q.author,
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
    "books",
    rows,
    q.limit,
    { sort: q.sort, descending },
    (r) => Number(r.book?.id),
  );
  return { data: page.map((r) => toBookSummary(r.book)), nextCursor };
}

export function register(app: App) {
  app.openapi(route, async (c) => c.json(await listBooks(c, c.req.valid("query")), 200));
  app.openapi(aliasRoute, async (c) => c.json(await listBooks(c, c.req.valid("query")), 200));
}

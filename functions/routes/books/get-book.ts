/** GET /v1/books/{id} (and the CineLibre alias GET /books/{id}): one book. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { DETAIL_MAX_AGE, publicCache } from "../../middleware/cache";
import { BookDetail, BookId, toBookDetail } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/books/{id}",
  tags: ["Books"],
  summary: "Get a book",
  description: "Everything about one book: authors, series, ISBNs, Open Library and Goodreads ids. Cached 1 hour.",
  middleware: [publicCache(DETAIL_MAX_AGE)] as const,
  request: { params: z.object({ id: BookId.openapi({ param: { name: "id", in: "path" } }) }) },
  responses: {
    200: { description: "The book.", content: { "application/json": { schema: BookDetail } } },
    304: { description: "Not modified (If-None-Match matched the ETag)." },
    ...errorResponses(400, 404, 405),
  },
});

export const aliasRoute = createRoute({
  ...route,
  path: "/books/{id}",
  summary: "Get a book (CineLibre alias of GET /v1/books/{id})",
});

async function getBook(c: AppContext, id: number) {
  const [row] = await c.get("services").db.rpc("get_book", { p_id: id });
  if (!row) throw new ApiError("NOT_FOUND", `book ${id} not found`);
  return toBookDetail(row);
}

export function register(app: App) {
  app.openapi(route, async (c) => c.json(await getBook(c, c.req.valid("param").id), 200));
  app.openapi(aliasRoute, async (c) => c.json(await getBook(c, c.req.valid("param").id), 200));
}

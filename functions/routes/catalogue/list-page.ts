/**
 * What every catalogue list (GET /v1/movies, GET /v1/books) shares: the page size, the order, and the signed
 * keyset cursor (lib/cursor.ts) that carries the sort, the direction, the last row's sort key and its id. Each
 * catalogue keeps its own filters and sorts; the paging rules cannot drift apart between them.
 */
import { z } from "@hono/zod-openapi";
import { ApiError } from "../../errors";
import { invalidCursor, openCursor, signCursor } from "../../lib/cursor";

export const MAX_PAGE_SIZE = 100;

export const PageFields = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(20)
    .openapi({ description: `Page size, at most ${MAX_PAGE_SIZE}.` }),
  cursor: z.string().max(512).optional().openapi({ description: "The nextCursor of the previous page." }),
  order: z.enum(["asc", "desc"]).optional().openapi({ description: "Default: asc for title, desc otherwise." }),
};

interface Cursor<S extends string> {
  s: S;
  d: boolean;
  k: string;
  i: number;
}

const INT4_MAX = 2_147_483_647;

/** Descending unless sorting by title, or as `order` says. */
export const isDescending = (q: { order?: "asc" | "desc"; sort: string }) =>
  q.order ? q.order === "desc" : q.sort !== "title";

/** A cursor this server signed for `list`, in the same sort order as the request; 400 for anything else. */
export async function openListCursor<S extends string>(
  secret: string | undefined,
  list: string,
  raw: string,
  sorts: readonly S[],
  sort: S,
  descending: boolean,
): Promise<Cursor<S>> {
  const parsed = (await openCursor(secret, list, raw)) as Partial<Cursor<S>>;
  if (
    typeof parsed.k !== "string" ||
    parsed.k.length > 400 ||
    !Number.isSafeInteger(parsed.i) ||
    (parsed.i as number) < 1 ||
    (parsed.i as number) > INT4_MAX ||
    !sorts.includes(parsed.s as S) ||
    typeof parsed.d !== "boolean"
  ) {
    throw invalidCursor();
  }
  if (parsed.s !== sort || parsed.d !== descending) {
    throw new ApiError("BAD_REQUEST", "invalid query: cursor: belongs to another sort order; keep sort and order", {
      issues: [{ field: "cursor", message: "belongs to another sort order" }],
    });
  }
  return parsed as Cursor<S>;
}

/** Rows fetched with limit + 1 as one page, and the signed cursor of the next page (null on the last). */
export async function listPage<R extends { sort_key?: unknown }>(
  secret: string | undefined,
  list: string,
  rows: R[],
  limit: number,
  order: { sort: string; descending: boolean },
  idOf: (row: R) => number,
): Promise<{ page: R[]; nextCursor: string | null }> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? await signCursor(secret, list, { s: order.sort, d: order.descending, k: String(last.sort_key), i: idOf(last) })
      : null;
  return { page, nextCursor };
}

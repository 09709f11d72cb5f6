/** Shapes and helpers shared by the rating endpoints (and their CineLibre-style aliases). */
import { z } from "@hono/zod-openapi";
import { invalidCursor, openCursor, signCursor } from "../../lib/cursor";

export const MAX_PAGE_SIZE = 100;

export const Stars = z
  .number({ error: "must be a number from 0.5 to 5.0 in steps of 0.5" })
  .min(0.5, "must be at least 0.5")
  .max(5, "must be at most 5.0")
  .multipleOf(0.5, "must be in steps of 0.5")
  .openapi({ example: 4.5, description: "Stars, 0.5 to 5.0 in steps of 0.5." });

/** A movie id in a JSON body: a JSON integer, never a string. */
export const BodyMovieId = z
  .number({ error: "must be a positive integer (a TMDB movie id)" })
  .int("must be a positive integer (a TMDB movie id)")
  .min(1, "must be a positive integer (a TMDB movie id)")
  .max(2_147_483_647, "is too large for a TMDB movie id")
  .openapi({ example: 603 });

export const PageQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(20)
    .openapi({ description: `Page size, at most ${MAX_PAGE_SIZE}.` }),
  cursor: z.string().max(256).optional().openapi({ description: "The nextCursor of the previous page." }),
});

export const Rating = z
  .object({
    movieId: z.number().int(),
    rating: z.number(),
    createdAt: z.string().openapi({ format: "date-time" }),
    updatedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Rating");

export const RatedMovie = z
  .object({
    movieId: z.number().int(),
    title: z.string(),
    year: z.number().int().nullable(),
    posterPath: z.string().nullable(),
    rating: z.number(),
    createdAt: z.string().openapi({ format: "date-time" }),
    updatedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("RatedMovie");

export const RatingList = z
  .object({
    data: z.array(RatedMovie),
    nextCursor: z.string().nullable().openapi({ description: "Pass as cursor for the next page; null on the last." }),
  })
  .openapi("RatingList");

const iso = (v: unknown) => new Date(v as string).toISOString();

export function toRating(row: Record<string, unknown>): z.infer<typeof Rating> {
  return {
    movieId: Number(row.movie_id),
    rating: Number(row.rating),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toRatedMovie(row: Record<string, unknown>): z.infer<typeof RatedMovie> {
  return {
    movieId: Number(row.movie_id),
    title: String(row.title),
    year: row.release_year === null || row.release_year === undefined ? null : Number(row.release_year),
    posterPath: (row.poster_path as string | null) ?? null,
    rating: Number(row.rating),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** Keyset cursor: the last row's sort key (full-precision timestamp text) and id, signed (lib/cursor.ts). */
export interface Cursor {
  k: string;
  i: number;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/;

/** A cursor this server signed for `list` ("ratings", "interactions"); 400 for anything else. */
export async function decodeCursor(secret: string | undefined, list: string, raw: string): Promise<Cursor> {
  const c = (await openCursor(secret, list, raw)) as Partial<Cursor>;
  if (
    typeof c.k !== "string" ||
    !TIMESTAMP.test(c.k) ||
    !Number.isSafeInteger(c.i) ||
    (c.i as number) < 1 ||
    (c.i as number) > Number.MAX_SAFE_INTEGER
  ) {
    throw invalidCursor();
  }
  return { k: c.k, i: c.i as number };
}

/** Turns rows fetched with limit + 1 into a page and the signed cursor of the next one. */
export async function page<T>(
  secret: string | undefined,
  list: string,
  rows: Record<string, unknown>[],
  limit: number,
  idColumn: string,
  map: (row: Record<string, unknown>) => T,
): Promise<{ data: T[]; nextCursor: string | null }> {
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? await signCursor(secret, list, { k: String(last.sort_key), i: Number(last[idColumn]) })
      : null;
  return { data: kept.map(map), nextCursor };
}

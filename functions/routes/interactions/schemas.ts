/** Interaction types, request and response shapes for /v1/interactions. */
import { z } from "@hono/zod-openapi";
import { BodyMovieId, Stars } from "../ratings/schemas";

/** Signals about one film that the user can take back (DELETE /v1/interactions/{type}/{movieId}). */
export const REMOVABLE_TYPES = ["like", "superlike", "dislike", "seen", "hide", "watchlist"] as const;
export const MOVIE_TYPES = ["view", "click", ...REMOVABLE_TYPES] as const;
export const INTERACTION_TYPES = [...MOVIE_TYPES, "search", "rate"] as const;

const CONTROL = /[\p{Cc}\u2028\u2029]/u;

const SearchText = z
  .string()
  .transform((v) => v.trim())
  .pipe(
    z
      .string()
      .min(1, "must not be blank")
      .max(500, "must be at most 500 characters")
      .refine((v) => !CONTROL.test(v), "must not contain control characters"),
  )
  .openapi({ example: "heist movies in paris" });

export const InteractionBody = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.enum(MOVIE_TYPES), movieId: BodyMovieId }),
    z.strictObject({ type: z.literal("search"), query: SearchText }),
    z.strictObject({ type: z.literal("rate"), movieId: BodyMovieId, rating: Stars }),
  ])
  .openapi("InteractionRequest", {
    description:
      "view, click, like, superlike, dislike, seen, hide and watchlist need movieId; search needs query; rate needs movieId and rating (it also sets your rating).",
  });

export const Interaction = z
  .object({
    id: z.number().int(),
    type: z.enum(INTERACTION_TYPES),
    movieId: z.number().int().nullable(),
    title: z.string().nullable().optional(),
    year: z.number().int().nullable().optional(),
    query: z.string().nullable(),
    rating: z.number().nullable(),
    weight: z.number().openapi({ description: "What the signal counts for in recommendations (signal_weights)." }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Interaction");

export const InteractionList = z
  .object({
    data: z.array(Interaction),
    nextCursor: z.string().nullable().openapi({ description: "Pass as cursor for the next page; null on the last." }),
  })
  .openapi("InteractionList");

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function toInteraction(row: Record<string, unknown>): z.infer<typeof Interaction> {
  return {
    id: Number(row.id),
    type: row.type as z.infer<typeof Interaction>["type"],
    movieId: num(row.movie_id),
    ...("title" in row ? { title: (row.title as string | null) ?? null, year: num(row.release_year) } : {}),
    query: (row.query as string | null) ?? null,
    rating: num(row.rating),
    weight: Number(row.weight ?? 0),
    createdAt: new Date(row.created_at as string).toISOString(),
  };
}

/** Shapes shared by the movie endpoints (and later by recommendations and search). */
import { z } from "@hono/zod-openapi";

export const MovieId = z.coerce
  .number({ error: "must be a positive integer (a TMDB movie id)" })
  .int("must be a positive integer (a TMDB movie id)")
  .min(1, "must be a positive integer (a TMDB movie id)")
  .max(2_147_483_647, "is too large for a TMDB movie id")
  .openapi({ example: 603, description: "TMDB movie id." });

export const MovieSummary = z
  .object({
    id: z.number().int().openapi({ example: 603 }),
    title: z.string().openapi({ example: "The Matrix" }),
    originalTitle: z.string().nullable(),
    releaseDate: z.string().nullable().openapi({ example: "1999-03-30", description: "YYYY-MM-DD" }),
    year: z.number().int().nullable().openapi({ example: 1999 }),
    runtime: z.number().int().nullable().openapi({ description: "Minutes." }),
    language: z.string().nullable().openapi({ example: "en", description: "ISO 639-1 original language." }),
    genres: z.array(z.string()).openapi({ example: ["Action", "Science Fiction"] }),
    popularity: z.number(),
    voteAverage: z.number().openapi({ description: "TMDB vote average, 0 to 10." }),
    voteCount: z.number().int(),
    rating: z.number().openapi({ description: "Bayesian-weighted vote average (what sort=rating orders by)." }),
    posterPath: z
      .string()
      .nullable()
      .openapi({ description: "TMDB image path; prefix https://image.tmdb.org/t/p/w500." }),
  })
  .openapi("MovieSummary");

export const MovieDetail = MovieSummary.extend({
  keywords: z.array(z.string()),
  cast: z.array(z.string()).openapi({ description: "Main cast in billing order." }),
  director: z.string().nullable(),
  overview: z.string().nullable(),
  imdbId: z.string().nullable().openapi({ example: "tt0133093" }),
  hasEmbedding: z
    .boolean()
    .openapi({ description: "Whether semantic search and content similarity can use this film." }),
  updatedAt: z.string().openapi({ description: "When the catalogue row last changed (ISO 8601)." }),
}).openapi("MovieDetail");

export type MovieSummaryT = z.infer<typeof MovieSummary>;
export type MovieDetailT = z.infer<typeof MovieDetail>;

type Dateish = string | Date | null;
const isoDate = (d: Dateish) =>
  d === null ? null : typeof d === "string" ? d.slice(0, 10) : d.toISOString().slice(0, 10);
const isoTime = (d: string | Date) => (typeof d === "string" ? new Date(d).toISOString() : d.toISOString());
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** A movie row from any catalogue SQL function, as the API shows it. */
export function toMovieSummary(r: Record<string, unknown>): MovieSummaryT {
  return {
    id: Number(r.id),
    title: String(r.title),
    originalTitle: (r.original_title as string | null) ?? null,
    releaseDate: isoDate((r.release_date as Dateish) ?? null),
    year: num(r.release_year),
    runtime: num(r.runtime),
    language: (r.original_language as string | null) ?? null,
    genres: (r.genres as string[] | null) ?? [],
    popularity: Number(r.popularity ?? 0),
    voteAverage: Number(r.vote_average ?? 0),
    voteCount: Number(r.vote_count ?? 0),
    rating: Math.round(Number(r.weighted_rating ?? 0) * 100) / 100,
    posterPath: (r.poster_path as string | null) ?? null,
  };
}

export function toMovieDetail(r: Record<string, unknown>): MovieDetailT {
  return {
    ...toMovieSummary(r),
    keywords: (r.keywords as string[] | null) ?? [],
    cast: (r.cast_names as string[] | null) ?? [],
    director: (r.director as string | null) ?? null,
    overview: (r.overview as string | null) ?? null,
    imdbId: (r.imdb_id as string | null) ?? null,
    hasEmbedding: Boolean(r.has_embedding),
    updatedAt: isoTime(r.updated_at as string | Date),
  };
}

/** Shapes shared by the recommendation endpoints. */
import { z } from "@hono/zod-openapi";
import { MovieSummary } from "../movies/schemas";

const year = z.coerce.number().int("must be a whole year").min(1870).max(2200);

/** genre, year range and language, as GET /v1/movies accepts them. */
export const FilterFields = {
  genre: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .optional()
    .openapi({ example: "Science Fiction", description: "Genre name (any case) or TMDB genre id." }),
  year_from: year.optional().openapi({ example: 1990 }),
  year_to: year.optional().openapi({ example: 1999 }),
  language: z
    .string()
    .regex(/^[a-z]{2}$/, "must be an ISO 639-1 code like en")
    .optional()
    .openapi({ example: "en", description: "ISO 639-1 original language." }),
};

export const yearOrder = <T extends { year_from?: number; year_to?: number }>(q: T) =>
  q.year_from === undefined || q.year_to === undefined || q.year_from <= q.year_to;
export const YEAR_ORDER_ISSUE = { message: "must not be after year_to", path: ["year_from"] };

export const Reason = z
  .object({
    source: z.enum(["item", "cf", "content", "popular"]).openapi({
      description:
        "item: films like ones you rated or liked; cf: users with taste like yours; content: genres, people, themes; popular.",
    }),
    text: z.string().openapi({ example: "You rated Alien 5 stars, and people who watch it also watch this" }),
    evidence: z.record(z.string(), z.unknown()).openapi({ description: "The numbers behind the text." }),
  })
  .openapi("RecommendationReason");

export const RecommendedMovie = MovieSummary.extend({
  score: z.number().openapi({ description: "Blended score, 0..1 per unit of weight; only the order is meaningful." }),
  predictedRating: z.number().nullable().openapi({
    description: "Stars you would give it, by user-based CF; null when CF has no neighbours who rated it.",
  }),
  sources: z
    .array(z.enum(["item", "cf", "content", "popular"]))
    .openapi({ description: "Largest contribution first." }),
  reasons: z.array(Reason),
}).openapi("RecommendedMovie");

export const PopularMovie = MovieSummary.extend({
  score: z.number().openapi({ description: "Bayesian average of Marquee ratings (stars)." }),
  ratingCount: z.number().int(),
  averageRating: z.number(),
  reasons: z.array(Reason),
}).openapi("PopularMovie");

export const SimilarMovie = MovieSummary.extend({
  similarity: z.number().openapi({ description: "Blended similarity 0..1 (co-rating and content, 50/50)." }),
  coRating: z
    .number()
    .nullable()
    .openapi({ description: "Item-item similarity from who rated both (null when not a co-rating neighbour)." }),
  content: z.number().nullable().openapi({ description: "Content similarity (embedding or genres/people), or null." }),
  reasons: z.array(Reason),
}).openapi("SimilarMovieWithReasons");

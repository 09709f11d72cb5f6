/** Shapes shared by the recommendation endpoints. */
import { z } from "@hono/zod-openapi";
import { MovieSummary } from "../movies/schemas";

export const Reason = z
  .object({
    source: z.enum(["item", "cf", "content", "popular", "books"]).openapi({
      description:
        "item: films like ones you rated or liked; cf: users with taste like yours; content: genres, people, themes; popular; books: people who loved a book you loved also loved this film (evidence only: it does not rank).",
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

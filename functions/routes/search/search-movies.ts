/**
 * GET /v1/search?q=... (and the CineLibre alias GET /search/semantic?q=...): hybrid search. The query is embedded at
 * the edge by the configured provider (EMBEDDING_PROVIDER) and match_movies, in one round trip, puts title matches
 * first and fuses full text (titles, people, keywords), typo-tolerant title matching and the nearest films by
 * meaning by reciprocal rank; each hit says how it matched. kind=book searches books the same way (match_books),
 * kind=all both catalogues at once (match_catalogue); every hit carries its kind.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { createEmbedder, EmbeddingError } from "../../lib/embed";
import { toVectorLiteral } from "../../lib/embed/embedder";
import { LOCAL_MODEL } from "../../lib/embed/local";
import { LIST_MAX_AGE, publicCache } from "../../middleware/cache";
import { BookSummary, toBookSummary } from "../books/schemas";
import { filterFields, YEAR_ORDER_ISSUE, yearOrder } from "../movies/filters";
import { MovieSummary, toMovieSummary } from "../movies/schemas";

export const MAX_RESULTS = 50;

const MATCH_KINDS = ["title", "person", "keyword", "meaning"] as const;
type MatchKind = (typeof MATCH_KINDS)[number];

export const SearchQuery = z
  .strictObject({
    q: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(200)
      .refine((q) => /[\p{L}\p{N}]/u.test(q), "must contain a letter or a digit")
      .openapi({ example: "a heist movie with a twist", description: "What you are looking for, in plain words." }),
    kind: z.enum(["movie", "book", "all"]).default("movie").openapi({
      description: "Which catalogue: movie (the default), book, or all (films and books together).",
    }),
    ...filterFields({
      genre: { example: "Thriller", description: "A film genre; for books, a subject of that name (any case)." },
    }),
    limit: z.coerce.number().int().min(1).max(MAX_RESULTS).default(20),
    min_similarity: z.coerce
      .number()
      .min(-1)
      .max(1)
      // The floor is compared as a real (float4): 1e-300 would underflow there. Six decimals is all it means.
      .transform((v) => Math.round(v * 1e6) / 1e6)
      .optional()
      .openapi({
        description:
          "Cosine similarity floor for semantic matches, -1 to 1, rounded to 6 decimals (default depends on the provider).",
      }),
  })
  .refine(yearOrder, YEAR_ORDER_ISSUE);

const hitFields = {
  similarity: z
    .number()
    .nullable()
    .openapi({ description: "Cosine similarity to the query (null when the film has no comparable embedding)." }),
  match: z.enum(MATCH_KINDS).openapi({
    description:
      "The strongest way it matched. title: every word of the query starts a word of the title (accents and case " +
      "folded), or the title is a near spelling of it; person: the director or cast; keyword: a TMDB keyword; " +
      "meaning: nearest by embedding.",
  }),
  matched: z.array(z.enum(MATCH_KINDS)).openapi({ description: "Every way it matched, strongest first." }),
};

export const SearchHit = MovieSummary.extend({ kind: z.literal("movie"), ...hitFields }).openapi("SearchHit");

export const BookSearchHit = BookSummary.extend(hitFields).openapi("BookSearchHit", {
  description: "For books, person is an author and keyword a subject or series.",
});

const SearchResponse = z
  .object({
    data: z.array(z.union([SearchHit, BookSearchHit])).openapi({
      description: "Films (kind movie) and, with kind book or all, books (kind book), best first.",
    }),
    model: z.string().openapi({ example: "@cf/baai/bge-small-en-v1.5", description: "Embedding model used." }),
  })
  .openapi("SearchResults");

const responses = {
  200: {
    description: "Matching films or books, best first.",
    content: { "application/json": { schema: SearchResponse } },
  },
  304: { description: "Not modified (If-None-Match matched the ETag)." },
  ...errorResponses(400, 405, 503),
};

export const route = createRoute({
  method: "get",
  path: "/v1/search",
  tags: ["Search"],
  summary: "Search films (and books) in plain language",
  description:
    "Hybrid search: films whose title words start with the query's words (accents and case folded) first, the " +
    "exact title before the rest of its series; then full-text matches on people and keywords, near spellings of " +
    "titles and the nearest films by meaning (embeddings of title, genres, keywords, cast, director, overview), " +
    "fused by reciprocal rank. Optional genre, year range and language filters. kind=book searches books (title, " +
    "authors, series and subjects, meaning), kind=all both catalogues, title matches of either first; every hit " +
    "says its kind. Cached 15 minutes.",
  middleware: [publicCache(LIST_MAX_AGE)] as const,
  request: { query: SearchQuery },
  responses,
});

export const aliasRoute = createRoute({
  ...route,
  path: "/search/semantic",
  summary: "Search films in plain language (CineLibre alias of /v1/search)",
});

async function search(c: AppContext, q: z.infer<typeof SearchQuery>) {
  const { config, db } = c.get("services");
  let embedder: ReturnType<typeof createEmbedder>;
  let vector: number[] | null = null;
  try {
    embedder = createEmbedder(config, c.env as { AI?: unknown });
  } catch (error) {
    throw new ApiError("SERVICE_UNAVAILABLE", "search is not configured", { cause: error });
  }
  try {
    [vector] = await embedder.embed([q.q]);
  } catch (error) {
    // The local embedder finds no usable word (only stop words): nothing to search by meaning, titles still count.
    if (!(error instanceof EmbeddingError && embedder.model === LOCAL_MODEL)) {
      throw new ApiError("SERVICE_UNAVAILABLE", "the embedding provider is unavailable; try again", { cause: error });
    }
  }
  const threshold = q.min_similarity ?? config.SEARCH_MIN_SIMILARITY ?? (embedder.model === LOCAL_MODEL ? 0.12 : 0.4);
  const args = {
    p_embedding: vector ? toVectorLiteral(vector) : undefined,
    p_title: q.q,
    p_year_from: q.year_from,
    p_year_to: q.year_to,
    p_language: q.language,
    p_model: embedder.model,
    p_threshold: threshold,
    p_limit: q.limit,
  };
  const hit = (r: { similarity?: number | null; match?: string | null; matched?: string[] | null }) => ({
    similarity:
      r.similarity === null || r.similarity === undefined ? null : Math.round(Number(r.similarity) * 1e4) / 1e4,
    match: r.match as MatchKind,
    matched: (r.matched ?? []) as MatchKind[],
  });
  const data =
    q.kind === "movie"
      ? (await db.rpc("match_movies", { ...args, p_genre: q.genre })).map((r) =>
          Object.assign(toMovieSummary(r.movie), { kind: "movie" as const }, hit(r)),
        )
      : q.kind === "book"
        ? (await db.rpc("match_books", { ...args, p_subject: q.genre })).map((r) =>
            Object.assign(toBookSummary(r.book), hit(r)),
          )
        : (await db.rpc("match_catalogue", { ...args, p_genre: q.genre })).map((r) =>
            r.kind === "book"
              ? Object.assign(toBookSummary(r.book), hit(r))
              : Object.assign(toMovieSummary(r.movie), { kind: "movie" as const }, hit(r)),
          );
  return c.json({ data, model: embedder.model }, 200);
}

export function register(app: App) {
  app.openapi(route, (c) => search(c, c.req.valid("query")));
  app.openapi(aliasRoute, (c) => search(c, c.req.valid("query")));
}

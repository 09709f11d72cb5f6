/**
 * The catalogue filters (genre, year range, original language) that GET /v1/movies, GET /v1/search and
 * GET /v1/recommendations accept: their rules are declared here once, so the endpoints cannot drift apart in what
 * they accept. Each endpoint keeps its own OpenAPI examples and descriptions.
 */
import { z } from "@hono/zod-openapi";

const year = z.coerce.number().int("must be a whole year").min(1870).max(2200);

const FILTERS = {
  genre: z.string().trim().min(1).max(64).optional(),
  year_from: year.optional(),
  year_to: year.optional(),
  language: z
    .string()
    .regex(/^[a-z]{2}$/, "must be an ISO 639-1 code like en")
    .optional(),
};

type FilterName = keyof typeof FILTERS;
type FilterDocs = { [K in FilterName]?: { example?: string | number; description?: string } };

/** The filter fields with an endpoint's own documentation; a field without docs is documented by its type only. */
export function filterFields(docs: FilterDocs): typeof FILTERS {
  const withDocs = <K extends FilterName>(name: K) => {
    const doc = docs[name];
    return (doc ? FILTERS[name].openapi(doc) : FILTERS[name]) as (typeof FILTERS)[K];
  };
  return {
    genre: withDocs("genre"),
    year_from: withDocs("year_from"),
    year_to: withDocs("year_to"),
    language: withDocs("language"),
  };
}

export const GENRE_DOC = { example: "Science Fiction", description: "Genre name (any case) or TMDB genre id." };

/** genre, year range and language, fully documented. */
export const FilterFields = filterFields({
  genre: GENRE_DOC,
  year_from: { example: 1990 },
  year_to: { example: 1999 },
  language: { example: "en", description: "ISO 639-1 original language." },
});

export const yearOrder = <T extends { year_from?: number; year_to?: number }>(q: T) =>
  q.year_from === undefined || q.year_to === undefined || q.year_from <= q.year_to;
export const YEAR_ORDER_ISSUE = { message: "must not be after year_to", path: ["year_from"] };

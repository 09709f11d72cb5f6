/**
 * TMDB response shapes (only the fields we use; TMDB adds fields freely) and the mapping of a film's details
 * (`/movie/{id}?append_to_response=credits,keywords,external_ids`) to a movies row.
 */
import { z } from "zod";

const Named = z.object({ id: z.number().int(), name: z.string() });

export const TmdbGenreList = z.object({ genres: z.array(Named) });

/** /movie/popular, /discover/movie and /movie/changes pages all carry `results[].id` and `total_pages`. */
export const TmdbIdPage = z.object({
  page: z.number().int(),
  results: z.array(z.object({ id: z.number().int().positive(), adult: z.boolean().nullish() })),
  total_pages: z.number().int().min(0),
});

/** /search/movie: the fields the Letterboxd resolution step compares. */
export const TmdbSearchPage = z.object({
  page: z.number().int(),
  results: z.array(
    z.object({
      id: z.number().int().positive(),
      adult: z.boolean().nullish(),
      title: z.string().nullish(),
      original_title: z.string().nullish(),
      release_date: z.string().nullish(),
      vote_count: z.number().nullish(),
    }),
  ),
  total_pages: z.number().int().min(0),
});

export const TmdbMovieDetails = z.object({
  id: z.number().int().positive(),
  adult: z.boolean().default(false),
  title: z.string().nullish(),
  original_title: z.string().nullish(),
  original_language: z.string().nullish(),
  overview: z.string().nullish(),
  release_date: z.string().nullish(),
  runtime: z.number().nullish(),
  genres: z.array(Named).default([]),
  popularity: z.number().nullish(),
  vote_average: z.number().nullish(),
  vote_count: z.number().nullish(),
  poster_path: z.string().nullish(),
  imdb_id: z.string().nullish(),
  // TMDB answers null, or the collection with its own images (which we do not store).
  belongs_to_collection: z
    .object({
      id: z.number().int().positive(),
      name: z.string(),
      poster_path: z.string().nullish(),
      backdrop_path: z.string().nullish(),
    })
    .nullish(),
  credits: z
    .object({
      cast: z.array(z.object({ name: z.string(), order: z.number().nullish() })).default([]),
      crew: z.array(z.object({ name: z.string(), job: z.string().nullish() })).default([]),
    })
    .nullish(),
  keywords: z.object({ keywords: z.array(Named).default([]) }).nullish(),
  external_ids: z.object({ imdb_id: z.string().nullish() }).nullish(),
});
export type TmdbMovieDetails = z.infer<typeof TmdbMovieDetails>;

/** A movies row as tmdb_upsert_movie takes it (keys are column names). */
export interface MovieRow {
  id: number;
  adult: boolean;
  title: string;
  original_title: string | null;
  release_date: string | null;
  runtime: number | null;
  original_language: string | null;
  genres: string[];
  keywords: string[];
  cast_names: string[];
  director: string | null;
  overview: string | null;
  popularity: number;
  vote_average: number;
  vote_count: number;
  poster_path: string | null;
  imdb_id: string | null;
  /** TMDB collection (franchise or series); similar films rank its other films first. */
  collection_id: number | null;
  collection_name: string | null;
}

export const TOP_CAST = 10;

const clean = (s: string | null | undefined) => {
  const t = s?.trim();
  return t ? t : null;
};

/** Maps details to a row; throws (with a reason) when the film cannot be stored, e.g. it has no title at all. */
export function mapMovie(d: TmdbMovieDetails): MovieRow {
  const title = clean(d.title) ?? clean(d.original_title);
  if (!title || title.length > 500) throw new Error("film has no usable title");
  const date = clean(d.release_date);
  const year = date ? Number(date.slice(0, 4)) : Number.NaN;
  const validDate = date && /^\d{4}-\d{2}-\d{2}$/.test(date) && year >= 1870 && year <= 2200 ? date : null;
  const language = clean(d.original_language)?.toLowerCase() ?? null;
  const imdb = clean(d.imdb_id) ?? clean(d.external_ids?.imdb_id);
  const cast = [...(d.credits?.cast ?? [])]
    .sort((a, b) => (a.order ?? Number.MAX_SAFE_INTEGER) - (b.order ?? Number.MAX_SAFE_INTEGER))
    .map((c) => c.name.trim())
    .filter(Boolean);
  const directors = [...new Set((d.credits?.crew ?? []).filter((c) => c.job === "Director").map((c) => c.name.trim()))];
  const keywords = [...new Set((d.keywords?.keywords ?? []).map((k) => k.name.trim().toLowerCase()).filter(Boolean))];
  const runtime = d.runtime && d.runtime > 0 ? Math.min(Math.round(d.runtime), 32_767) : null;
  return {
    id: d.id,
    adult: d.adult,
    title,
    original_title: clean(d.original_title),
    release_date: validDate,
    runtime,
    original_language: language && /^[a-z]{2,3}$/.test(language) ? language : null,
    genres: d.genres.map((g) => g.name),
    keywords,
    cast_names: [...new Set(cast)].slice(0, TOP_CAST),
    director: directors.length > 0 ? directors.join(", ") : null,
    overview: clean(d.overview),
    popularity: Math.max(0, d.popularity ?? 0),
    vote_average: Math.min(10, Math.max(0, d.vote_average ?? 0)),
    vote_count: Math.max(0, Math.round(d.vote_count ?? 0)),
    poster_path: clean(d.poster_path),
    imdb_id: imdb && /^tt\d+$/.test(imdb) ? imdb : null,
    collection_id: d.belongs_to_collection?.id ?? null,
    collection_name: clean(d.belongs_to_collection?.name),
  };
}

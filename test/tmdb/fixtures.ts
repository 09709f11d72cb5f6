/** The tiny TMDB fixture catalogue (test/fixtures/tmdb/catalogue.json) and a fake TMDB serving it. */
import { readFileSync } from "node:fs";
import type { TmdbMovieDetails } from "../../functions/lib/tmdb/map";
import type { FakeCatalogue } from "../../node/fakes/tmdb-server";

export const CATALOGUE: FakeCatalogue = JSON.parse(
  readFileSync(new URL("../fixtures/tmdb/catalogue.json", import.meta.url), "utf8"),
);

/** Ids by name, so assertions read like the fixture. */
export const ID = {
  matrix: 603,
  matrixReloaded: 604,
  matrixRevolutions: 605,
  inception: 27205,
  heat: 949,
  gravity: 49047,
  arrival: 329865,
  amelie: 194,
  adult: 777001,
  deleted: 424242,
};

export function catalogue(overrides: Partial<FakeCatalogue> = {}): FakeCatalogue {
  return { ...structuredClone(CATALOGUE), ...overrides };
}

export function film(c: FakeCatalogue, id: number): TmdbMovieDetails {
  const found = c.movies.find((m) => m.id === id);
  if (!found) throw new Error(`no fixture film ${id}`);
  return found;
}

/**
 * The Matrix's two sequels in The Matrix Collection (facts: ids, titles, dates, runtimes; the same directors, lead
 * cast and genres as the fixture's Matrix), for the tests of `belongs_to_collection`.
 */
export function matrixSequels(c: FakeCatalogue): TmdbMovieDetails[] {
  const matrix = film(c, ID.matrix);
  const sequel = (id: number, title: string, date: string, runtime: number, votes: number): TmdbMovieDetails => ({
    ...structuredClone(matrix),
    id,
    title,
    original_title: title,
    release_date: date,
    runtime,
    overview: `${title}: a sequel written for these tests.`,
    popularity: 40,
    vote_count: votes,
    poster_path: `/poster${id}.jpg`,
    imdb_id: null,
    external_ids: { imdb_id: null },
  });
  return [
    sequel(ID.matrixReloaded, "The Matrix Reloaded", "2003-05-15", 138, 10_000),
    sequel(ID.matrixRevolutions, "The Matrix Revolutions", "2003-11-05", 129, 8_000),
  ];
}

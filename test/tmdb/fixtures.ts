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

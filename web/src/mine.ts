/**
 * My ratings and signals, loaded once after sign-in and kept in step with every change made here, so each screen
 * shows the same pressed buttons and stars without asking the API again. Every change returns its undo.
 */
import type { MovieSummary } from "../client";
import { api, client } from "./api";

export type Signal = "like" | "watchlist" | "hide";
export interface FilmRef {
  id: number;
  title: string;
  year: number | null;
  posterPath?: string | null;
  genres?: string[];
}

const ratings = new Map<number, number>();
const signals: Record<Signal, Set<number>> = { like: new Set(), watchlist: new Set(), hide: new Set() };
const films = new Map<number, FilmRef>();
const listeners = new Set<() => void>();
let loaded = false;

function changed() {
  for (const listener of listeners) listener();
}

function remember(film: FilmRef | MovieSummary) {
  const known = films.get(film.id);
  films.set(film.id, { ...known, ...film });
}

async function loadRatings() {
  let cursor: string | undefined;
  do {
    const page = await api(client.GET("/v1/ratings/me", { params: { query: { limit: 100, cursor } } }));
    for (const r of page.data) {
      ratings.set(r.movieId, r.rating);
      remember({ id: r.movieId, title: r.title, year: r.year, posterPath: r.posterPath });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

async function loadSignal(type: Signal) {
  let cursor: string | undefined;
  do {
    const page = await api(client.GET("/v1/interactions/me", { params: { query: { type, limit: 100, cursor } } }));
    for (const i of page.data) {
      if (i.movieId === null) continue;
      signals[type].add(i.movieId);
      if (i.title) remember({ id: i.movieId, title: i.title, year: i.year ?? null });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

export const mine = {
  get loaded() {
    return loaded;
  },
  async load() {
    this.reset();
    await Promise.all([loadRatings(), loadSignal("like"), loadSignal("watchlist"), loadSignal("hide")]);
    loaded = true;
    changed();
  },
  reset() {
    ratings.clear();
    for (const set of Object.values(signals)) set.clear();
    films.clear();
    loaded = false;
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  rating(id: number): number | null {
    return ratings.get(id) ?? null;
  },
  has(type: Signal, id: number): boolean {
    return signals[type].has(id);
  },
  get ratingCount() {
    return ratings.size;
  },
  film(id: number): FilmRef | undefined {
    return films.get(id);
  },
  /** Rated films, highest first; films with this signal, most recent first (insertion order reversed). */
  rated(): { film: FilmRef; rating: number }[] {
    return [...ratings]
      .map(([id, rating]) => ({ film: films.get(id) ?? { id, title: `Film ${id}`, year: null }, rating }))
      .sort((a, b) => b.rating - a.rating || a.film.title.localeCompare(b.film.title));
  },
  withSignal(type: Signal): FilmRef[] {
    return [...signals[type]].reverse().map((id) => films.get(id) ?? { id, title: `Film ${id}`, year: null });
  },

  /** Sets (or, with null, removes) my rating; resolves to the undo. */
  async rate(film: FilmRef | MovieSummary, stars: number | null): Promise<() => Promise<void>> {
    remember(film);
    const before = ratings.get(film.id) ?? null;
    if (stars === null) {
      await api(client.DELETE("/v1/ratings/{movieId}", { params: { path: { movieId: film.id } } }));
      ratings.delete(film.id);
    } else {
      await api(
        client.PUT("/v1/ratings/{movieId}", { params: { path: { movieId: film.id } }, body: { rating: stars } }),
      );
      ratings.set(film.id, stars);
    }
    changed();
    return async () => {
      await mine.rate(film, before);
    };
  },

  /** Turns a signal on or off; resolves to the undo. */
  async set(type: Signal, film: FilmRef | MovieSummary, on: boolean): Promise<() => Promise<void>> {
    remember(film);
    const before = signals[type].has(film.id);
    if (on) {
      await api(client.POST("/v1/interactions", { body: { type, movieId: film.id } }));
      signals[type].add(film.id);
    } else {
      await api(client.DELETE("/v1/interactions/{type}/{movieId}", { params: { path: { type, movieId: film.id } } }));
      signals[type].delete(film.id);
    }
    changed();
    return async () => {
      if (before !== on) await mine.set(type, film, before);
    };
  },
};

/**
 * Guided cold start: before the first list, a new user rates a handful of well-known films, one from each of
 * several genres, so the first recommendations already reflect their taste (3 ratings lift them out of the
 * API's cold start).
 */
import type { MovieSummary } from "../../client";
import { api, client } from "../api";
import { h, plural, replaceChildren } from "../dom";
import { navigate, type Screen } from "../main";
import { mine } from "../mine";
import { stars } from "../ui/controls";
import { poster } from "../ui/poster";
import { errorBox, heading } from "./common";

export const STARTER_GENRES = [
  "Action",
  "Comedy",
  "Drama",
  "Science Fiction",
  "Animation",
  "Horror",
  "Romance",
  "Crime",
];
export const ENOUGH_RATINGS = 3;

/** The most popular film of each starter genre, no film twice. */
async function starterFilms(): Promise<MovieSummary[]> {
  const lists = await Promise.all(
    STARTER_GENRES.map((genre) =>
      api(client.GET("/v1/movies", { params: { query: { genre, sort: "popularity", order: "desc", limit: 6 } } })),
    ),
  );
  const chosen = new Map<number, MovieSummary>();
  for (const list of lists) {
    const film = list.data.find((f) => !chosen.has(f.id));
    if (film) chosen.set(film.id, film);
  }
  return [...chosen.values()];
}

export const onboardingScreen: Screen = async (main) => {
  let films: MovieSummary[];
  try {
    films = await starterFilms();
  } catch (error) {
    replaceChildren(
      main,
      heading("Rate a few films"),
      errorBox(error, () => void onboardingScreen(main, { path: [], query: new URLSearchParams() })),
    );
    return;
  }
  const progress = h("p", { class: "progress", "aria-live": "polite" });
  const done = h(
    "button",
    { type: "button", class: "primary", onclick: () => navigate("#/") },
    "Show my recommendations",
  );
  const update = () => {
    const rated = mine.ratingCount;
    const left = Math.max(0, ENOUGH_RATINGS - rated);
    progress.textContent =
      left > 0
        ? `${plural(rated, "film")} rated. Rate ${plural(left, "more film")} for recommendations that fit you.`
        : `${plural(rated, "film")} rated. Your list is ready.`;
    done.disabled = left > 0;
  };
  const stopListening = mine.subscribe(update);
  window.addEventListener("hashchange", () => stopListening(), { once: true });
  replaceChildren(
    main,
    heading(
      "Rate a few films you have seen",
      "One from each of several genres. Half stars count; skip any you have not seen.",
    ),
    h(
      "ol",
      { class: "starter-grid" },
      films.map((film) =>
        h(
          "li",
          { class: "starter", "data-film": film.id },
          poster(film, "w185"),
          h(
            "p",
            { class: "card-title" },
            film.title,
            film.year ? h("span", { class: "year" }, ` (${film.year})`) : null,
          ),
          h("p", { class: "meta" }, film.genres.slice(0, 2).join(", ")),
          stars(film),
        ),
      ),
    ),
    h("div", { class: "row sticky-actions" }, progress, done, h("a", { href: "#/", class: "link" }, "Skip for now")),
  );
  update();
};

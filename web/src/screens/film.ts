/** A film: its details, my rating and signals, and similar films with what they share. */
import type { MovieDetail, SimilarMovie } from "../../client";
import { api, client } from "../api";
import { h, replaceChildren } from "../dom";
import type { Screen } from "../main";
import { mine } from "../mine";
import { session } from "../session";
import { signalButton, stars, starsText } from "../ui/controls";
import { filmCard, meta } from "../ui/film-card";
import { poster } from "../ui/poster";
import { errorBox, heading } from "./common";

function mySignals(film: MovieDetail): string {
  const rating = mine.rating(film.id);
  const parts = [
    rating !== null ? `you rated it ${starsText(rating)}` : null,
    mine.has("like", film.id) ? "you like it" : null,
    mine.has("watchlist", film.id) ? "it is on your watchlist" : null,
    mine.has("hide", film.id) ? "you hid it from your recommendations" : null,
  ].filter(Boolean);
  return parts.length ? `So far ${parts.join(", ")}.` : "You have not rated or marked this film yet.";
}

export const filmScreen: Screen = async (main, route) => {
  const id = Number(route.path[1]);
  let film: MovieDetail;
  let similar: SimilarMovie[];
  try {
    [film, similar] = await Promise.all([
      api(client.GET("/v1/movies/{id}", { params: { path: { id } } })),
      api(client.GET("/v1/movies/{id}/similar", { params: { path: { id }, query: { limit: 12 } } })).then(
        (r) => r.data,
      ),
    ]);
  } catch (error) {
    replaceChildren(
      main,
      heading("Film"),
      errorBox(error, () => void filmScreen(main, route)),
    );
    return;
  }
  const signals = h("p", { class: "my-signals", "data-testid": "my-signals" }, mySignals(film));
  const stop = mine.subscribe(() => {
    signals.textContent = mySignals(film);
  });
  window.addEventListener("hashchange", () => stop(), { once: true });
  const facts: [string, string | null][] = [
    ["Genres", film.genres.join(", ") || null],
    ["Runtime", film.runtime ? `${film.runtime} min` : null],
    ["Released", film.releaseDate],
    ["Language", film.language],
    ["Director", film.director],
    ["Cast", film.cast.slice(0, 6).join(", ") || null],
    ["Keywords", film.keywords.slice(0, 8).join(", ") || null],
    [
      "TMDB rating",
      film.voteCount ? `${film.voteAverage.toFixed(1)} / 10 from ${film.voteCount.toLocaleString()} votes` : null,
    ],
  ];
  replaceChildren(
    main,
    h(
      "div",
      { class: "film" },
      poster(film, "w500"),
      h(
        "div",
        { class: "film-body" },
        heading(film.year ? `${film.title} (${film.year})` : film.title),
        h("p", { class: "meta" }, meta(film)),
        film.overview ? h("p", { class: "overview" }, film.overview) : null,
        h(
          "dl",
          { class: "facts" },
          facts.filter(([, v]) => v).map(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
        ),
        h(
          "section",
          { class: "panel mine", "aria-labelledby": "mine-title" },
          h("h2", { id: "mine-title" }, "You and this film"),
          session.token
            ? [
                stars(film),
                h(
                  "div",
                  { class: "signals" },
                  signalButton("like", film),
                  signalButton("watchlist", film),
                  signalButton("hide", film),
                ),
                signals,
              ]
            : h("p", null, h("a", { href: "#/account" }, "Sign in"), " to rate it, like it or keep it for later."),
        ),
      ),
    ),
    h(
      "section",
      { "aria-labelledby": "similar-title", class: "similar" },
      h("h2", { id: "similar-title" }, "Similar films"),
      similar.length
        ? h(
            "div",
            { class: "grid" },
            similar.map((s) => filmCard(s, { reasons: s.reasons, headingLevel: "h3" })),
          )
        : h("p", null, "No similar films yet."),
    ),
  );
};

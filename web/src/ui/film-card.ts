/** A film in a list: poster, title, year and genres, why it is here, and the one-tap controls. */
import type { MovieSummary, Reason } from "../../client";
import { h } from "../dom";
import { signalButton, stars } from "./controls";
import { poster } from "./poster";

export interface CardOptions {
  /** Reasons to show under "Why"; the first two (the API puts the strongest first). */
  reasons?: Reason[];
  /** Extra lines, e.g. a predicted rating or a search match. */
  notes?: (string | Node)[];
  /** Called when the film is hidden (the list takes it out). */
  onHide?: (film: MovieSummary, hidden: boolean) => void;
  headingLevel?: "h2" | "h3";
}

export function meta(film: Pick<MovieSummary, "genres" | "runtime" | "year">): string {
  return [film.genres.slice(0, 3).join(", "), film.runtime ? `${film.runtime} min` : null].filter(Boolean).join(" · ");
}

export function filmCard(film: MovieSummary, options: CardOptions = {}) {
  const href = `#/film/${film.id}`;
  const titleId = `film-${film.id}-${Math.random().toString(36).slice(2, 7)}`;
  const Heading = options.headingLevel ?? "h3";
  const reasons = options.reasons?.slice(0, 2) ?? [];
  return h(
    "article",
    { class: "card", "aria-labelledby": titleId, "data-film": film.id },
    h("a", { href, class: "card-poster", tabindex: "-1", "aria-hidden": "true" }, poster(film)),
    h(
      "div",
      { class: "card-body" },
      h(
        Heading,
        { class: "card-title", id: titleId },
        h("a", { href }, film.title),
        film.year ? h("span", { class: "year" }, ` (${film.year})`) : null,
      ),
      h("p", { class: "meta" }, meta(film)),
      reasons.length
        ? h(
            "div",
            { class: "why" },
            h("p", { class: "why-label" }, "Why"),
            h(
              "ul",
              { class: "reasons" },
              reasons.map((r) => h("li", { "data-source": r.source }, r.text)),
            ),
          )
        : null,
      ...(options.notes ?? []).map((n) => h("p", { class: "note" }, n)),
      h(
        "div",
        { class: "controls" },
        stars(film),
        h(
          "div",
          { class: "signals" },
          signalButton("like", film),
          signalButton("watchlist", film),
          signalButton("hide", film, (hidden) => options.onHide?.(film, hidden)),
        ),
      ),
    ),
  );
}

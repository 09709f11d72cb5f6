/** My films: what I rated, liked and kept for later, each with a way to change or remove it (with Undo). */
import { describe } from "../api";
import { h, plural, replaceChildren } from "../dom";
import type { Screen } from "../main";
import { type FilmRef, mine, type Signal } from "../mine";
import { stars } from "../ui/controls";
import { poster } from "../ui/poster";
import { toast } from "../ui/toast";
import { heading } from "./common";

function row(film: FilmRef, ...controls: Node[]) {
  return h(
    "li",
    { class: "mine-row", "data-film": film.id },
    h("a", { href: `#/film/${film.id}`, class: "thumb", tabindex: "-1", "aria-hidden": "true" }, poster(film, "w185")),
    h(
      "div",
      { class: "mine-body" },
      h(
        "p",
        { class: "card-title" },
        h("a", { href: `#/film/${film.id}` }, film.title),
        film.year ? h("span", { class: "year" }, ` (${film.year})`) : null,
      ),
      h("div", { class: "row" }, ...controls),
    ),
  );
}

function removeButton(label: string, film: FilmRef, remove: () => Promise<() => Promise<void>>, done: string) {
  return h(
    "button",
    {
      type: "button",
      "aria-label": `${label}: ${film.title}`,
      onclick: async () => {
        try {
          const undo = await remove();
          toast(done, undo);
        } catch (error) {
          toast(describe(error));
        }
      },
    },
    label,
  );
}

const SIGNALS: { type: Signal; title: string; empty: string; remove: string; done: (t: string) => string }[] = [
  {
    type: "like",
    title: "Liked",
    empty: "Films you like show up here.",
    remove: "Unlike",
    done: (t) => `Removed your like of ${t}.`,
  },
  {
    type: "watchlist",
    title: "Watchlist",
    empty: "Keep films for later with Watchlist.",
    remove: "Remove",
    done: (t) => `Removed ${t} from your watchlist.`,
  },
  {
    type: "hide",
    title: "Hidden",
    empty: "Films you hide are left out of your recommendations.",
    remove: "Show again",
    done: (t) => `${t} can be recommended again.`,
  },
];

export const mineScreen: Screen = (main) => {
  const body = h("div", { class: "mine-sections" });
  const paint = () => {
    const rated = mine.rated();
    replaceChildren(
      body,
      h(
        "section",
        { "aria-labelledby": "rated-title" },
        h("h2", { id: "rated-title" }, `Rated (${rated.length})`),
        rated.length
          ? h(
              "ul",
              { class: "mine-list" },
              rated.map(({ film }) =>
                row(
                  film,
                  stars(film),
                  removeButton(
                    "Remove rating",
                    film,
                    () => mine.rate(film, null),
                    `Removed your rating of ${film.title}.`,
                  ),
                ),
              ),
            )
          : h("p", null, "You have not rated a film yet. ", h("a", { href: "#/welcome" }, "Rate a few you know"), "."),
      ),
      SIGNALS.map((s) => {
        const films = mine.withSignal(s.type);
        return h(
          "section",
          { "aria-labelledby": `${s.type}-title` },
          h("h2", { id: `${s.type}-title` }, `${s.title} (${films.length})`),
          films.length
            ? h(
                "ul",
                { class: "mine-list" },
                films.map((film) =>
                  row(
                    film,
                    removeButton(s.remove, film, () => mine.set(s.type, film, false), s.done(film.title)),
                  ),
                ),
              )
            : h("p", null, s.empty),
        );
      }),
    );
  };
  // Rebuild on removal/undo only: star changes repaint the stars themselves, and rebuilding would drop focus.
  let counts = "";
  const stop = mine.subscribe(() => {
    const now = [mine.ratingCount, ...SIGNALS.map((s) => mine.withSignal(s.type).length)].join();
    if (now !== counts) {
      counts = now;
      paint();
    }
  });
  window.addEventListener("hashchange", () => stop(), { once: true });
  counts = [mine.ratingCount, ...SIGNALS.map((s) => mine.withSignal(s.type).length)].join();
  replaceChildren(main, heading("My films", `${plural(mine.ratingCount, "rating")} so far.`), body);
  paint();
};

/**
 * A film's poster from TMDB's image CDN, over a designed placeholder (title, year, a colour per genre) that shows
 * when the film has no poster_path, or while and if the image fails (offline, blocked, missing).
 */
import { TMDB_IMAGE_ORIGIN } from "../../headers";
import { h } from "../dom";

// Hues on a dark card: distinct enough to tell genres apart at a glance; text stays white on all of them.
const GENRE_HUE: Record<string, number> = {
  Action: 8,
  Adventure: 28,
  Animation: 190,
  Comedy: 48,
  Crime: 350,
  Documentary: 160,
  Drama: 265,
  Family: 120,
  Fantasy: 285,
  History: 35,
  Horror: 0,
  Music: 320,
  Mystery: 230,
  Romance: 335,
  "Science Fiction": 205,
  "TV Movie": 180,
  Thriller: 250,
  War: 90,
  Western: 22,
};

export function genreHue(genres: string[] | undefined): number {
  const first = genres?.find((g) => g in GENRE_HUE);
  return first ? GENRE_HUE[first] : 215;
}

export function poster(
  film: { title: string; year: number | null; genres?: string[]; posterPath?: string | null },
  size: "w185" | "w342" | "w500" = "w342",
): HTMLElement {
  const box = h(
    "div",
    { class: "poster", hue: genreHue(film.genres) },
    h(
      "div",
      { class: "poster-placeholder", "aria-hidden": "true" },
      h("span", { class: "poster-genre" }, film.genres?.[0] ?? "Film"),
      h("span", { class: "poster-title" }, film.title),
      film.year ? h("span", { class: "poster-year" }, film.year) : null,
    ),
  );
  if (film.posterPath) {
    // Decorative: the title is always next to the poster, so screen readers need not hear it twice.
    const img = h("img", { src: `${TMDB_IMAGE_ORIGIN}/t/p/${size}${film.posterPath}`, alt: "", loading: "lazy" });
    img.addEventListener("error", () => img.remove(), { once: true });
    img.addEventListener("load", () => box.classList.add("has-image"), { once: true });
    box.append(img);
  }
  return box;
}

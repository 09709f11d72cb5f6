/**
 * Search while typing (debounced, stale answers dropped), each hit saying why it matched: the title itself, or
 * closeness to the query (with the query words found in its title or genres).
 */
import type { SearchHit } from "../../client";
import { api, client, MarqueeApiError } from "../api";
import { append, debounce, h, plural } from "../dom";
import type { Screen } from "../main";
import { filmCard } from "../ui/film-card";
import { errorBox, heading } from "./common";

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

export function whyItMatched(hit: SearchHit, query: string): string {
  if (hit.match === "title") return `Its title is “${hit.title}”.`;
  const title = new Set(words(hit.title));
  const genres = new Set(hit.genres.flatMap(words));
  const inTitle = words(query).filter((w) => title.has(w));
  const inGenres = words(query).filter((w) => genres.has(w) && !title.has(w));
  const parts = [
    inTitle.length ? `“${inTitle.join(" ")}” in the title` : null,
    inGenres.length ? `“${inGenres.join(" ")}” in its genres` : null,
  ].filter(Boolean);
  const closeness = hit.similarity === null ? "" : ` (similarity ${Math.round(hit.similarity * 100)}%)`;
  return parts.length
    ? `Matched ${parts.join(" and ")}${closeness}.`
    : `Close to your search in its story, people and themes${closeness}.`;
}

export const searchScreen: Screen = (main, route) => {
  const initial = route.query.get("q") ?? "";
  const input = h("input", {
    id: "search-q",
    type: "search",
    value: initial,
    autocomplete: "off",
    placeholder: "batman, a heist in paris, Nolan…",
    "aria-describedby": "search-status",
  });
  const status = h("p", { id: "search-status", class: "status", "aria-live": "polite" });
  const results = h("div", { class: "grid" });
  let controller: AbortController | undefined;

  const run = async (q: string) => {
    controller?.abort();
    const query = q.trim();
    // Keep the query in the address (without a new history entry) so reload and share work.
    history.replaceState(null, "", query ? `#/search?q=${encodeURIComponent(query)}` : "#/search");
    if (!/[\p{L}\p{N}]/u.test(query)) {
      results.replaceChildren();
      status.textContent = query ? "Type a word or a number." : "";
      return;
    }
    controller = new AbortController();
    const signal = controller.signal;
    status.textContent = "Searching…";
    try {
      const found = await api(client.GET("/v1/search", { params: { query: { q: query, limit: 24 } }, signal }));
      if (signal.aborted) return;
      const films = found.data.filter((hit) => hit.kind === "movie");
      results.replaceChildren(...films.map((hit) => filmCard(hit, { notes: [whyItMatched(hit, query)] })));
      status.textContent = films.length
        ? `${plural(films.length, "film")} for “${query}”.`
        : `No film matches “${query}”. Try other words.`;
    } catch (error) {
      if (signal.aborted || (error instanceof MarqueeApiError && /abort/i.test(error.message))) return;
      status.textContent = "";
      results.replaceChildren(errorBox(error, () => void run(input.value)));
    }
  };
  const typed = debounce((q: string) => void run(q), 250);
  input.addEventListener("input", () => typed(input.value));

  append(main, [
    heading("Search"),
    h(
      "form",
      {
        role: "search",
        class: "search-form",
        onsubmit: (e: Event) => {
          e.preventDefault();
          void run(input.value);
        },
      },
      h("label", { for: "search-q" }, "Search films"),
      input,
    ),
    status,
    results,
  ]);
  if (initial) void run(initial);
  input.focus();
};

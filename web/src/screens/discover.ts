/**
 * Discover: my recommendations with their reasons and the strategy that served them. The API ranks up to 50
 * films per request and recomputes after every rating or signal, so "More" asks for a longer list and "Refresh"
 * (or pulling down on a touch screen) asks again: after a like, the fresh list differs, as the API defines.
 */
import type { MovieSummary, RecommendationList } from "../../client";
import { api, client } from "../api";
import { h, plural, replaceChildren } from "../dom";
import type { Screen } from "../main";
import { mine } from "../mine";
import { filmCard } from "../ui/film-card";
import { toast } from "../ui/toast";
import { errorBox, heading } from "./common";

const STRATEGIES = {
  hybrid: "Best mix",
  item: "Like films I rated",
  cf: "People like me",
  content: "Same genres, people and themes",
  popular: "Popular",
} as const;
type Strategy = keyof typeof STRATEGIES;

const SERVED: Record<string, string> = {
  hybrid: "a blend of people like you, films like yours, and popularity",
  item: "films like the ones you rated or liked",
  cf: "people whose ratings match yours",
  content: "genres, people and themes you like",
  popular: "what is popular on Marquee",
  cold_start: "popular films blended with films like the ones you rated (you are just getting started)",
};

const PAGE = 20;
const MAX = 50;

export const discoverScreen: Screen = async (main, route) => {
  const strategy = (route.query.get("strategy") as Strategy | null) ?? "hybrid";
  let limit = PAGE;
  let shown: number[] = [];

  const served = h("p", { class: "served", "data-testid": "served" });
  const note = h("p", { class: "note" });
  const list = h("div", { class: "grid", "aria-live": "off" });
  const status = h("p", { class: "visually-hidden", "aria-live": "polite" });
  const stale = h("p", { class: "stale", hidden: true });
  const more = h("button", { type: "button" }, "More films");
  const refresh = h("button", { type: "button", class: "primary", "data-action": "refresh" }, "Refresh");
  const select = h(
    "select",
    { id: "strategy" },
    Object.entries(STRATEGIES).map(([value, label]) => h("option", { value, selected: value === strategy }, label)),
  );

  const hide = (film: MovieSummary, hidden: boolean) => {
    const card = list.querySelector(`[data-film="${film.id}"]`);
    if (card) (card as HTMLElement).hidden = hidden;
  };

  const show = (result: RecommendationList, append: boolean) => {
    served.textContent = `Served by ${SERVED[result.strategy.served] ?? result.strategy.served}.`;
    served.dataset.strategy = result.strategy.served;
    note.textContent = result.strategy.note ?? "";
    note.hidden = !result.strategy.note;
    const fresh = append ? result.data.filter((f) => !shown.includes(f.id)) : result.data;
    if (!append) list.replaceChildren();
    for (const film of fresh) {
      const notes: string[] = [];
      if (film.predictedRating !== null)
        notes.push(`You would rate it about ${film.predictedRating.toFixed(1)} stars.`);
      list.append(filmCard(film, { reasons: film.reasons, notes, onHide: hide }));
    }
    shown = append ? [...shown, ...fresh.map((f) => f.id)] : result.data.map((f) => f.id);
    list.dataset.ids = shown.join(",");
    more.hidden = limit >= MAX || result.data.length < limit;
    status.textContent = `${plural(shown.length, "recommendation")} shown.`;
    stale.hidden = true;
  };

  const load = async (append: boolean) => {
    refresh.disabled = true;
    more.disabled = true;
    try {
      const result = await api(client.GET("/v1/recommendations", { params: { query: { limit, strategy } } }));
      // Without kind=book the answer is always films.
      if (result.kind !== "movie") throw new Error("expected films");
      show(result, append);
    } catch (error) {
      if (!append) list.replaceChildren(errorBox(error, () => void load(false)));
      else toast("Could not load more films. Try again.");
    } finally {
      refresh.disabled = false;
      more.disabled = false;
    }
  };

  refresh.addEventListener("click", () => {
    limit = PAGE;
    void load(false);
  });
  more.addEventListener("click", () => {
    limit = Math.min(MAX, limit + PAGE);
    void load(true);
  });
  select.addEventListener("change", () => {
    location.hash = select.value === "hybrid" ? "#/" : `#/?strategy=${select.value}`;
  });

  // A signal changes what the API would answer next; say so instead of reshuffling the list under the pointer.
  const stop = mine.subscribe(() => {
    stale.hidden = false;
  });
  window.addEventListener("hashchange", () => stop(), { once: true });
  stale.append(
    "Your ratings changed: ",
    h("button", { type: "button", class: "link", onclick: () => refresh.click() }, "refresh"),
    " to see what that does to your list.",
  );

  replaceChildren(
    main,
    heading("For you"),
    h("div", { class: "toolbar" }, h("label", { for: "strategy" }, "Recommend by"), select, refresh),
    served,
    note,
    mine.ratingCount < 3
      ? h(
          "p",
          { class: "notice" },
          "Rate a few films to make this list yours: ",
          h("a", { href: "#/welcome" }, "rate films you know"),
          ".",
        )
      : null,
    stale,
    status,
    list,
    h("div", { class: "row center" }, more),
  );
  pullToRefresh(main, () => refresh.click());
  await load(false);
};

/** Pull down from the top of the page on a touch screen to refresh (the Refresh button does the same). */
function pullToRefresh(el: HTMLElement, refresh: () => void) {
  let startY: number | null = null;
  el.addEventListener(
    "touchstart",
    (e) => {
      startY = window.scrollY === 0 ? e.touches[0].clientY : null;
    },
    { passive: true },
  );
  el.addEventListener(
    "touchend",
    (e) => {
      if (startY !== null && e.changedTouches[0].clientY - startY > 80) refresh();
      startY = null;
    },
    { passive: true },
  );
}

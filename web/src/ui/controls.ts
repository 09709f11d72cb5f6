/**
 * The one-tap controls on every film: rate in half stars, like, watchlist, hide. Each keeps itself in step with
 * `mine` (so the same film shows the same state everywhere) and offers Undo.
 */
import type { MovieSummary } from "../../client";
import { describe } from "../api";
import { h, uid } from "../dom";
import { type FilmRef, mine, type Signal } from "../mine";
import { session } from "../session";
import { toast } from "./toast";

const STEPS = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];
export const starsText = (v: number) => `${v} ${v === 1 ? "star" : "stars"}`;

/**
 * A radio group of ten half stars: arrow keys move through them like any radio group, a tap sets one. Changes
 * are committed after a short pause so arrowing from 1 to 4 stars sends one rating, not six.
 */
export function stars(film: FilmRef | MovieSummary, options: { onRated?: (stars: number | null) => void } = {}) {
  const name = uid("rate");
  const group = h(
    "fieldset",
    { class: "stars", "data-film": film.id },
    h("legend", { class: "visually-hidden" }, `Your rating of ${film.title}`),
  );
  const inputs: HTMLInputElement[] = [];
  let pending: ReturnType<typeof setTimeout> | undefined;

  const paint = () => {
    const current = mine.rating(film.id);
    for (const input of inputs) {
      const value = Number(input.value);
      input.checked = current === value;
      input.parentElement?.classList.toggle("on", current !== null && value <= current);
    }
    clear.hidden = current === null;
  };

  const commit = async (value: number | null) => {
    try {
      const undo = await mine.rate(film, value);
      options.onRated?.(value);
      toast(
        value === null ? `Removed your rating of ${film.title}.` : `Rated ${film.title} ${starsText(value)}.`,
        undo,
      );
    } catch (error) {
      toast(describe(error));
      paint();
    }
  };

  STEPS.forEach((value, i) => {
    const input = h("input", { type: "radio", name, value, class: "star-input" });
    input.addEventListener("change", () => {
      if (!session.token) {
        toast("Sign in to rate films.");
        paint();
        return;
      }
      for (const other of inputs) other.parentElement?.classList.toggle("on", Number(other.value) <= value);
      clearTimeout(pending);
      pending = setTimeout(() => void commit(value), 350);
    });
    inputs.push(input);
    // The input lies over its half star, so a tap or a click lands on the radio itself; the label names it.
    group.append(
      h(
        "label",
        { class: i % 2 === 0 ? "half left" : "half right", title: starsText(value) },
        input,
        h("span", { class: "visually-hidden" }, starsText(value)),
      ),
    );
  });
  const clear = h(
    "button",
    { type: "button", class: "icon clear-rating", "aria-label": `Remove my rating of ${film.title}` },
    "×",
  );
  clear.addEventListener("click", () => {
    clearTimeout(pending);
    void commit(null);
  });
  group.append(clear);
  paint();
  const stop = mine.subscribe(paint);
  // Stop listening once the control leaves the page (screens are rebuilt on navigation).
  queueMicrotask(() => watchRemoval(group, stop));
  return group;
}

const LABELS: Record<Signal, { on: string; off: string; done: string; undone: string }> = {
  like: { on: "Liked", off: "Like", done: "Liked", undone: "Removed your like of" },
  watchlist: {
    on: "On watchlist",
    off: "Watchlist",
    done: "Added to your watchlist:",
    undone: "Removed from your watchlist:",
  },
  hide: { on: "Hidden", off: "Hide", done: "Hidden:", undone: "Shown again:" },
};

export function signalButton(type: Signal, film: FilmRef | MovieSummary, onChange?: (on: boolean) => void) {
  const labels = LABELS[type];
  const button = h("button", { type: "button", class: `signal signal-${type}`, "data-signal": type });
  const paint = () => {
    const on = mine.has(type, film.id);
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? labels.on : labels.off;
    button.setAttribute("aria-label", `${on ? labels.on : labels.off}: ${film.title}`);
  };
  button.addEventListener("click", async () => {
    if (!session.token) {
      toast("Sign in to keep your likes, watchlist and hidden films.");
      return;
    }
    const on = !mine.has(type, film.id);
    button.disabled = true;
    try {
      const undo = await mine.set(type, film, on);
      onChange?.(on);
      toast(`${on ? labels.done : labels.undone} ${film.title}.`, async () => {
        await undo();
        onChange?.(!on);
      });
    } catch (error) {
      toast(describe(error));
    } finally {
      button.disabled = false;
    }
  });
  paint();
  const stop = mine.subscribe(paint);
  queueMicrotask(() => watchRemoval(button, stop));
  return button;
}

const watched = new Map<Element, { stop: () => void; attached: boolean }>();
let observer: MutationObserver | undefined;

/** Unsubscribes a control once it has been on the page and left it (it may be built before being attached). */
function watchRemoval(el: Element, stop: () => void) {
  watched.set(el, { stop, attached: el.isConnected });
  observer ??= new MutationObserver(() => {
    for (const [node, entry] of watched) {
      if (node.isConnected) entry.attached = true;
      else if (entry.attached) {
        entry.stop();
        watched.delete(node);
      }
    }
  });
  observer.observe(document.body, { childList: true, subtree: true });
}

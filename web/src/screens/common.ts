/** Pieces every screen uses: its heading (the focus target after navigation) and its error message. */
import { describe } from "../api";
import { h } from "../dom";

export function heading(text: string, sub?: string) {
  document.title = text === "Marquee" ? text : `${text} · Marquee`;
  return [h("h1", { tabindex: "-1" }, text), sub ? h("p", { class: "lede" }, sub) : null];
}

export function errorBox(error: unknown, retry?: () => void) {
  return h(
    "div",
    { class: "error", role: "alert" },
    h("p", null, describe(error)),
    retry ? h("button", { type: "button", onclick: retry }, "Try again") : null,
  );
}

export function field(
  label: string,
  input: Record<string, unknown> & { name: string },
  hint?: string,
): { row: HTMLElement; input: HTMLInputElement } {
  const id = `f-${input.name}-${Math.random().toString(36).slice(2, 6)}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const el = h("input", { id, "aria-describedby": hintId, ...input });
  return {
    input: el,
    row: h(
      "div",
      { class: "field" },
      h("label", { for: id }, label),
      el,
      hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    ),
  };
}

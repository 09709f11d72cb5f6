/** Short notices in a polite live region, with an optional Undo that stays for a few seconds. */
import { h } from "../dom";

export function toast(text: string, undo?: () => Promise<void> | void, ms = 7000) {
  const region = document.getElementById("toasts");
  if (!region) return;
  const item = h("div", { class: "toast" }, h("span", null, text));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const close = () => {
    clearTimeout(timer);
    item.remove();
  };
  if (undo) {
    item.append(
      h(
        "button",
        {
          type: "button",
          class: "link",
          onclick: async () => {
            close();
            try {
              await undo();
              toast("Undone.");
            } catch {
              toast("Could not undo. Try again.");
            }
          },
        },
        "Undo",
      ),
    );
  }
  item.append(h("button", { type: "button", class: "icon", "aria-label": "Dismiss", onclick: close }, "×"));
  // Three at most: a burst of ratings should not cover the page.
  while (region.children.length >= 3) region.firstElementChild?.remove();
  region.append(item);
  timer = setTimeout(close, ms);
}

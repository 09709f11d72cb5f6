/**
 * The Marquee web app: hash routes (so any static host, Workers assets included, serves it from one index.html
 * with no rewrite rules) rendering one screen at a time into <main>, built with plain DOM calls.
 */
import { api, client, whenSessionEnds } from "./api";
import { banner } from "./banner";
import { h, replaceChildren } from "./dom";
import { mine } from "./mine";
import { accountScreen } from "./screens/account";
import { discoverScreen } from "./screens/discover";
import { filmScreen } from "./screens/film";
import { mineScreen } from "./screens/my-films";
import { onboardingScreen } from "./screens/onboarding";
import { searchScreen } from "./screens/search";
import { session } from "./session";

export interface Route {
  path: string[];
  query: URLSearchParams;
}

export type Screen = (main: HTMLElement, route: Route) => Promise<void> | void;

const SCREENS: Record<string, { screen: Screen; nav: string; needsAccount?: boolean }> = {
  "": { screen: discoverScreen, nav: "discover", needsAccount: true },
  welcome: { screen: onboardingScreen, nav: "discover", needsAccount: true },
  search: { screen: searchScreen, nav: "search" },
  film: { screen: filmScreen, nav: "" },
  mine: { screen: mineScreen, nav: "mine", needsAccount: true },
  account: { screen: accountScreen, nav: "account" },
};

function currentRoute(): Route {
  const raw = location.hash.startsWith("#/") ? location.hash.slice(2) : "";
  const [path, query = ""] = raw.split("?");
  return { path: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function navigate(hash: string) {
  if (location.hash === hash) void render();
  else location.hash = hash;
}

let renderCount = 0;
let flash: string | null = null;

/** A message for the next screen (e.g. why the user landed on the sign-in form). */
export function flashNext(message: string) {
  flash = message;
}
export function takeFlash(): string | null {
  const message = flash;
  flash = null;
  return message;
}

async function render() {
  const main = document.getElementById("main") as HTMLElement;
  const route = currentRoute();
  const entry = SCREENS[route.path[0] ?? ""] ?? SCREENS[""];
  renderCount += 1;
  const thisRender = renderCount;
  for (const link of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) {
    if (link.dataset.nav === entry.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const accountLink = document.getElementById("account-link");
  if (accountLink) accountLink.textContent = session.user ? "Account" : "Sign in";

  if (entry.needsAccount && !session.token) {
    flashNext(
      route.path[0] === "mine" ? "Sign in to see your films." : "Sign in or create an account for your own list.",
    );
    navigate("#/account");
    return;
  }
  main.setAttribute("aria-busy", "true");
  try {
    if (session.token && !mine.loaded) await mine.load();
    if (thisRender !== renderCount) return;
    replaceChildren(main);
    await entry.screen(main, route);
  } catch (error) {
    if (thisRender !== renderCount) return;
    const { describe } = await import("./api");
    replaceChildren(
      main,
      h("h1", { tabindex: "-1" }, "Something went wrong"),
      h("p", { class: "error" }, describe(error)),
      h("button", { type: "button", onclick: () => void render() }, "Try again"),
    );
  } finally {
    if (thisRender === renderCount) main.removeAttribute("aria-busy");
  }
  // Move focus to the new screen's heading so keyboard and screen-reader users start there (not on first load).
  if (thisRender > 1 && thisRender === renderCount) main.querySelector<HTMLElement>("h1")?.focus();
}

whenSessionEnds((message) => {
  mine.reset();
  flashNext(message);
  navigate("#/account");
});

window.addEventListener("hashchange", () => {
  if (location.hash === "" || location.hash.startsWith("#/")) void render();
});
window.addEventListener("online", () => {
  if (banner.kind === "offline") {
    banner.clear("offline");
    void render();
  }
});
window.addEventListener("offline", () => banner.offline());

document.getElementById("skip-link")?.addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main")?.focus();
});

/** Re-reads my profile so a token for a deleted account, or one the server no longer accepts, ends here. */
async function start() {
  if (session.token) await api(client.GET("/v1/auth/me")).catch(() => {});
  await render();
  document.body.dataset.ready = "true";
}

void start();

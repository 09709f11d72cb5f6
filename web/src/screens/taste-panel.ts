/**
 * My taste, as GET /v1/auth/me/taste reports it: the genres, decades and directors I rate most, and the taste
 * group the nightly job placed me in (KMeans over the learned user factors), or why there is none yet.
 */
import { api, client } from "../api";
import { h, replaceChildren } from "../dom";

export function tastePanel() {
  const body = h("div", { role: "status", "aria-live": "polite" }, "Loading your taste…");
  const panel = h(
    "section",
    { class: "panel", "aria-labelledby": "taste-title", "data-testid": "taste" },
    h("h2", { id: "taste-title" }, "Your taste"),
    body,
  );
  void api(client.GET("/v1/auth/me/taste")).then(
    (t) => {
      const list = (label: string, items: string[]) =>
        items.length ? h("p", null, `${label}: ${items.slice(0, 5).join(", ")}`) : null;
      replaceChildren(
        body,
        list("Genres you rate most", t.topGenres),
        list("Decades", t.topDecades),
        list("Directors", t.topDirectors),
        t.tasteGroup
          ? h("p", null, `Taste group: ${t.tasteGroup.label}`)
          : h("p", null, "No taste group yet: groups are formed by the nightly job from everyone's ratings."),
      );
    },
    () => replaceChildren(body, "Your taste could not be loaded right now."),
  );
  return panel;
}

/**
 * Every route fits Hono's RegExpRouter. SmartRouter picks the first router that can hold all routes; one path the
 * RegExpRouter cannot hold (a static segment beside a parameter that both have children, such as
 * /v1/ratings/{movieId} beside /v1/ratings/books/{bookId}) silently moves every request of the app to the slower
 * TrieRouter. That happened once (issue 16) and cost the film detail read about a third of its throughput.
 */
import { RegExpRouter } from "hono/router/reg-exp-router";
import { describe, expect, it } from "vitest";
import { createApp } from "../../functions/app";

describe("the router", () => {
  it("holds every route in the RegExpRouter", () => {
    const app = createApp({
      services: () => {
        throw new Error("this test sends no request");
      },
    });
    const router = new RegExpRouter<number>();
    for (const [k, route] of app.routes.entries()) router.add(route.method, route.path, k);
    // The matcher is built on the first match: a path it cannot hold throws UnsupportedPathError naming it.
    let refused = "";
    try {
      router.match("GET", "/");
    } catch (error) {
      refused = `${(error as Error).name}: ${(error as Error).message}`;
    }
    expect(refused, "a route the RegExpRouter refuses").toBe("");
  });
});

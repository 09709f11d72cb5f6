/** GET /docs: interactive API documentation rendered in the browser from /openapi.json; works offline. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { DOCS_HTML, docsContentSecurityPolicy } from "./docs-page";

export const route = createRoute({
  method: "get",
  path: "/docs",
  tags: ["System"],
  summary: "Interactive API documentation",
  description:
    "An HTML page that renders this OpenAPI document with a Try it form per operation. Self-contained (no CDN) " +
    "and served under a strict Content-Security-Policy.",
  responses: {
    200: { description: "The docs page.", content: { "text/html": { schema: z.string() } } },
    ...errorResponses(405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) =>
    c.html(DOCS_HTML, 200, {
      "Content-Security-Policy": await docsContentSecurityPolicy(),
      "Cache-Control": "public, max-age=300",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    }),
  );
}

/** GET /v1/imports/{id}: one of my imports, with matched / added / unmatched counts and the unmatched films. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { LetterboxdImport, toLetterboxdImport } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/v1/imports/{id}",
  tags: ["Imports"],
  summary: "One of my imports",
  description: "Counts rise as the TMDB resolution step adds unmatched films. Someone else's import answers 404.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { params: z.object({ id: z.uuid("must be an import id").openapi({ param: { name: "id", in: "path" } }) }) },
  responses: {
    200: { description: "The import.", content: { "application/json": { schema: LetterboxdImport } } },
    ...errorResponses(400, 401, 404, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const user = currentUser(c);
    const [row] = await c
      .get("services")
      .db.rpc("get_letterboxd_import", { p_user_id: user.id, p_import_id: id }, { jwt: user.token });
    if (!row) throw new ApiError("NOT_FOUND", `import ${id} not found`);
    c.header("Cache-Control", "private, no-store");
    return c.json(toLetterboxdImport(row), 200);
  });
}

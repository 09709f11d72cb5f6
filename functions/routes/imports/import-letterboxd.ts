/**
 * POST /v1/imports/letterboxd: imports the signed-in user's Letterboxd export (the ZIP, or one of its CSV files)
 * and answers with the import's report. The rows are matched and applied in SQL batch by batch while the upload
 * is inflated and parsed; films not in the catalogue stay unmatched until the TMDB resolution step.
 */
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { ExportError } from "../../lib/letterboxd/export";
import { importLetterboxdExport } from "../../lib/letterboxd/import";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { LetterboxdImport, LetterboxdUpload, toLetterboxdImport } from "./schemas";
import { letterboxdUploadLimit } from "./upload-limit";

export const route = createRoute({
  method: "post",
  path: "/v1/imports/letterboxd",
  tags: ["Imports"],
  summary: "Import a Letterboxd export",
  description:
    "Ratings become ratings (half stars kept), likes/films.csv likes, watched.csv seen, watchlist.csv your " +
    "watchlist, diary and review entries dated viewings in your watch history. Films are matched by title and " +
    'year (case, accents, punctuation and "The" folded; original titles; ±1 year). Importing the same export ' +
    "again changes nothing; a newer one adds what is new, and the newest timestamp wins against what you did in " +
    "Marquee. Limits: IMPORT_MAX_BYTES per upload (default 10 MB), IMPORT_MAX_ROWS rows (default 100,000).",
  middleware: [requireAuth, letterboxdUploadLimit] as const,
  security: BEARER_AUTH,
  request: { body: { required: true, content: { "multipart/form-data": { schema: LetterboxdUpload } } } },
  responses: {
    201: {
      description: "Imported; the report with matched and unmatched films. Location: GET /v1/imports/{id}.",
      content: { "application/json": { schema: LetterboxdImport } },
    },
    ...errorResponses(400, 401, 405, 409, 413, 415),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const form = c.req.valid("form");
    const user = currentUser(c);
    const { db, config } = c.get("services");
    let report: Awaited<ReturnType<typeof importLetterboxdExport>>;
    try {
      report = await importLetterboxdExport(db, {
        userId: user.id,
        jwt: user.token,
        fileName: form.file.name,
        bytes: new Uint8Array(await form.file.arrayBuffer()),
        limits: {
          maxRows: config.IMPORT_MAX_ROWS,
          maxEntryBytes: config.IMPORT_MAX_ENTRY_BYTES,
        },
        username: form.username,
        publicProfile: form.publicProfile,
      });
    } catch (error) {
      if (error instanceof ExportError) {
        const code =
          error.status === 413 ? "PAYLOAD_TOO_LARGE" : error.status === 415 ? "UNSUPPORTED_MEDIA_TYPE" : "BAD_REQUEST";
        throw new ApiError(code, error.message);
      }
      throw error;
    }
    const body = toLetterboxdImport(report);
    c.header("Location", `/v1/imports/${body.id}`);
    c.header("Cache-Control", "private, no-store");
    return c.json(body, 201);
  });
}

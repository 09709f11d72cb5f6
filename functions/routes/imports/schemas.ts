/** Request and response shapes of /v1/imports. */
import { z } from "@hono/zod-openapi";
import type { RpcRow } from "../../lib/db/port";
import { Username } from "../auth/schemas";

export const LetterboxdUpload = z
  .object({
    file: z.instanceof(File, { message: 'the export must be sent as a file in the field "file"' }).openapi({
      type: "string",
      format: "binary",
      description:
        "The export ZIP as Letterboxd gives it (Settings › Data), or one of its CSV files named as in the export " +
        "(ratings.csv, watched.csv, watchlist.csv, diary.csv, reviews.csv, likes-films.csv).",
    }),
    username: Username.optional().openapi({
      description: "Set your public username (e.g. your Letterboxd name) at the same time.",
    }),
    publicProfile: z
      .enum(["true", "false"])
      .transform((v) => v === "true")
      .optional()
      .openapi({
        type: "string",
        description: "true: make the username reachable by the /api/... username endpoints.",
      }),
  })
  .openapi("LetterboxdUpload");

const UnmatchedFilm = z.object({
  name: z.string(),
  year: z.number().int().nullable(),
  letterboxdUri: z.string().nullable(),
});

export const LetterboxdImport = z
  .object({
    id: z.uuid(),
    status: z.enum(["running", "done", "failed"]),
    files: z.array(z.string()),
    rowsRead: z.number().int(),
    films: z.object({
      matched: z.number().int().openapi({ description: "Distinct films found in the catalogue." }),
      added: z.number().int().openapi({ description: "Films added from TMDB by the resolution step since." }),
      unmatched: z.number().int().openapi({ description: "Films not (yet) in the catalogue." }),
    }),
    matchRate: z.number().nullable().openapi({ description: "(matched + added) / all distinct films." }),
    unmatched: z.array(UnmatchedFilm).openapi({ description: "Unmatched films, by name (at most 200)." }),
    error: z.string().nullable(),
    createdAt: z.string().openapi({ format: "date-time" }),
    finishedAt: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("LetterboxdImport");

export function toLetterboxdImport(row: RpcRow<"get_letterboxd_import">): z.infer<typeof LetterboxdImport> {
  const matched = Number(row.matched ?? 0);
  const added = Number(row.added ?? 0);
  const unmatched = Number(row.unmatched ?? 0);
  const total = matched + added + unmatched;
  return {
    id: String(row.id),
    status: row.status as "running" | "done" | "failed",
    files: row.files ?? [],
    rowsRead: Number(row.rows_read ?? 0),
    films: { matched, added, unmatched },
    matchRate: total === 0 ? null : Math.round(((matched + added) / total) * 10_000) / 10_000,
    unmatched: (row.unmatched_films ?? []) as z.infer<typeof UnmatchedFilm>[],
    error: row.error,
    createdAt: new Date(String(row.created_at)).toISOString(),
    finishedAt: row.finished_at ? new Date(String(row.finished_at)).toISOString() : null,
  };
}

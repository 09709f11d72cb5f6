/** Shapes of a user's taste profile and of taste groups. */
import { z } from "@hono/zod-openapi";
import type { RpcRow } from "../../lib/db/port";
import { MovieSummary } from "../movies/schemas";

export const TasteProfile = z
  .object({
    ratings: z.number().int(),
    averageRating: z.number().nullable(),
    interactions: z.record(z.string(), z.number().int()).openapi({ description: "Signals by type." }),
    viewings: z.number().int().openapi({ description: "Dated viewings in the watch history (rewatches included)." }),
    topGenres: z.array(z.string()),
    topDecades: z.array(z.string()),
    topDirectors: z.array(z.string()),
    tasteGroup: z.object({ id: z.number().int(), label: z.string() }).nullable(),
    neighbours: z.object({ count: z.number().int(), meanSimilarity: z.number().nullable() }),
    nightlyAt: z.string().nullable().openapi({ description: "The last nightly computation." }),
    cachedAt: z.string().nullable().openapi({ description: "When the cached recommendation list was computed." }),
  })
  .openapi("TasteProfile");

const iso = (v: unknown) => (v ? new Date(String(v)).toISOString() : null);
const round = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);

export function toTasteProfile(row: RpcRow<"get_taste_profile"> | undefined): z.infer<typeof TasteProfile> {
  if (!row) throw new Error("get_taste_profile returned no row");
  return {
    ratings: Number(row.ratings ?? 0),
    averageRating: round(row.average_rating),
    interactions: (row.interactions ?? {}) as Record<string, number>,
    viewings: Number(row.viewings ?? 0),
    topGenres: row.top_genres ?? [],
    topDecades: row.top_decades ?? [],
    topDirectors: row.top_directors ?? [],
    tasteGroup:
      row.taste_group_id === null || row.taste_group_id === undefined
        ? null
        : { id: Number(row.taste_group_id), label: String(row.taste_group_label) },
    neighbours: { count: Number(row.neighbours ?? 0), meanSimilarity: round(row.neighbour_mean_similarity) },
    nightlyAt: iso(row.nightly_at),
    cachedAt: iso(row.cached_at),
  };
}

export const TasteGroup = z
  .object({
    id: z.number().int(),
    label: z.string(),
    size: z.number().int(),
    topGenres: z.array(z.string()),
    topDecades: z.array(z.string()),
    topDirectors: z.array(z.string()),
    silhouette: z.number().nullable().openapi({ description: "Cluster quality of the whole clustering (-1..1)." }),
    k: z.number().int(),
    computedAt: z.string(),
    films: z.array(MovieSummary).openapi({ description: "Films the group likes far more than everyone, best first." }),
  })
  .openapi("TasteGroup");

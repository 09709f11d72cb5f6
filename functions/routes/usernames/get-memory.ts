/**
 * GET /api/memory (the seeds' path): process memory and cache counts, nothing personal. In a Worker the isolate's
 * memory is not visible to code, so it says so and reports what the isolate itself holds.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { isolateCounts, modeErrorResponses } from "./shared";

export const route = createRoute({
  method: "get",
  path: "/api/memory",
  tags: ["Usernames"],
  summary: "Memory and cache status",
  responses: {
    200: {
      description: "Memory (where visible) and counts.",
      content: {
        "application/json": {
          schema: z
            .object({
              mode: z.literal("ultra_fast"),
              process: z.object({
                visible: z.boolean(),
                note: z.string().nullable(),
                bytes: z
                  .record(z.string(), z.number())
                  .nullable()
                  .openapi({ description: "rssBytes, heapUsedBytes... in Node; null in a Worker." }),
              }),
              isolate: z.object({ computationsInFlight: z.number().int(), popularFilmsHeld: z.number().int() }),
              cache: z.object({
                cachedUsers: z.number().int(),
                cachedRows: z.number().int(),
                cachedNeighbourUsers: z.number().int(),
                tasteGroups: z.number().int(),
                clusteredUsers: z.number().int(),
              }),
            })
            .openapi("MemoryStatus"),
        },
      },
    },
    ...modeErrorResponses(405, 503),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const { db, processMemory } = c.get("services");
    const [counts] = await db.rpc("get_cache_counts", {});
    const memory = processMemory?.();
    c.header("Cache-Control", "no-store");
    return c.json(
      {
        mode: "ultra_fast" as const,
        process: memory
          ? { visible: true, note: null, bytes: memory }
          : {
              visible: false,
              note: "a Worker isolate's memory is not visible to its code; see the isolate counts",
              bytes: null,
            },
        isolate: isolateCounts(),
        cache: {
          cachedUsers: Number(counts?.cached_users ?? 0),
          cachedRows: Number(counts?.cached_rows ?? 0),
          cachedNeighbourUsers: Number(counts?.cached_neighbour_users ?? 0),
          tasteGroups: Number(counts?.taste_groups ?? 0),
          clusteredUsers: Number(counts?.clustered_users ?? 0),
        },
      },
      200,
    );
  });
}

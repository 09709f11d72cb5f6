/**
 * GET /v1/recommendations/next?cursor=: the next batch of the stored list a first batch named (batches.ts): no
 * film served from that list again, films rated, hidden or disliked since skipped; a fresh list's first batch when
 * it expired (midnight in your time zone), you interacted with every film served from it, or a newer list replaced
 * it, with `batch.restarted` saying which.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../context";
import { errorResponses } from "../../errors";
import { BEARER_AUTH, requireAuth } from "../../middleware/auth";
import { batchAt, decodeBatchCursor } from "./batches";
import { batchAnswer, RecommendationList } from "./list-recommendations";

const NextQuery = z.strictObject({
  cursor: z
    .string()
    .min(1)
    .max(1024)
    .openapi({ description: "The `next` of the previous batch (GET /v1/recommendations or this endpoint)." }),
});

export const route = createRoute({
  method: "get",
  path: "/v1/recommendations/next",
  tags: ["Recommendations"],
  summary: "The next batch of my recommendations",
  description:
    "The next films of the list the cursor belongs to, as many as its first batch had, never one served from that " +
    "list before, skipping films you rated, hid or disliked since. The list is not recomputed by your signals in " +
    "between (the first batch is); it expires at midnight in your time zone or once you have interacted with every " +
    "film served from it, and then this answers the first batch of a fresh list (`batch.restarted`).",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { query: NextQuery },
  responses: {
    200: { description: "The next batch.", content: { "application/json": { schema: RecommendationList } } },
    ...errorResponses(400, 401, 405),
  },
});

export function register(app: App) {
  app.openapi(route, async (c) => {
    const cursor = await decodeBatchCursor(c, c.req.valid("query").cursor);
    c.header("Cache-Control", "private, no-store");
    const batch = await batchAt(c, {
      listId: cursor.id,
      strategy: cursor.s,
      diversity: cursor.d,
      size: cursor.n,
      batchNumber: cursor.b,
      position: cursor.p,
    });
    if (!batch) {
      // Nothing can be stored for the user any more (every film excluded): an empty, final batch.
      return c.json(
        {
          kind: "movie" as const,
          strategy: { requested: cursor.s, served: cursor.s, coldStart: null, note: null },
          recommendationId: null,
          next: null,
          batch: null,
          data: [],
        },
        200,
      );
    }
    return c.json(batchAnswer(cursor.s, batch, cursor.d, cursor.n), 200);
  });
}

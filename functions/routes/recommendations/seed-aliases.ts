/**
 * The paths of the "Movie Recommender API" that Marquee replaces, over the same code as /v1: recommendations in
 * batches, the next batch by number, an interaction, my matches, health. Every path that names a user answers 404
 * unless it is the caller (as any other user's resource does), and the POST body's user_id likewise.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { ApiError, errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";
import { INTERACTION_TYPES, Interaction, toInteraction } from "../interactions/schemas";
import { listMatches, MatchesQuery, MatchList } from "../matches/list-matches";
import { Stars } from "../ratings/schemas";
import { Health, healthAnswer } from "../system/get-health";
import { batchAt, firstBatch } from "./batches";
import { batchAnswer, RecommendationList } from "./list-recommendations";

const TAG = "Movie Recommender API aliases";
const UserPath = z.object({ user_id: z.guid().openapi({ param: { name: "user_id", in: "path" } }) });

/** 404 unless the path's (or body's) user is the caller: another user's resource does not exist for you. */
function ownUser(c: AppContext, userId: string): void {
  if (userId.toLowerCase() !== currentUser(c).id.toLowerCase())
    throw new ApiError("NOT_FOUND", `user ${userId} not found`);
}

const SlimMovie = z
  .object({ id: z.number().int(), title: z.string(), score: z.number() })
  .passthrough()
  .openapi("SeedRecommendedMovie");

const SeedList = RecommendationList.extend({
  data: z.array(SlimMovie).openapi({
    description: "As GET /v1/recommendations; with include_movie_details false, each film is id, title and score.",
  }),
}).openapi("SeedRecommendationList");

const CreateBody = z
  .strictObject({
    user_id: z.guid(),
    force_refresh: z.boolean().default(false),
    include_movie_details: z.boolean().default(true),
  })
  .openapi("SeedRecommendationRequest");

function slim(answer: ReturnType<typeof batchAnswer>, details: boolean) {
  if (details) return answer;
  return { ...answer, data: answer.data.map((m) => ({ id: m.id, title: m.title, score: m.score })) };
}

const emptyList = {
  kind: "movie" as const,
  strategy: { requested: "hybrid" as const, served: "popular" as const, coldStart: null, note: null },
  recommendationId: null,
  next: null,
  batch: null,
  data: [],
};

export const createRecommendations = createRoute({
  method: "post",
  path: "/api/v1/recommendations/",
  tags: [TAG],
  summary: "First batch of my recommendations (alias of GET /v1/recommendations)",
  description:
    "user_id must be yours (404 otherwise). force_refresh recomputes the stored list whatever changed; " +
    "include_movie_details false answers only id, title and score per film.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { body: { required: true, content: { "application/json": { schema: CreateBody } } } },
  responses: {
    200: { description: "The first batch.", content: { "application/json": { schema: SeedList } } },
    ...errorResponses(400, 401, 404, 405, 413, 415),
  },
});

export const nextBatch = createRoute({
  method: "get",
  path: "/api/v1/recommendations/{user_id}/next",
  tags: [TAG],
  summary: "A batch of my stored list by number (alias of GET /v1/recommendations/next)",
  description:
    "Batch n holds the films at positions (n-1)·size+1 .. n·size of the stored list, less those rated, hidden or " +
    "disliked since; a fresh list (batch.restarted) when the stored one expired or every film served was interacted with.",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: {
    params: UserPath,
    query: z.strictObject({ batch_number: z.coerce.number().int().min(1).max(100).default(2) }),
  },
  responses: {
    200: { description: "The batch.", content: { "application/json": { schema: RecommendationList } } },
    ...errorResponses(400, 401, 404, 405),
  },
});

const InteractBody = z
  .strictObject({
    movie_id: z.number().int().min(1).max(2_147_483_647),
    interaction_type: z.enum(INTERACTION_TYPES.filter((t) => t !== "search") as [string, ...string[]]),
    rating: Stars.optional(),
  })
  .refine((b) => (b.interaction_type === "rate") === (b.rating !== undefined), {
    message: "rating is needed with interaction_type rate, and only then",
  })
  .openapi("SeedInteractionRequest");

export const interact = createRoute({
  method: "post",
  path: "/api/v1/recommendations/{user_id}/interact",
  tags: [TAG],
  summary: "Record an interaction (alias of POST /v1/interactions)",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: {
    params: UserPath,
    body: { required: true, content: { "application/json": { schema: InteractBody } } },
  },
  responses: {
    200: { description: "Already recorded.", content: { "application/json": { schema: Interaction } } },
    201: { description: "Recorded.", content: { "application/json": { schema: Interaction } } },
    ...errorResponses(400, 401, 404, 405, 413, 415),
  },
});

export const matches = createRoute({
  method: "get",
  path: "/api/v1/recommendations/{user_id}/matches",
  tags: [TAG],
  summary: "My taste matches (alias of GET /v1/matches)",
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { params: UserPath, query: MatchesQuery },
  responses: {
    200: { description: "My matches.", content: { "application/json": { schema: MatchList } } },
    ...errorResponses(400, 401, 404, 405),
  },
});

const DatabaseHealth = Health.shape.database.openapi("DatabaseHealth");

export const health = createRoute({
  method: "get",
  path: "/api/v1/health/",
  tags: [TAG],
  summary: "Readiness (alias of GET /health)",
  responses: {
    200: { description: "Database reachable.", content: { "application/json": { schema: Health } } },
    ...errorResponses(405, 503),
  },
});

export const healthDb = createRoute({
  method: "get",
  path: "/api/v1/health/db",
  tags: [TAG],
  summary: "Database reachable, and its latency",
  responses: {
    200: { description: "Database reachable.", content: { "application/json": { schema: DatabaseHealth } } },
    ...errorResponses(405, 503),
  },
});

export function register(app: App) {
  app.openapi(createRecommendations, async (c) => {
    const body = c.req.valid("json");
    ownUser(c, body.user_id);
    const { config } = c.get("services");
    const size = config.RECOMMENDATION_BATCH_SIZE;
    const diversity = config.RECOMMENDATION_DIVERSITY;
    c.header("Cache-Control", "private, no-store");
    const batch = await firstBatch(c, { strategy: "hybrid", size, diversity, force: body.force_refresh });
    if (!batch) return c.json(emptyList, 200);
    return c.json(slim(batchAnswer("hybrid", batch, diversity, size), body.include_movie_details), 200);
  });

  app.openapi(nextBatch, async (c) => {
    ownUser(c, c.req.valid("param").user_id);
    const { batch_number } = c.req.valid("query");
    const { config } = c.get("services");
    const size = config.RECOMMENDATION_BATCH_SIZE;
    const diversity = config.RECOMMENDATION_DIVERSITY;
    c.header("Cache-Control", "private, no-store");
    const batch = await batchAt(c, {
      listId: null,
      strategy: "hybrid",
      diversity,
      size,
      batchNumber: batch_number,
      position: (batch_number - 1) * size,
      window: true,
    });
    if (!batch) return c.json(emptyList, 200);
    return c.json(batchAnswer("hybrid", batch, diversity, size), 200);
  });

  app.openapi(interact, async (c) => {
    ownUser(c, c.req.valid("param").user_id);
    const body = c.req.valid("json");
    const user = currentUser(c);
    const [row] = await c
      .get("services")
      .db.rpc(
        "record_interaction",
        { p_user_id: user.id, p_type: body.interaction_type, p_movie_id: body.movie_id, p_rating: body.rating },
        { jwt: user.token },
      );
    if (!row) throw new ApiError("INTERNAL", "interaction was not stored");
    return c.json(toInteraction(row), row.created === false ? 200 : 201);
  });

  app.openapi(matches, async (c) => {
    ownUser(c, c.req.valid("param").user_id);
    return c.json(await listMatches(c, c.req.valid("query").limit), 200);
  });

  app.openapi(health, async (c) => c.json(await healthAnswer(c), 200));
  app.openapi(healthDb, async (c) => c.json((await healthAnswer(c)).database, 200));
}

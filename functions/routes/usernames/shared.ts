/**
 * What the username endpoints (/api/..., the seeds' paths) share: the time budget, the public-profile lookup, the
 * per-user list computed in the background, the isolate's popular-films fallback, and the `mode` every answer
 * carries: ultra_fast (the user's list from the cache), fallback (not cached or not ready within the budget:
 * popular films at once) or error (with the error envelope and the right status).
 */
import { z } from "@hono/zod-openapi";
import type { AppContext } from "../../context";
import { ApiError, ErrorEnvelope } from "../../errors";
import type { Database } from "../../lib/db/port";
import type { MovieCard } from "../../lib/db/rpc-types";
import { toMovieSummary } from "../movies/schemas";

export const MODES = ["ultra_fast", "fallback", "error"] as const;
export type Mode = (typeof MODES)[number];

export const UsernameParam = z.object({
  username: z
    .string()
    .regex(/^[A-Za-z0-9_]{3,30}$/, "must be 3 to 30 letters, digits or underscores")
    .openapi({ param: { name: "username", in: "path" }, example: "ana_films" }),
});

/** The error envelope with the seeds' mode beside it. */
export const ModeErrorEnvelope = ErrorEnvelope.extend({ mode: z.literal("error") }).openapi("ModeError");

export function modeErrorResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: "Invalid username.",
    401: "Missing or invalid bearer token.",
    403: "Only the user themself or an operator (role service_role) may do this.",
    404: "No public profile has this username.",
    405: "Method not allowed.",
    503: "The database did not answer within the time budget and nothing could be served.",
    500: "Unexpected server fault (logged with the request id).",
  };
  return Object.fromEntries(
    [...new Set([...statuses, 500])].map((s) => [
      s,
      { description: descriptions[s] ?? "Error", content: { "application/json": { schema: ModeErrorEnvelope } } },
    ]),
  );
}

export function modeError(code: ConstructorParameters<typeof ApiError>[0], message: string): ApiError {
  return new ApiError(code, message, { extra: { mode: "error" } });
}

const TIMEOUT = Symbol("timeout");

/** The promise's value, or TIMEOUT when it takes longer than ms (the work itself goes on). */
export async function withinBudget<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), Math.max(ms, 0));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
export const isTimeout = (v: unknown): v is typeof TIMEOUT => v === TIMEOUT;

/** A deadline for one request: what is left of the budget. */
export function deadline(c: AppContext): () => number {
  const end = Date.now() + c.get("services").config.USERNAME_TIME_BUDGET_MS;
  return () => end - Date.now();
}

export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
}

/** The public profile behind a username, or a 404 (private and unknown look the same); 503 past the budget. */
export async function publicUser(c: AppContext, username: string, left: () => number): Promise<PublicUser> {
  const found = await withinBudget(c.get("services").db.rpc("find_public_user", { p_username: username }), left());
  if (isTimeout(found)) throw modeError("SERVICE_UNAVAILABLE", "the database did not answer within the time budget");
  const row = found[0];
  if (!row) throw modeError("NOT_FOUND", `no public profile is named ${username}`);
  return { id: String(row.user_id), username: String(row.username), displayName: String(row.display_name) };
}

/** The user themself or an operator; 401 without a token, 403 for another user. */
export function requireSelfOrOperator(c: AppContext, user: PublicUser | undefined) {
  if (c.get("operator")) return;
  const me = c.get("userId");
  if (!me) {
    throw new ApiError("UNAUTHORIZED", "a bearer token is required", {
      extra: { mode: "error" },
      headers: { "WWW-Authenticate": 'Bearer error="invalid_token", error_description="a bearer token is required"' },
    });
  }
  if (user && me !== user.id) throw modeError("FORBIDDEN", "only the user themself or an operator may do this");
}

// Isolate state: computations under way (so a second call does not start another) and the last popular list.
const computing = new Map<string, Promise<void>>();
let popularMemo: { at: number; films: ReturnType<typeof toMovieSummary>[] } | undefined;
const POPULAR_TTL_MS = 10 * 60_000;

export function isolateCounts() {
  return { computationsInFlight: computing.size, popularFilmsHeld: popularMemo?.films.length ?? 0 };
}

/** Keeps a promise alive after the response: waitUntil in a Worker; Node keeps running it anyway. */
function keepAlive(c: AppContext, work: Promise<unknown>) {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context: the Node server, where the promise runs to its end by itself.
  }
}

/** Starts (or joins) the computation of the user's cached list; it fills recommendation_cache. */
export function computeList(c: AppContext, db: Database, userId: string): Promise<void> {
  let running = computing.get(userId);
  if (!running) {
    const weights = c.get("services").config.RECOMMENDATION_WEIGHTS;
    running = db
      .rpc("get_recommendations", { p_user_id: userId, p_limit: 1, p_weights: weights })
      .then(() => undefined)
      .finally(() => computing.delete(userId));
    running.catch(() => {});
    computing.set(userId, running);
  }
  keepAlive(c, running);
  return running;
}

export async function cacheState(c: AppContext, userId: string, left: () => number) {
  const { db, config } = c.get("services");
  const state = await withinBudget(
    db.rpc("recommendation_cache_state", { p_user_id: userId, p_weights: config.RECOMMENDATION_WEIGHTS }),
    left(),
  );
  if (isTimeout(state)) return { cached: false, computedAt: null, timedOut: true };
  return {
    cached: Boolean(state[0]?.cached),
    computedAt: state[0]?.computed_at ? new Date(String(state[0].computed_at)).toISOString() : null,
    timedOut: false,
  };
}

/** Popular films for a fallback: the isolate's copy when fresh, else the database within what is left. */
export async function popularFilms(c: AppContext, limit: number, left: () => number) {
  if (popularMemo && Date.now() - popularMemo.at < POPULAR_TTL_MS) return popularMemo.films.slice(0, limit);
  const rows = await withinBudget(
    c.get("services").db.rpc("get_popular_movies", { p_limit: 50, p_min_ratings: 1 }),
    left(),
  );
  if (isTimeout(rows)) {
    if (popularMemo) return popularMemo.films.slice(0, limit);
    throw modeError("SERVICE_UNAVAILABLE", "the database did not answer within the time budget");
  }
  popularMemo = { at: Date.now(), films: rows.map((r) => toMovieSummary(r.movie as MovieCard)) };
  return popularMemo.films.slice(0, limit);
}

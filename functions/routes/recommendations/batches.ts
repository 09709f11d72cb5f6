/**
 * Recommendation batches over the one stored list (recommendation_cache, through recommendation_list): the first
 * batch (GET /v1/recommendations) refreshes the list as every request does, so it reflects the latest signals;
 * GET /v1/recommendations/next pages through the list stored under the cursor's recommendationId without
 * recomputing it, never repeating a film served from it and skipping films rated, hidden or disliked since.
 *
 * The cursor is stateless and signed (lib/cursor.ts): the list id, the strategy, the diversity, the batch size,
 * the batch number and how far into the list's order it has served. The order is the list re-ranked by
 * diversity (lib/recommend/diversity.ts), deterministic for one stored list, so every call sees the same order.
 * A list expires at midnight in the user's time zone, or once the user has interacted with every film served
 * from it; `next` on an expired, replaced or dropped list answers the first batch of a fresh one, saying so in
 * `restarted`. The first batch asks the list for the cards and evidence of its first films too (cardRows): when
 * every film it serves is among them, and, for a user who opted in to matching, their match evidence is stored on
 * the list's rows under the current key (the batch was served before and nothing it depends on changed), that is
 * its one round trip. Otherwise, and for `next`, a second round trip fetches the cards, evidence and match evidence
 * of the films served (recommendation_items). That computes the match evidence of the served films, and of the
 * list's films still to come (about the same cost: it reads each paired user's signals once), and stores it on the
 * list's rows, so the list's later batches, and the same batch served again, read it.
 */
import { z } from "@hono/zod-openapi";
import type { AppContext } from "../../context";
import { invalidCursor, openCursor, signCursor } from "../../lib/cursor";
import type { RpcRow } from "../../lib/db/port";
import { diversify } from "../../lib/recommend/diversity";
import { currentUser } from "../../middleware/auth";

export const BATCH_STRATEGIES = ["hybrid", "cf", "item", "content"] as const;
export type BatchStrategy = (typeof BATCH_STRATEGIES)[number];
const CURSOR_LIST = "recommendation-batches";
/** recommendation_cache keeps 100 films per list: the pool diversity picks from. */
const STORED_DEPTH = 100;
/**
 * Cards the first batch reads with its list: the batch size, twice over when diversity re-ranks (it picks mostly
 * from the top of the list), so that the batch needs no second round trip; at most the list.
 */
const cardRows = (size: number, diversity: number) => Math.min(STORED_DEPTH, diversity > 0 ? 2 * size : size);

export type ListRow = RpcRow<"recommendation_list">;
export type ItemRow = RpcRow<"recommendation_items">;
export type MatchEvidence = RpcRow<"match_evidence">;

export const RESTART_REASONS = ["expired", "completed", "replaced"] as const;
export type RestartReason = (typeof RESTART_REASONS)[number];

export interface BatchCursor {
  id: string;
  s: BatchStrategy;
  d: number;
  n: number;
  b: number;
  p: number;
}

export interface Batch {
  rows: ItemRow[];
  evidence: Map<number, MatchEvidence>;
  matchable: boolean;
  recommendationId: string;
  expiresAt: string;
  batchNumber: number;
  listDepth: number;
  next: string | null;
  restarted: RestartReason | null;
}

export const BatchFields = {
  recommendationId: z.guid().nullable().openapi({
    description:
      "The stored list this batch comes from (null for a list that is not stored: filtered, popular, or empty).",
  }),
  next: z.string().nullable().openapi({
    description: "Cursor for GET /v1/recommendations/next: the next batch of the same list; null at its end.",
  }),
  batch: z
    .object({
      number: z.number().int().openapi({ description: "1 for the first batch of a list." }),
      size: z.number().int(),
      listDepth: z
        .number()
        .int()
        .openapi({ description: "Films the stored list serves in all (RECOMMENDATION_LIST_DEPTH)." }),
      diversity: z.number(),
      expiresAt: z.string().openapi({ format: "date-time", description: "Midnight in your time zone." }),
      restarted: z.enum(RESTART_REASONS).nullable().openapi({
        description:
          "Set when `next` had to start a fresh list: expired (midnight passed), completed (you interacted with every film served from it), replaced (a newer list took its place, e.g. after a new rating and GET /v1/recommendations).",
      }),
    })
    .nullable(),
};

export const MatchedUser = z
  .object({
    username: z.string().nullable(),
    displayName: z.string(),
    similarity: z.number(),
  })
  .openapi("MatchedUser");

export const MatchFields = {
  matchedUsers: z.array(MatchedUser).openapi({
    description:
      "Your matches (GET /v1/matches) who liked it (4+ stars or a like), best match first, up to 3; empty when matching is off for you.",
  }),
  matchedUserCount: z.number().int().openapi({ description: "All your matches who liked it." }),
  potentialMatches: z.number().int().nullable().openapi({
    description:
      "How many users who opted in you would newly match by liking it; null when matching is off for you. Computed for the served batch only.",
  }),
};

export function matchFieldsFor(id: number, evidence: Map<number, MatchEvidence>, matchable: boolean) {
  const e = evidence.get(id);
  const names = (e?.matched_display_names ?? []) as string[];
  const usernames = (e?.matched_usernames ?? []) as (string | null)[];
  const sims = (e?.matched_similarities ?? []) as number[];
  return {
    matchedUsers: names.map((displayName, k) => ({
      username: usernames[k] ?? null,
      displayName: String(displayName),
      similarity: Math.round(Number(sims[k]) * 1000) / 1000,
    })),
    matchedUserCount: Number(e?.matched_count ?? 0),
    potentialMatches: matchable ? Number(e?.potential_matches ?? 0) : null,
  };
}

/** The match evidence of the films served, in one call; empty for a user who has not opted in. */
export async function matchEvidence(c: AppContext, movieIds: number[]): Promise<Map<number, MatchEvidence>> {
  const map = new Map<number, MatchEvidence>();
  if (movieIds.length === 0) return map;
  const user = currentUser(c);
  const { db, config } = c.get("services");
  const rows = await db.rpc(
    "match_evidence",
    {
      p_user_id: user.id,
      p_movie_ids: movieIds,
      p_threshold: config.MATCH_THRESHOLD,
      p_min_overlap: config.MATCH_MIN_OVERLAP,
      p_shrinkage: config.MATCH_SHRINKAGE,
    },
    { jwt: user.token },
  );
  for (const r of rows) map.set(Number(r.movie_id), r);
  return map;
}

async function readList(
  c: AppContext,
  strategy: BatchStrategy,
  diversity: number,
  listDepth: number,
  refresh: boolean,
  force = false,
  cards = 0,
): Promise<ListRow[]> {
  const user = currentUser(c);
  const { db, config } = c.get("services");
  return db.rpc(
    "recommendation_list",
    {
      p_user_id: user.id,
      p_strategy: strategy,
      p_weights: config.RECOMMENDATION_WEIGHTS ?? null,
      p_refresh: refresh,
      p_depth: diversity > 0 ? STORED_DEPTH : listDepth,
      p_force: force,
      p_cards: cards,
      p_threshold: cards > 0 ? config.MATCH_THRESHOLD : null,
      p_min_overlap: config.MATCH_MIN_OVERLAP,
      p_shrinkage: config.MATCH_SHRINKAGE,
    },
    { jwt: user.token },
  );
}

/** A served film from the list row that carries its card (recommendation_list's p_cards), as recommendation_items gives it. */
function itemOf(r: ListRow): ItemRow {
  return {
    movie: r.movie,
    recommendation: r.recommendation,
    item_because_title: r.item_because_title,
    content_because_title: r.content_because_title,
    strategy: r.strategy,
    matched_count: r.matched_count,
    matched_usernames: r.matched_usernames,
    matched_display_names: r.matched_display_names,
    matched_similarities: r.matched_similarities,
    potential_matches: r.potential_matches,
    book_because_id: r.book_because_id,
    book_because_title: r.book_because_title,
    book_because_readers: r.book_because_readers,
  };
}

/** The list in serving order: re-ranked by diversity, `listDepth` deep. */
function servingOrder(rows: ListRow[], diversity: number, listDepth: number): ListRow[] {
  const pool = rows.map((r) => ({
    score: Number(r.score ?? 0),
    genres: (r.genres ?? null) as string[] | null,
    releaseYear: r.release_year ?? null,
    language: r.original_language ?? null,
  }));
  return diversify(pool, diversity, listDepth).map((i) => rows[i]);
}

/**
 * Films from `order` starting at `from`: `size` of them skipping gone ones (window false), or the films of the
 * fixed window [from, from + size) that are not gone (window true, the seed's batch_number). Returns them and the
 * position after the last one looked at.
 */
function take(order: ListRow[], from: number, size: number, window: boolean): { rows: ListRow[]; end: number } {
  const rows: ListRow[] = [];
  let i = from;
  for (; i < order.length && (window ? i < from + size : rows.length < size); i++) {
    if (!order[i].gone) rows.push(order[i]);
  }
  return { rows, end: i };
}

async function finish(
  c: AppContext,
  order: ListRow[],
  served: { rows: ListRow[]; end: number },
  meta: {
    strategy: BatchStrategy;
    diversity: number;
    size: number;
    batchNumber: number;
    restarted: RestartReason | null;
  },
): Promise<Batch> {
  const first = order[0];
  const matchable = Boolean(first?.matchable);
  const user = currentUser(c);
  const { db, config } = c.get("services");
  // The list brought the served films' cards (a first batch) and, for a user who opted in to matching, their
  // stored match evidence (a batch served before from an unchanged list): no second trip.
  const carded =
    served.rows.length > 0 &&
    served.rows.every(
      (r) => r.movie !== null && (!matchable || (r.matched_count !== null && r.matched_count !== undefined)),
    );
  const items = carded
    ? served.rows.map(itemOf)
    : served.rows.length
      ? await db.rpc(
          "recommendation_items",
          {
            p_user_id: user.id,
            p_strategy: meta.strategy,
            p_movie_ids: served.rows.map((r) => Number(r.movie_id)),
            p_threshold: matchable ? config.MATCH_THRESHOLD : null,
            p_min_overlap: config.MATCH_MIN_OVERLAP,
            p_shrinkage: config.MATCH_SHRINKAGE,
            // The list's later films: when this batch's match evidence is computed, theirs is too, at about the
            // same cost, so the next batches read it from the list.
            p_upcoming: matchable
              ? order
                  .slice(served.end)
                  .filter((r) => !r.gone)
                  .map((r) => Number(r.movie_id))
              : null,
          },
          { jwt: user.token },
        )
      : [];
  const evidence = new Map<number, MatchEvidence>();
  for (const r of items)
    if (r.matched_count !== null && r.matched_count !== undefined)
      evidence.set(Number(r.movie?.id), Object.assign({}, r, { movie_id: Number(r.movie?.id) }) as MatchEvidence);
  const more = order.slice(served.end).some((r) => !r.gone);
  const cursor: BatchCursor = {
    id: String(first?.list_id),
    s: meta.strategy,
    d: meta.diversity,
    n: meta.size,
    b: meta.batchNumber + 1,
    p: served.end,
  };
  return {
    rows: items,
    evidence,
    matchable,
    recommendationId: String(first?.list_id),
    expiresAt: new Date(String(first?.expires_at)).toISOString(),
    batchNumber: meta.batchNumber,
    listDepth: order.length,
    next: more ? await signCursor(config.JWT_SECRET, CURSOR_LIST, { ...cursor }) : null,
    restarted: meta.restarted,
  };
}

/**
 * The first batch of the user's stored list, refreshed first; null when no list is stored (popular, or nothing
 * to recommend), for the caller to answer without batches.
 */
export async function firstBatch(
  c: AppContext,
  q: { strategy: BatchStrategy; size: number; diversity: number; force?: boolean },
  restarted: RestartReason | null = null,
): Promise<Batch | null> {
  const listDepth = Math.max(c.get("services").config.RECOMMENDATION_LIST_DEPTH, q.size);
  const rows = await readList(c, q.strategy, q.diversity, listDepth, true, q.force, cardRows(q.size, q.diversity));
  if (rows.length === 0) return null;
  const order = servingOrder(rows, q.diversity, listDepth);
  return finish(c, order, take(order, 0, q.size, false), { ...q, batchNumber: 1, restarted });
}

export async function decodeBatchCursor(c: AppContext, raw: string): Promise<BatchCursor> {
  const parsed = (await openCursor(c.get("services").config.JWT_SECRET, CURSOR_LIST, raw)) as Partial<BatchCursor>;
  const ok =
    typeof parsed.id === "string" &&
    (BATCH_STRATEGIES as readonly string[]).includes(String(parsed.s)) &&
    typeof parsed.d === "number" &&
    typeof parsed.n === "number" &&
    typeof parsed.b === "number" &&
    typeof parsed.p === "number";
  if (!ok) throw invalidCursor();
  return parsed as BatchCursor;
}

/**
 * The batch after `position` films of the list `listId`, or the first batch of a fresh list when that one has
 * expired, was replaced, or has had every served film interacted with. `window`: the seed's fixed batch windows.
 */
export async function batchAt(
  c: AppContext,
  at: {
    listId: string | null;
    strategy: BatchStrategy;
    diversity: number;
    size: number;
    batchNumber: number;
    position: number;
    window?: boolean;
  },
): Promise<Batch | null> {
  const listDepth = Math.max(c.get("services").config.RECOMMENDATION_LIST_DEPTH, at.size);
  const rows = await readList(c, at.strategy, at.diversity, listDepth, false);
  const first = rows[0];
  let restarted: RestartReason | null = null;
  let order: ListRow[] = [];
  if (first && Date.parse(String(first.expires_at)) <= Date.now()) restarted = "expired";
  else if (!first || (at.listId !== null && first.list_id !== at.listId)) restarted = "replaced";
  else {
    order = servingOrder(rows, at.diversity, listDepth);
    const served = order.slice(0, at.position);
    if (served.length > 0 && served.every((r) => r.interacted || r.gone)) restarted = "completed";
  }
  if (restarted) {
    const fresh = await firstBatch(
      c,
      { strategy: at.strategy, size: at.size, diversity: at.diversity, force: restarted === "completed" },
      at.listId === null && restarted === "replaced" ? null : restarted,
    );
    return fresh;
  }
  return finish(c, order, take(order, at.position, at.size, at.window ?? false), {
    strategy: at.strategy,
    diversity: at.diversity,
    size: at.size,
    batchNumber: at.batchNumber,
    restarted: null,
  });
}

/**
 * GET /v1/matches (and the seed's GET /api/v1/recommendations/{user_id}/matches): users whose taste agrees with
 * mine, best first, with the evidence. Opt-in both ways: I see matches only when I am matchable, and only users
 * who are; each is named by display name and username, never by id or email (supabase/schemas/09_matching.sql).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App, AppContext } from "../../context";
import { errorResponses } from "../../errors";
import { BEARER_AUTH, currentUser, requireAuth } from "../../middleware/auth";

export const Match = z
  .object({
    username: z.string().nullable(),
    displayName: z.string(),
    similarity: z.number().openapi({ description: "Shrunk agreement, 0..1; a match has at least the threshold." }),
    sharedFilms: z.number().int().openapi({ description: "Films both of you rated, liked or disliked." }),
    agreedFilms: z.number().int().openapi({ description: "Of those, films where you differ by at most a star." }),
    evidence: z.string().openapi({ example: "You both rated 12 films; you agree on 10" }),
    bothLiked: z
      .array(z.object({ id: z.number().int(), title: z.string() }))
      .openapi({ description: "Up to 5 films you both liked (4+ stars or a like), best together first." }),
  })
  .openapi("Match");

export const MatchList = z
  .object({
    matchable: z.boolean().openapi({ description: "Whether you opted in (PATCH /v1/auth/me {matchable:true})." }),
    threshold: z.number(),
    minOverlap: z.number().int(),
    note: z.string().nullable(),
    data: z.array(Match),
  })
  .openapi("MatchList");

export const MatchesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const description =
  "Users whose ratings and likes agree with yours (similarity at least MATCH_THRESHOLD, default 0.8, over at " +
  "least MATCH_MIN_OVERLAP shared films), best first, with the shared and agreed films. Updated as you rate " +
  "and like: a like can create a match at once. Both sides must have opted in (`matchable`).";

const responses = {
  200: { description: "My matches, best first.", content: { "application/json": { schema: MatchList } } },
  ...errorResponses(400, 401, 405),
};

export const route = createRoute({
  method: "get",
  path: "/v1/matches",
  tags: ["Matching"],
  summary: "My taste matches",
  description,
  middleware: [requireAuth] as const,
  security: BEARER_AUTH,
  request: { query: MatchesQuery },
  responses,
});

export function evidenceSentence(shared: number, agreed: number): string {
  const films = shared === 1 ? "1 film" : `${shared} films`;
  return `You both rated or liked ${films}; you agree on ${agreed}`;
}

export async function listMatches(c: AppContext, limit: number): Promise<z.infer<typeof MatchList>> {
  const user = currentUser(c);
  const { db, config } = c.get("services");
  const [profile] = await db.rpc("get_profile", { p_user_id: user.id }, { jwt: user.token });
  const matchable = Boolean(profile?.matchable);
  const rows = matchable
    ? await db.rpc(
        "get_matches",
        {
          p_user_id: user.id,
          p_threshold: config.MATCH_THRESHOLD,
          p_min_overlap: config.MATCH_MIN_OVERLAP,
          p_shrinkage: config.MATCH_SHRINKAGE,
          p_limit: limit,
        },
        { jwt: user.token },
      )
    : [];
  c.header("Cache-Control", "private, no-store");
  return {
    matchable,
    threshold: config.MATCH_THRESHOLD,
    minOverlap: config.MATCH_MIN_OVERLAP,
    note: !matchable
      ? 'Matching is off for you: turn it on with PATCH /v1/auth/me {"matchable": true} to see, and be seen by, users who opted in.'
      : rows.length === 0
        ? `Nobody who opted in agrees with you on ${config.MATCH_MIN_OVERLAP} or more films yet; rate or like more films.`
        : null,
    data: rows.map((r) => {
      const ids = (r.both_liked_ids ?? []) as number[];
      const titles = (r.both_liked_titles ?? []) as string[];
      return {
        username: r.username ?? null,
        displayName: String(r.display_name),
        similarity: Math.round(Number(r.similarity) * 1000) / 1000,
        sharedFilms: Number(r.shared),
        agreedFilms: Number(r.agreed),
        evidence: evidenceSentence(Number(r.shared), Number(r.agreed)),
        bothLiked: ids.map((id, k) => ({ id, title: String(titles[k]) })),
      };
    }),
  };
}

export function register(app: App) {
  app.openapi(route, async (c) => c.json(await listMatches(c, c.req.valid("query").limit), 200));
}

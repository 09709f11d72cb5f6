/**
 * Configuration: one zod schema over the Worker's env bindings (and process.env in Node). Nothing else in the
 * code reads raw environment variables. A bad value fails at start with a message naming the variable.
 */
import { z } from "zod";

const boolish = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const csv = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

const positiveInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ConfigSchema = z.object({
  /** Which database adapter. Inferred when unset: supabase if SUPABASE_URL, postgres if DATABASE_URL, else pglite. */
  MARQUEE_DB: z.enum(["pglite", "postgres", "supabase", "neon"]).optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Connections per pool (Node server); a Worker request uses its own short-lived connection. */
  DATABASE_POOL_SIZE: positiveInt(1, 200).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(100, 600_000).default(10_000),
  MARQUEE_DATA_DIR: z.string().min(1).default(".data"),
  SUPABASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  SUPABASE_ANON_KEY: z.string().min(20).optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20).optional(),
  /** Address the Node server listens on (the Worker ignores it); 0.0.0.0 to accept connections from other hosts. */
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: positiveInt(0, 65535).default(8787),
  /** Comma-separated browser origins allowed by CORS; "*" allows any (bearer tokens, no cookies). */
  CORS_ORIGINS: csv.default(["*"]),
  MAX_BODY_BYTES: positiveInt(1024, 10 * 1024 * 1024).default(64 * 1024),
  /**
   * POST /v1/imports/letterboxd: the upload's own body limit (a Letterboxd export ZIP of 10,000+ films is about
   * 1 MB; Workers accept request bodies up to 100 MB on the free plan), the inflated size of one file in the ZIP
   * (a bound on "zip bombs"), and the data rows read over all files.
   */
  IMPORT_MAX_BYTES: positiveInt(1024, 100 * 1024 * 1024).default(10 * 1024 * 1024),
  IMPORT_MAX_ENTRY_BYTES: positiveInt(1024, 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  IMPORT_MAX_ROWS: positiveInt(1, 10_000_000).default(100_000),
  /**
   * Username endpoints (/api/recomendacoes/{username}...): the time budget of one answer. A personal list not
   * ready within it is answered with popular films (mode fallback) while its computation goes on.
   */
  USERNAME_TIME_BUDGET_MS: positiveInt(50, 60_000).default(5000),
  /** Public profiles GET /api/preload warms for an operator, most active first. */
  PRELOAD_USERS: positiveInt(1, 1000).default(50),
  /** Worker: answer repeat public reads from the Workers Cache API until their max-age (middleware/edge-cache.ts). */
  EDGE_CACHE: boolish.default(true),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /** Load demo data into an empty embedded database on start. */
  MARQUEE_DEMO: boolish.default(true),
  APP_VERSION: z.string().default("0.1.0"),
  /**
   * Hybrid recommendation blend: collaborative, content, popularity (non-negative, not all 0; need not sum to 1),
   * optionally the item share of collaborative (0..1, default 0.7) and the like centre (stars 1..5 where the rating
   * model's "will they like it" factor is one half; 0 = off). Unset: the blend `marquee tune` fitted.
   */
  RECOMMENDATION_WEIGHTS: z
    .string()
    .transform((v) => v.split(",").map((s) => Number(s.trim())))
    .refine(
      (w) =>
        w.length >= 3 &&
        w.length <= 5 &&
        w.every((x) => Number.isFinite(x) && x >= 0) &&
        w.slice(0, 3).some((x) => x > 0) &&
        (w.length < 4 || w[3] <= 1) &&
        (w.length < 5 || w[4] === 0 || (w[4] >= 1 && w[4] <= 5)),
      {
        message:
          "must be three non-negative numbers, not all 0, optionally an item share 0..1 and a like centre (0, or 1..5), like 0.5,0.3,0.2",
      },
    )
    .optional(),
  /**
   * Taste matching (GET /v1/matches, matchedUsers, potentialMatches; supabase/schemas/09_matching.sql): the
   * similarity two users need to match (0..1), the films both must have a signal on, and the shrinkage (films of
   * prior weight pulling a small overlap's agreement towards 0.5). MATCH_CANDIDATES: matched users, and as many
   * nearly matched ones, that the nightly job stores per user (user_match_candidates); read by the job only.
   */
  MATCH_THRESHOLD: z.coerce.number().gt(0).max(1).default(0.8),
  MATCH_MIN_OVERLAP: positiveInt(1, 1000).default(5),
  MATCH_SHRINKAGE: z.coerce.number().min(0).max(1000).default(2),
  MATCH_CANDIDATES: positiveInt(1, 1000).default(100),
  /**
   * Recommendation batches: films per batch (GET /v1/recommendations and /next), and how deep the stored list
   * that /next pages through is (at most the 100 that recommendation_cache keeps).
   */
  RECOMMENDATION_BATCH_SIZE: positiveInt(1, 50).default(20),
  RECOMMENDATION_LIST_DEPTH: positiveInt(1, 100).default(40),
  /**
   * Default diversity of recommendation lists: 0 is pure relevance, 1 pure novelty against the films already
   * chosen (maximal marginal relevance over genres, decade and language); chosen by `marquee eval` (README).
   */
  RECOMMENDATION_DIVERSITY: z.coerce.number().min(0).max(1).default(0.3),
  /**
   * POST /v1/recommendations/session (no account): requests per minute per client address on top of the
   * API-wide limit (Node in memory; the Worker's SESSION_RATE_LIMITER binding), and the most signals one accepts.
   */
  SESSION_RATE_LIMIT_PER_MINUTE: positiveInt(0, 1_000_000).default(30),
  SESSION_MAX_SIGNALS: positiveInt(1, 500).default(100),
  /** Embeddings (semantic search, similar films): local (offline, lexical), workers-ai, or openai (any compatible endpoint). */
  EMBEDDING_PROVIDER: z.enum(["local", "workers-ai", "openai"]).default("local"),
  /** Model name for EMBEDDING_PROVIDER=openai (it must return or shorten to 384 dimensions). */
  EMBEDDING_MODEL: z.string().min(1).default("text-embedding-3-small"),
  /** Workers AI REST (Node jobs with EMBEDDING_PROVIDER=workers-ai; the Worker uses its AI binding). */
  CLOUDFLARE_ACCOUNT_ID: z.string().min(1).optional(),
  CLOUDFLARE_API_TOKEN: z.string().min(1).optional(),
  WORKERS_AI_BASE_URL: z.url({ protocol: /^https?$/ }).default("https://api.cloudflare.com/client/v4"),
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).default("https://api.openai.com/v1"),
  OPENAI_API_KEY: z.string().min(1).optional(),
  /** Embedding requests per second the backfill may start. */
  EMBEDDING_RPS: z.coerce.number().positive().max(1000).default(20),
  /** Minimum cosine similarity for semantic search hits; unset: 0.12 for local, 0.4 for model providers. */
  SEARCH_MIN_SIMILARITY: z.coerce.number().min(-1).max(1).optional(),
  /** TMDB sync: read-access token (v4 "API Read Access Token", sent as Bearer) and API base URL. */
  TMDB_API_TOKEN: z.string().min(1).optional(),
  TMDB_BASE_URL: z.url({ protocol: /^https?$/ }).default("https://api.themoviedb.org/3"),
  /**
   * TMDB's request cap per second (about 40; the limiter keeps 5% below it in every sliding second), films fetched
   * at once (enough to keep the cap busy while some requests stall until TMDB_TIMEOUT_MS), and the invocation's
   * total time budget: no request or retry starts after it, and the run stops resumable. Keep it below the
   * workflow's timeout (tmdb-sync.yml: 100 min budget, 120 min timeout).
   */
  TMDB_RPS: z.coerce.number().positive().max(40).default(40),
  TMDB_CONCURRENCY: positiveInt(1, 64).default(24),
  TMDB_TIMEOUT_MS: positiveInt(100, 120_000).default(10_000),
  TMDB_TIME_BUDGET_S: positiveInt(10, 86_400).default(6000),
  /**
   * Open Library sync (`marquee sync books`): the API base URL, requests per second for the whole run (Open Library
   * asks for restraint; the limiter keeps 5% below this), per-request timeout, the invocation's time budget (keep
   * it below books-sync.yml's timeout), and a contact (an email or URL) sent in the User-Agent, as Open Library
   * asks of API clients.
   */
  OPENLIBRARY_BASE_URL: z.url({ protocol: /^https?$/ }).default("https://openlibrary.org"),
  OPENLIBRARY_RPS: z.coerce.number().positive().max(20).default(3),
  OPENLIBRARY_TIMEOUT_MS: positiveInt(100, 120_000).default(15_000),
  OPENLIBRARY_TIME_BUDGET_S: positiveInt(10, 86_400).default(3000),
  OPENLIBRARY_CONTACT: z.string().trim().min(3).max(200).optional(),
  /**
   * HS256 key that signs and verifies access tokens (at least 32 characters). On Supabase, the project's JWT
   * secret, so that PostgREST accepts Marquee's tokens and applies RLS. Required in a Worker; in Node, when
   * unset, a random one is generated once and kept in MARQUEE_DATA_DIR/jwt-secret.
   */
  JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  JWT_ISSUER: z.string().min(1).default("marquee"),
  /** Audience of issued tokens; "authenticated" is what Supabase's PostgREST expects. */
  JWT_AUDIENCE: z.string().min(1).default("authenticated"),
  JWT_TTL_SECONDS: positiveInt(60, 30 * 24 * 3600).default(7 * 24 * 3600),
  /** Clock skew tolerated when checking exp, iat and nbf. */
  JWT_CLOCK_SKEW_SECONDS: positiveInt(0, 300).default(30),
  /** Also accept tokens signed by these keys (Supabase Auth: https://<ref>.supabase.co/auth/v1/.well-known/jwks.json). */
  AUTH_JWKS_URL: z
    .url({ protocol: /^https?$/ })
    .refine(
      (u) => u.startsWith("https:") || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(u),
      "must be https (plain http only on the loopback address)",
    )
    .optional(),
  /** Issuer of JWKS-signed tokens; defaults to AUTH_JWKS_URL without /.well-known/jwks.json. */
  AUTH_JWKS_ISSUER: z.string().min(1).optional(),
  AUTH_JWKS_AUDIENCE: z.string().min(1).default("authenticated"),
  /**
   * Login throttling (see migrations/20261202100000_abuse_throttles.sql): failures of one client on one account
   * before delays start; then each attempt waits LOGIN_DELAY_BASE_SECONDS, doubling per failure, at most
   * LOGIN_DELAY_MAX_SECONDS. Across all clients, one account gets LOGIN_MAX_FAILURES_PER_ACCOUNT failures before
   * the same delays apply to everyone. Counters are forgotten after LOGIN_WINDOW_SECONDS without attempts.
   */
  LOGIN_FREE_FAILURES: positiveInt(1, 10_000).default(5),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: positiveInt(1, 1_000_000).default(100),
  LOGIN_DELAY_BASE_SECONDS: z.coerce.number().positive().max(3600).default(1),
  LOGIN_DELAY_MAX_SECONDS: positiveInt(1, 86_400).default(300),
  LOGIN_WINDOW_SECONDS: positiveInt(1, 86_400).default(900),
  /** Registrations per client before delays start (REGISTER_DELAY_BASE_SECONDS, doubling, at most the window). */
  REGISTER_FREE_PER_CLIENT: positiveInt(1, 1_000_000).default(5),
  REGISTER_DELAY_BASE_SECONDS: z.coerce.number().positive().max(86_400).default(30),
  REGISTER_WINDOW_SECONDS: positiveInt(1, 7 * 86_400).default(3600),
  /**
   * API-wide requests per minute per client address; 0 turns the limit off. Node counts in memory (per process);
   * the Worker uses the API_RATE_LIMITER binding of wrangler.toml, whose own limit and period apply.
   */
  RATE_LIMIT_PER_MINUTE: positiveInt(0, 10_000_000).default(600),
});

export type Config = z.infer<typeof ConfigSchema> & { MARQUEE_DB: "pglite" | "postgres" | "supabase" | "neon" };

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses and cross-checks configuration; throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, unknown>): Config {
  // Empty strings mean "unset" (a blank line in .dev.vars must not override a default).
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === "string" && v !== ""));
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  const c = result.data;
  const db = c.MARQUEE_DB ?? (c.SUPABASE_URL ? "supabase" : c.DATABASE_URL ? "postgres" : "pglite");
  if ((db === "postgres" || db === "neon") && !c.DATABASE_URL) {
    throw new ConfigError(`invalid configuration:\n  DATABASE_URL: required when MARQUEE_DB=${db}`);
  }
  if (db === "supabase" && (!c.SUPABASE_URL || !(c.SUPABASE_ANON_KEY ?? c.SUPABASE_SERVICE_ROLE_KEY))) {
    throw new ConfigError(
      "invalid configuration:\n  SUPABASE_URL, SUPABASE_ANON_KEY: both required when MARQUEE_DB=supabase",
    );
  }
  return { ...c, MARQUEE_DB: db };
}

const cache = new WeakMap<object, Config>();

/**
 * Parses once per env object (a Worker isolate passes the same bindings object to every request). Worker only:
 * secrets that Node can generate for itself must be configured here.
 */
export function configFrom(env: Record<string, unknown>): Config {
  let config = cache.get(env);
  if (!config) {
    config = parseConfig(env);
    if (!config.JWT_SECRET) {
      throw new ConfigError(
        "invalid configuration:\n  JWT_SECRET: required in a Worker (wrangler secret put JWT_SECRET; at least 32 characters)",
      );
    }
    cache.set(env, config);
  }
  return config;
}

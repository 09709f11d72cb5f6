/**
 * TMDB API v3 client for the sync job: bearer auth, the shared request-rate limiter, retries (polite-fetch),
 * and typed results. Every transient fault (5xx, 429, timeouts and stalls, resets, a truncated or non-JSON body)
 * is retried with backoff on every path. A film's fetch never throws for per-film problems (404, an unusable body,
 * retries used up): it returns what happened and whether a later try may help, so the job can record it and move
 * on. Listing failures do throw (a run cannot skip a page of ids without losing films), after more retries than a
 * film gets; the run resumes from that page. A rejected token throws TmdbAuthError on any path.
 */
import type { z } from "zod";
import {
  type Clock,
  HttpFailure,
  type PoliteFetchOptions,
  politeFetch,
  RateLimiter,
  type RetryPolicy,
  realClock,
} from "../http/polite-fetch";
import { type MovieRow, mapMovie, TmdbGenreList, TmdbIdPage, TmdbMovieDetails, TmdbSearchPage } from "./map";

export interface TmdbClientOptions {
  baseUrl: string;
  token: string;
  /** TMDB's cap on requests per second across the whole client (~40); the limiter keeps a margin below it. */
  requestsPerSecond: number;
  retry?: Partial<RetryPolicy>;
  /** Retries of a list or genre page (which a run cannot do without); films use `retry.retries`. */
  listRetries?: number;
  clock?: Clock;
  /** Clock time at which the run's time budget ends: no request or wait starts after it (BudgetExhausted). */
  deadline?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  onRetry?: PoliteFetchOptions["onRetry"];
}

export type MovieResult =
  | { kind: "ok"; movie: MovieRow }
  | { kind: "not_found" }
  /** transient: retries ran out on faults that may pass (5xx, timeouts, resets, truncated bodies). */
  | { kind: "failed"; detail: string; transient: boolean };

export class TmdbError extends Error {
  override name = "TmdbError";
}

/** HTTP 401: the token is wrong or revoked; nothing is worth retrying until it is fixed. */
export class TmdbAuthError extends TmdbError {
  override name = "TmdbAuthError";
}

export const LIST_RETRIES = 8;

export type ListSource = "popular" | "discover";

export class TmdbClient {
  readonly limiter: RateLimiter;
  readonly clock: Clock;
  requests = 0;
  deadline: number;

  constructor(private readonly options: TmdbClientOptions) {
    this.clock = options.clock ?? realClock;
    this.limiter = new RateLimiter(options.requestsPerSecond, this.clock);
    this.deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  }

  private async get(path: string, query: Record<string, string | number> = {}, list = false) {
    const url = new URL(`${this.options.baseUrl.replace(/\/$/, "")}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    const res = await politeFetch(
      url.toString(),
      { headers: { Authorization: `Bearer ${this.options.token}`, Accept: "application/json" } },
      {
        limiter: this.limiter,
        retry: list ? { ...this.options.retry, retries: this.options.listRetries ?? LIST_RETRIES } : this.options.retry,
        signal: this.options.signal,
        fetch: this.options.fetch,
        clock: this.clock,
        deadline: this.deadline,
        expectJson: true,
        urgent: list,
        onRetry: this.options.onRetry,
        onAttempt: () => this.requests++,
      },
    );
    return res;
  }

  /** GET a list-like resource and validate it; any failure is fatal for the caller. */
  private async getJson<T extends z.ZodType>(schema: T, path: string, query?: Record<string, string | number>) {
    let res: Awaited<ReturnType<TmdbClient["get"]>>;
    try {
      res = await this.get(path, query, true);
    } catch (error) {
      if (error instanceof HttpFailure) throw new TmdbError(`GET ${path}: ${error.message}`);
      throw error;
    }
    if (res.status === 401) {
      throw new TmdbAuthError(`GET ${path}: HTTP 401: TMDB rejected the token (TMDB_API_TOKEN)`);
    }
    if (res.status !== 200) throw new TmdbError(`GET ${path}: HTTP ${res.status}`);
    const parsed = schema.safeParse(safeJson(res.text));
    if (!parsed.success) throw new TmdbError(`GET ${path}: malformed body: ${parsed.error.issues[0]?.message}`);
    return parsed.data as z.infer<T>;
  }

  async genres(): Promise<{ id: number; name: string }[]> {
    return (await this.getJson(TmdbGenreList, "/genre/movie/list", { language: "en-US" })).genres;
  }

  /** One page of the most popular films (ids only). */
  async listPage(source: ListSource, page: number): Promise<{ ids: number[]; totalPages: number }> {
    const body =
      source === "popular"
        ? await this.getJson(TmdbIdPage, "/movie/popular", { language: "en-US", page })
        : await this.getJson(TmdbIdPage, "/discover/movie", {
            include_adult: "false",
            include_video: "false",
            sort_by: "popularity.desc",
            language: "en-US",
            page,
          });
    return { ids: body.results.map((r) => r.id), totalPages: body.total_pages };
  }

  /** One page of the ids of films changed between two dates (inclusive, at most 14 days apart). */
  async changesPage(startDate: string, endDate: string, page: number): Promise<{ ids: number[]; totalPages: number }> {
    const body = await this.getJson(TmdbIdPage, "/movie/changes", {
      start_date: startDate,
      end_date: endDate,
      page,
    });
    return { ids: body.results.map((r) => r.id), totalPages: body.total_pages };
  }

  /**
   * /search/movie with a year (TMDB matches it against the release date's year): the first page of candidates,
   * adult ones left out. The caller decides which candidate, if any, is the film.
   */
  async searchMovie(query: string, year?: number | null): Promise<z.infer<typeof TmdbSearchPage>["results"]> {
    const body = await this.getJson(TmdbSearchPage, "/search/movie", {
      query,
      include_adult: "false",
      language: "en-US",
      page: 1,
      ...(year ? { year } : {}),
    });
    return body.results.filter((r) => !r.adult);
  }

  async movie(id: number): Promise<MovieResult> {
    let res: Awaited<ReturnType<TmdbClient["get"]>>;
    try {
      res = await this.get(`/movie/${id}`, {
        append_to_response: "credits,keywords,external_ids",
        language: "en-US",
      });
    } catch (error) {
      if (error instanceof HttpFailure) return { kind: "failed", detail: error.message, transient: true };
      throw error;
    }
    if (res.status === 404) return { kind: "not_found" };
    if (res.status === 401) throw new TmdbAuthError("HTTP 401: TMDB rejected the token (TMDB_API_TOKEN)");
    if (res.status !== 200) return { kind: "failed", detail: `HTTP ${res.status}`, transient: false };
    // politeFetch retried bodies that are not JSON; valid JSON of the wrong shape will not improve on a retry.
    const parsed = TmdbMovieDetails.safeParse(safeJson(res.text));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        kind: "failed",
        detail: `malformed body: ${issue?.path.join(".")}: ${issue?.message}`,
        transient: false,
      };
    }
    try {
      return { kind: "ok", movie: mapMovie(parsed.data) };
    } catch (error) {
      return { kind: "failed", detail: `unusable film: ${(error as Error).message}`, transient: false };
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

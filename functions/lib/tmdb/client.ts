/**
 * TMDB API v3 client for the sync job: bearer auth, the shared request-rate limiter, retries (polite-fetch),
 * and typed results. A film's fetch never throws for per-film problems (404, malformed body, retries used up):
 * it returns what happened, so the job can record it and move on. Listing failures do throw (a run cannot skip
 * a page of ids without losing films); the run resumes from that page next time.
 */
import type { z } from "zod";
import { HttpFailure, type PoliteFetchOptions, politeFetch, RateLimiter, type RetryPolicy } from "../http/polite-fetch";
import { type MovieRow, mapMovie, TmdbGenreList, TmdbIdPage, TmdbMovieDetails } from "./map";

export interface TmdbClientOptions {
  baseUrl: string;
  token: string;
  /** Request starts per second across the whole client (TMDB asks for at most ~40). */
  requestsPerSecond: number;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  onRetry?: PoliteFetchOptions["onRetry"];
}

export type MovieResult = { kind: "ok"; movie: MovieRow } | { kind: "not_found" } | { kind: "failed"; detail: string };

export class TmdbError extends Error {
  override name = "TmdbError";
}

export type ListSource = "popular" | "discover";

export class TmdbClient {
  readonly limiter: RateLimiter;
  requests = 0;

  constructor(private readonly options: TmdbClientOptions) {
    this.limiter = new RateLimiter(options.requestsPerSecond);
  }

  private async get(path: string, query: Record<string, string | number> = {}) {
    const url = new URL(`${this.options.baseUrl.replace(/\/$/, "")}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    const res = await politeFetch(
      url.toString(),
      { headers: { Authorization: `Bearer ${this.options.token}`, Accept: "application/json" } },
      {
        limiter: this.limiter,
        retry: this.options.retry,
        signal: this.options.signal,
        fetch: this.options.fetch,
        onRetry: this.options.onRetry,
      },
    );
    this.requests += res.attempts;
    return res;
  }

  /** GET a list-like resource and validate it; any failure is fatal for the caller. */
  private async getJson<T extends z.ZodType>(schema: T, path: string, query?: Record<string, string | number>) {
    let res: Awaited<ReturnType<TmdbClient["get"]>>;
    try {
      res = await this.get(path, query);
    } catch (error) {
      if (error instanceof HttpFailure) throw new TmdbError(`GET ${path}: ${error.message}`);
      throw error;
    }
    if (res.status === 401) throw new TmdbError(`GET ${path}: HTTP 401: TMDB rejected the token (TMDB_API_TOKEN)`);
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

  async movie(id: number): Promise<MovieResult> {
    let res: Awaited<ReturnType<TmdbClient["get"]>>;
    try {
      res = await this.get(`/movie/${id}`, {
        append_to_response: "credits,keywords,external_ids",
        language: "en-US",
      });
    } catch (error) {
      if (error instanceof HttpFailure) return { kind: "failed", detail: error.message };
      throw error;
    }
    if (res.status === 404) return { kind: "not_found" };
    if (res.status === 401) throw new TmdbError("HTTP 401: TMDB rejected the token (TMDB_API_TOKEN)");
    if (res.status !== 200) return { kind: "failed", detail: `HTTP ${res.status}` };
    const body = safeJson(res.text);
    if (body === undefined) return { kind: "failed", detail: `malformed body: not JSON (${res.text.length} bytes)` };
    const parsed = TmdbMovieDetails.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { kind: "failed", detail: `malformed body: ${issue?.path.join(".")}: ${issue?.message}` };
    }
    try {
      return { kind: "ok", movie: mapMovie(parsed.data) };
    } catch (error) {
      return { kind: "failed", detail: `unusable film: ${(error as Error).message}` };
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

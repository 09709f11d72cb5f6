/**
 * Open Library client for the book sync: search (/search.json), works (/works/{id}.json) and a work's editions
 * (/works/{id}/editions.json), through the same polite fetch as TMDB (lib/http/polite-fetch.ts): a sliding-window
 * rate limiter, retries with backoff and jitter on 5xx, 429 after Retry-After, timeouts and stalls, resets, and
 * truncated or non-JSON bodies. Open Library asks API clients to identify themselves, so every request carries a
 * User-Agent naming Marquee and the operator's contact. Its data is CC0.
 *
 * A work's fetch never throws for per-work problems (404, a body with no title, retries used up): it returns what
 * happened and whether a later try may help. A search page failure throws (the run cannot skip a page without
 * losing works) after more retries; the run resumes from that page. Runtime-neutral.
 */
import { z } from "zod";
import { type Clock, HttpFailure, politeFetch, RateLimiter, type RetryPolicy, realClock } from "../http/polite-fetch";

export interface OpenLibraryClientOptions {
  baseUrl: string;
  /** Requests per second for the whole client; the limiter keeps its 5% margin below it. */
  requestsPerSecond: number;
  /** The User-Agent sent with every request, e.g. "Marquee/0.1 (ops@example.org)". */
  userAgent: string;
  retry?: Partial<RetryPolicy>;
  /** Retries of a search page (a run cannot go on without it); works use `retry.retries`. */
  listRetries?: number;
  clock?: Clock;
  /** Clock time at which the run's time budget ends (BudgetExhausted after it). */
  deadline?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export class OpenLibraryError extends Error {
  override name = "OpenLibraryError";
}

/** The fields the sync asks /search.json for (`fields=`), so the answer stays small. */
export const SEARCH_FIELDS = [
  "key",
  "title",
  "author_name",
  "first_publish_year",
  "language",
  "ratings_average",
  "ratings_count",
  "id_goodreads",
  "cover_i",
] as const;

const SearchDoc = z.object({
  key: z.string().regex(/^\/works\/OL\d+W$/),
  title: z.string().optional(),
  author_name: z.array(z.string()).optional(),
  first_publish_year: z.number().int().optional(),
  language: z.array(z.string()).optional(),
  ratings_average: z.number().optional(),
  ratings_count: z.number().int().optional(),
  id_goodreads: z.array(z.string()).optional(),
  cover_i: z.number().int().optional(),
});

export type SearchDoc = z.infer<typeof SearchDoc>;

const SearchPage = z.object({
  numFound: z.number().int().min(0),
  start: z.number().int().min(0).optional(),
  docs: z.array(z.unknown()),
});

const Text = z.union([z.string(), z.object({ value: z.string() })]);

export const OpenLibraryWork = z.object({
  key: z.string(),
  title: z.string().optional(),
  type: z.object({ key: z.string() }).optional(),
  /** A redirect record (type /type/redirect) names the work it moved to. */
  location: z.string().optional(),
  subjects: z.array(z.string()).optional(),
  first_publish_date: z.string().optional(),
  covers: z.array(z.number().int()).optional(),
  description: Text.optional(),
});

export type OpenLibraryWork = z.infer<typeof OpenLibraryWork>;

export const OpenLibraryEdition = z.object({
  key: z.string().optional(),
  isbn_13: z.array(z.string()).optional(),
  isbn_10: z.array(z.string()).optional(),
  languages: z.array(z.object({ key: z.string() })).optional(),
  identifiers: z
    .object({ goodreads: z.array(z.string()).optional() })
    .passthrough()
    .optional(),
});

const EditionsPage = z.object({ entries: z.array(z.unknown()), size: z.number().int().optional() });

export type OpenLibraryEdition = z.infer<typeof OpenLibraryEdition>;

export type WorkResult =
  | { kind: "ok"; work: OpenLibraryWork; editions: OpenLibraryEdition[] }
  | { kind: "not_found" }
  /** transient: retries ran out on faults that may pass; otherwise the answer itself is unusable. */
  | { kind: "failed"; detail: string; transient: boolean };

export const LIST_RETRIES = 8;
/** Editions read per work: enough for its ISBNs and a Goodreads id, without walking thousands of printings. */
export const EDITIONS_LIMIT = 50;

export class OpenLibraryClient {
  readonly limiter: RateLimiter;
  readonly clock: Clock;
  requests = 0;
  deadline: number;

  constructor(private readonly options: OpenLibraryClientOptions) {
    this.clock = options.clock ?? realClock;
    this.limiter = new RateLimiter(options.requestsPerSecond, this.clock);
    this.deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  }

  private async get(path: string, query: Record<string, string | number>, list: boolean) {
    const url = new URL(`${this.options.baseUrl.replace(/\/$/, "")}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    return politeFetch(
      url.toString(),
      { headers: { Accept: "application/json", "User-Agent": this.options.userAgent } },
      {
        limiter: this.limiter,
        retry: list ? { ...this.options.retry, retries: this.options.listRetries ?? LIST_RETRIES } : this.options.retry,
        signal: this.options.signal,
        fetch: this.options.fetch,
        clock: this.clock,
        deadline: this.deadline,
        expectJson: true,
        onAttempt: () => {
          this.requests++;
        },
      },
    );
  }

  /** One page (1-based) of a search; docs that are not works with a key are dropped. Throws when it cannot. */
  async search(q: string, page: number, limit: number): Promise<{ numFound: number; docs: SearchDoc[] }> {
    let res: Awaited<ReturnType<OpenLibraryClient["get"]>>;
    try {
      res = await this.get("/search.json", { q, page, limit, fields: SEARCH_FIELDS.join(",") }, true);
    } catch (error) {
      if (error instanceof HttpFailure) throw new OpenLibraryError(`search "${q}" page ${page}: ${error.message}`);
      throw error;
    }
    if (res.status !== 200) throw new OpenLibraryError(`search "${q}" page ${page}: HTTP ${res.status}`);
    const parsed = SearchPage.safeParse(JSON.parse(res.text));
    if (!parsed.success) throw new OpenLibraryError(`search "${q}" page ${page}: not a search answer`);
    const docs = parsed.data.docs.flatMap((d) => {
      const doc = SearchDoc.safeParse(d);
      return doc.success ? [doc.data] : [];
    });
    return { numFound: parsed.data.numFound, docs };
  }

  /** A work and its first editions; follows one redirect (a merged work). */
  async work(id: string): Promise<WorkResult> {
    try {
      let work = await this.fetchWork(id);
      if (work.kind === "ok" && work.work.type?.key === "/type/redirect" && work.work.location) {
        const target = /\/works\/(OL\d+W)$/.exec(work.work.location)?.[1];
        work = target ? await this.fetchWork(target) : { kind: "failed", detail: "bad redirect", transient: false };
      }
      if (work.kind !== "ok") return work;
      const editions = await this.get(
        `/works/${/\/works\/(OL\d+W)$/.exec(work.work.key)?.[1] ?? id}/editions.json`,
        { limit: EDITIONS_LIMIT },
        false,
      );
      if (editions.status !== 200) return { kind: "ok", work: work.work, editions: [] };
      const page = EditionsPage.safeParse(JSON.parse(editions.text));
      const entries = page.success
        ? page.data.entries.flatMap((e) => {
            const edition = OpenLibraryEdition.safeParse(e);
            return edition.success ? [edition.data] : [];
          })
        : [];
      return { kind: "ok", work: work.work, editions: entries };
    } catch (error) {
      if (error instanceof HttpFailure) return { kind: "failed", detail: error.message, transient: true };
      throw error;
    }
  }

  private async fetchWork(id: string): Promise<WorkResult & { work?: OpenLibraryWork }> {
    const res = await this.get(`/works/${id}.json`, {}, false);
    if (res.status === 404) return { kind: "not_found" };
    if (res.status !== 200) return { kind: "failed", detail: `HTTP ${res.status}`, transient: false };
    const parsed = OpenLibraryWork.safeParse(JSON.parse(res.text));
    if (!parsed.success) return { kind: "failed", detail: "malformed work", transient: false };
    return { kind: "ok", work: parsed.data, editions: [] };
  }
}

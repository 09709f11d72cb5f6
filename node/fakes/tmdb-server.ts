/**
 * A local stand-in for the TMDB API v3, for tests and `marquee bench`: the endpoints the sync uses, in TMDB's
 * response shapes (including its error body), bearer-token checked, with faults per path as a busy API serves
 * them: 429 with Retry-After, 500 and 504, a stall (an answer that comes late, or never), a truncated JSON body,
 * and a reset connection. Faults are scripted per path, or drawn at random (seeded) for a share of all requests on
 * every path. A film id it does not hold answers 404 like TMDB does.
 *
 * Served over real HTTP (`startFakeTmdb`), or in-process as a `fetch` on an injectable clock (`fakeTmdbFetch`), so
 * that a test can run thousands of requests, stalls and Retry-After waits in virtual time. Node-only (node:http);
 * never imported by the Worker.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, realClock } from "../../functions/lib/http/polite-fetch";
import type { TmdbMovieDetails } from "../../functions/lib/tmdb/map";

/** timeout: never answers; stall: answers after `stallMs`; reset: the connection is cut before any answer. */
export type Fault = "429" | "500" | "504" | "timeout" | "stall" | "truncated" | "reset";

/** The stand-in's profile: 429 with Retry-After, 500/504, stalls, truncated JSON and resets, in equal shares. */
export const FAULT_KINDS: readonly Fault[] = ["429", "500", "504", "stall", "truncated", "reset"];

export interface FakeCatalogue {
  genres: { id: number; name: string }[];
  /** Full details as /movie/{id}?append_to_response=credits,keywords,external_ids returns them. */
  movies: TmdbMovieDetails[];
  /** Ids listed by /movie/changes, with the date each changed (YYYY-MM-DD). May name ids that 404. */
  changes?: { id: number; date: string }[];
  /** Extra ids listed by /movie/popular that have no details (they 404): a film deleted after listing. */
  popularExtra?: number[];
}

export interface FakeTmdbOptions {
  token?: string;
  /** Faults served in order, per request path (e.g. "/3/movie/603"); after they run out the path answers normally. */
  faults?: Record<string, Fault[]>;
  /** Share (0..1) of all other requests, on every path, that get a random fault of `faultKinds`. */
  faultRate?: number;
  /** Kinds drawn for random faults, uniformly (default FAULT_KINDS; 500 and 504 share the 5xx part). */
  faultKinds?: readonly Fault[];
  /** Seed of the fault draw, so a run's faults can be replayed. */
  seed?: number;
  /** Seconds in Retry-After for 429 faults. */
  retryAfter?: string;
  /** How long a "stall" holds its answer (default 15 s, longer than the client's timeout). */
  stallMs?: number;
  pageSize?: number;
  /** Time of the request log and of stalls (in-process only; the HTTP server uses real time). */
  clock?: Clock;
  /** Called on every request before it is answered (tests abort a run at a chosen point). */
  onRequest?: (path: string, url: URL) => void;
}

export interface FakeRequest {
  /** Clock time the request arrived. */
  at: number;
  path: string;
  /** The fault served, if any. */
  fault?: Fault;
}

export interface FakeTmdbState {
  /** Request counts per path (without the query). */
  hits: Map<string, number>;
  /** Complete 200 answers per path (what a client received and could use), after faults and aborts. */
  served: Map<string, number>;
  /** Every request in arrival order. */
  log: FakeRequest[];
  faults: Record<string, Fault[]>;
}

export interface FakeTmdb extends FakeTmdbState {
  url: string;
  close(): Promise<void>;
}

type Answer =
  | { kind: "send"; status: number; body: unknown; headers?: Record<string, string>; truncate?: boolean }
  | { kind: "fault"; fault: "timeout" | "stall" | "reset" };

const NOT_FOUND = { success: false, status_code: 34, status_message: "The resource you requested could not be found." };
const BAD_TOKEN = {
  success: false,
  status_code: 7,
  status_message: "Invalid API key: You must be granted a valid key.",
};
const RATE_LIMITED = {
  success: false,
  status_code: 25,
  status_message: "Your request count (#) is over the allowed limit of (40).",
};

function listItem(m: TmdbMovieDetails) {
  return {
    adult: m.adult,
    backdrop_path: null,
    genre_ids: m.genres.map((g) => g.id),
    id: m.id,
    original_language: m.original_language,
    original_title: m.original_title,
    overview: m.overview,
    popularity: m.popularity,
    poster_path: m.poster_path,
    release_date: m.release_date,
    title: m.title,
    video: false,
    vote_average: m.vote_average,
    vote_count: m.vote_count,
  };
}

/**
 * A film's details as TMDB sends them: `belongs_to_collection` is always present, null or the collection with its
 * images (`poster_path`, `backdrop_path`, each null when it has none), whatever the catalogue entry leaves out.
 */
function detailsOf(m: TmdbMovieDetails) {
  const c = m.belongs_to_collection;
  return {
    ...m,
    belongs_to_collection: c
      ? { id: c.id, name: c.name, poster_path: c.poster_path ?? null, backdrop_path: c.backdrop_path ?? null }
      : null,
  };
}

/** Peak number of request starts in any sliding one-second window [t, t + 1000) of a list of times (ms). */
export function peakPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[i] + 1000 <= sorted[j]) i++;
    peak = Math.max(peak, j - i + 1);
  }
  return peak;
}

/** The stand-in's logic, shared by the HTTP server and the in-process fetch. */
function fakeTmdb(catalogue: FakeCatalogue, options: FakeTmdbOptions) {
  const token = options.token ?? "test-token";
  const pageSize = options.pageSize ?? 20;
  const faults = options.faults ?? {};
  const kinds = options.faultKinds ?? FAULT_KINDS;
  const clock = options.clock ?? realClock;
  const state: FakeTmdbState = { hits: new Map(), served: new Map(), log: [], faults };
  // Rebuilt when a test adds films to the catalogue (new films appearing between syncs).
  let indexedCount = -1;
  let byId = new Map<number, TmdbMovieDetails>();
  let popular: TmdbMovieDetails[] = [];
  const index = () => {
    if (indexedCount === catalogue.movies.length) return;
    indexedCount = catalogue.movies.length;
    byId = new Map(catalogue.movies.map((m) => [m.id, m]));
    popular = [...catalogue.movies].filter((m) => !m.adult).sort((a, b) => (b.popularity ?? 0) - (a.popularity ?? 0));
  };
  let seed = (options.seed ?? 1) >>> 0;
  const random = () => {
    // mulberry32: small, seeded, good enough to spread faults
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };

  const paged = <T>(items: T[], page: number): Answer => {
    const totalPages = Math.max(1, Math.ceil(items.length / pageSize));
    if (!(page >= 1 && page <= 500)) {
      return {
        kind: "send",
        status: 400,
        body: { success: false, status_code: 22, status_message: "Invalid page: Pages start at 1 and max at 500." },
      };
    }
    return {
      kind: "send",
      status: 200,
      body: {
        page,
        results: items.slice((page - 1) * pageSize, page * pageSize),
        total_pages: totalPages,
        total_results: items.length,
      },
    };
  };

  const answerOf = (url: URL): Answer => {
    index();
    const path = url.pathname;
    const page = Number(url.searchParams.get("page") ?? "1");
    const movie = /^\/3\/movie\/(\d+)$/.exec(path);
    if (path === "/3/genre/movie/list") return { kind: "send", status: 200, body: { genres: catalogue.genres } };
    if (path === "/3/movie/popular" || path === "/3/discover/movie") {
      const items = [...popular.map(listItem), ...(catalogue.popularExtra ?? []).map((id) => ({ id, adult: false }))];
      return paged(items, page);
    }
    if (path === "/3/movie/changes") {
      const start = url.searchParams.get("start_date") ?? "0000-00-00";
      const end = url.searchParams.get("end_date") ?? "9999-99-99";
      const days = (Date.parse(end) - Date.parse(start)) / 86_400_000;
      if (!(days >= 0 && days <= 14)) {
        return {
          kind: "send",
          status: 422,
          body: {
            success: false,
            status_code: 47,
            status_message: "The input is not valid: dates must be at most 14 days apart.",
          },
        };
      }
      const ids = (catalogue.changes ?? [])
        .filter((c) => c.date >= start && c.date <= end)
        .map((c) => ({ id: c.id, adult: byId.get(c.id)?.adult ?? false }));
      return paged(ids, page);
    }
    if (path === "/3/search/movie") {
      // Like TMDB: a case- and accent-insensitive substring match on title or original title, narrowed by the
      // release year when one is given, most voted first.
      const fold = (t: string | null | undefined) =>
        (t ?? "")
          .normalize("NFKD")
          .replace(/[\u0300-\u036f]/g, "")
          .toLowerCase();
      const query = fold(url.searchParams.get("query"));
      if (!query)
        return { kind: "send", status: 422, body: { success: false, status_message: "query must be provided" } };
      const year = url.searchParams.get("year");
      const hits = catalogue.movies
        .filter((m) => fold(m.title).includes(query) || fold(m.original_title).includes(query))
        .filter((m) => !year || (m.release_date ?? "").startsWith(year))
        .filter((m) => !m.adult || url.searchParams.get("include_adult") === "true")
        .sort((a, b) => (b.vote_count ?? 0) - (a.vote_count ?? 0))
        .map((m) => ({
          id: m.id,
          adult: m.adult,
          title: m.title,
          original_title: m.original_title,
          release_date: m.release_date,
          vote_count: m.vote_count,
        }));
      return paged(hits, page);
    }
    if (movie) {
      const found = byId.get(Number(movie[1]));
      return found
        ? { kind: "send", status: 200, body: detailsOf(found) }
        : { kind: "send", status: 404, body: NOT_FOUND };
    }
    return { kind: "send", status: 404, body: NOT_FOUND };
  };

  /** What to do with one request; counts it and draws its fault. */
  const handle = (url: URL, authorization: string | null | undefined): Answer => {
    const path = url.pathname;
    state.hits.set(path, (state.hits.get(path) ?? 0) + 1);
    const entry: FakeRequest = { at: clock.now(), path };
    state.log.push(entry);
    options.onRequest?.(path, url);
    if (authorization !== `Bearer ${token}`) return { kind: "send", status: 401, body: BAD_TOKEN };
    let fault = faults[path]?.shift();
    if (!fault && options.faultRate && random() < options.faultRate) fault = kinds[Math.floor(random() * kinds.length)];
    entry.fault = fault;
    if (fault === "429") {
      return { kind: "send", status: 429, body: RATE_LIMITED, headers: { "retry-after": options.retryAfter ?? "1" } };
    }
    if (fault === "500") {
      return {
        kind: "send",
        status: 500,
        body: { success: false, status_code: 11, status_message: "Internal error." },
      };
    }
    if (fault === "504") {
      return { kind: "send", status: 504, body: { success: false, status_code: 24, status_message: "Timed out." } };
    }
    if (fault === "timeout" || fault === "stall" || fault === "reset") return { kind: "fault", fault };
    const answer = answerOf(url);
    // TMDB's CDN cuts bodies of any status; a cut 200 is what a client can mistake for data.
    return fault === "truncated" && answer.kind === "send" ? { ...answer, truncate: true } : answer;
  };

  const render = (answer: Extract<Answer, { kind: "send" }>) => {
    const text = JSON.stringify(answer.body);
    return answer.truncate ? text.slice(0, Math.floor(text.length / 2)) : text;
  };
  const served = (path: string, answer: Extract<Answer, { kind: "send" }>) => {
    if (answer.status === 200 && !answer.truncate) state.served.set(path, (state.served.get(path) ?? 0) + 1);
  };

  return { state, handle, answerOf, render, served, clock, stallMs: options.stallMs ?? 15_000 };
}

const abortError = (signal: AbortSignal) =>
  signal.reason instanceof Error ? signal.reason : new DOMException("This operation was aborted", "AbortError");

/**
 * The stand-in as an in-process `fetch` for TmdbClient: no sockets, stalls wait on `options.clock`, a reset
 * rejects as undici does (TypeError "fetch failed", cause ECONNRESET), and an aborted request rejects.
 */
export function fakeTmdbFetch(
  catalogue: FakeCatalogue,
  options: FakeTmdbOptions = {},
): FakeTmdbState & { fetch: typeof fetch } {
  const fake = fakeTmdb(catalogue, options);
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    const headers = new Headers(init?.headers);
    const answer = fake.handle(url, headers.get("authorization"));
    if (signal?.aborted) throw abortError(signal);
    if (answer.kind === "fault") {
      if (answer.fault === "reset") {
        throw new TypeError("fetch failed", {
          cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
        });
      }
      if (answer.fault === "timeout") {
        await new Promise((_, reject) => signal?.addEventListener("abort", () => reject(abortError(signal))));
      }
      await fake.clock.sleep(fake.stallMs, signal);
    }
    // A stalled request that is still wanted answers normally, late.
    const send = answer.kind === "send" ? answer : (fake.answerOf(url) as Extract<Answer, { kind: "send" }>);
    fake.served(url.pathname, send);
    return new Response(fake.render(send), {
      status: send.status,
      headers: { "content-type": "application/json;charset=utf-8", ...send.headers },
    });
  };
  return Object.assign(fake.state, { fetch: fetchImpl as typeof fetch });
}
/** The stand-in over real HTTP on 127.0.0.1 (stalls and Retry-After in real time). */
export async function startFakeTmdb(catalogue: FakeCatalogue, options: FakeTmdbOptions = {}): Promise<FakeTmdb> {
  const fake = fakeTmdb(catalogue, { ...options, clock: realClock });
  const hanging = new Set<ServerResponse>();
  const send = (res: ServerResponse, path: string, answer: Extract<Answer, { kind: "send" }>) => {
    if (res.destroyed) return;
    fake.served(path, answer);
    res.writeHead(answer.status, { "content-type": "application/json;charset=utf-8", ...answer.headers });
    res.end(fake.render(answer));
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const answer = fake.handle(url, req.headers.authorization);
    if (answer.kind === "send") return send(res, url.pathname, answer);
    if (answer.fault === "reset") return req.socket.destroy();
    hanging.add(res);
    res.on("close", () => hanging.delete(res));
    if (answer.fault === "stall") {
      const timer = setTimeout(
        () => send(res, url.pathname, fake.answerOf(url) as Extract<Answer, { kind: "send" }>),
        fake.stallMs,
      );
      res.on("close", () => clearTimeout(timer));
    }
    // "timeout": never answers; the client's timeout must fire
  };

  const server = createServer(handle);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(fake.state, {
    url: `http://127.0.0.1:${port}/3`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

const WORDS = [
  "heist",
  "space",
  "robot",
  "love",
  "war",
  "detective",
  "ghost",
  "island",
  "family",
  "revenge",
  "dream",
  "ocean",
  "prison",
  "dragon",
  "comedy",
  "storm",
  "secret",
  "city",
  "train",
  "music",
  "witch",
  "desert",
  "alien",
  "jungle",
];
const GENRES = [
  { id: 28, name: "Action" },
  { id: 18, name: "Drama" },
  { id: 35, name: "Comedy" },
  { id: 878, name: "Science Fiction" },
  { id: 53, name: "Thriller" },
  { id: 10749, name: "Romance" },
  { id: 27, name: "Horror" },
  { id: 16, name: "Animation" },
];

/** A deterministic synthetic catalogue of `n` films (ids 1..n) for benchmarks. */
export function syntheticCatalogue(n: number): FakeCatalogue {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const movies: TmdbMovieDetails[] = [];
  for (let id = 1; id <= n; id++) {
    const a = pick(WORDS);
    const b = pick(WORDS);
    movies.push({
      id,
      adult: false,
      title: `The ${a} of the ${b} ${id}`,
      original_title: `The ${a} of the ${b} ${id}`,
      original_language: "en",
      overview: `A story about a ${a} and a ${b}.`,
      release_date: `${1950 + Math.floor(rand() * 75)}-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}`,
      runtime: 80 + Math.floor(rand() * 80),
      genres: [pick(GENRES), pick(GENRES)].filter((g, i, all) => all.findIndex((x) => x.id === g.id) === i),
      popularity: rand() * 100,
      vote_average: Math.round(rand() * 100) / 10,
      vote_count: Math.floor(rand() * 10_000),
      poster_path: `/p${id}.jpg`,
      imdb_id: `tt${1_000_000 + id}`,
      // Films 10k+1..10k+3 make a trilogy, as about a tenth of TMDB's popular films belong to a collection.
      belongs_to_collection:
        id % 10 >= 1 && id % 10 <= 3
          ? { id: 900_000 + Math.floor(id / 10), name: `Series ${Math.floor(id / 10)} Collection`, poster_path: null }
          : null,
      credits: {
        cast: [
          { name: `Actor ${id % 97}`, order: 0 },
          { name: `Actor ${id % 89}`, order: 1 },
        ],
        crew: [{ name: `Director ${id % 53}`, job: "Director" }],
      },
      keywords: {
        keywords: [
          { id: 1, name: a },
          { id: 2, name: b },
        ],
      },
      external_ids: { imdb_id: `tt${1_000_000 + id}` },
    });
  }
  return { genres: GENRES, movies };
}

/**
 * A local stand-in for the TMDB API v3, for tests and `marquee bench search`: the endpoints the sync uses, in
 * TMDB's response shapes (including its error body), bearer-token checked, with scripted faults per path: 429
 * with Retry-After, 500, a response that never comes (timeout), and a truncated JSON body. A film id it does not
 * hold answers 404 like TMDB does. Node-only (node:http); never imported by the Worker.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TmdbMovieDetails } from "../../functions/lib/tmdb/map";

export type Fault = "429" | "500" | "timeout" | "truncated";

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
  /** Seconds in Retry-After for 429 faults. */
  retryAfter?: string;
  pageSize?: number;
  /** Called on every request before it is answered (tests abort a run at a chosen point). */
  onRequest?: (path: string) => void;
}

export interface FakeTmdb {
  url: string;
  /** Request counts per path (without the query). */
  hits: Map<string, number>;
  faults: Record<string, Fault[]>;
  close(): Promise<void>;
}

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

export async function startFakeTmdb(catalogue: FakeCatalogue, options: FakeTmdbOptions = {}): Promise<FakeTmdb> {
  const token = options.token ?? "test-token";
  const pageSize = options.pageSize ?? 20;
  const faults = options.faults ?? {};
  const hits = new Map<string, number>();
  const byId = new Map(catalogue.movies.map((m) => [m.id, m]));
  const popular = [...catalogue.movies]
    .filter((m) => !m.adult)
    .sort((a, b) => (b.popularity ?? 0) - (a.popularity ?? 0));
  const hanging = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json;charset=utf-8", ...headers });
    res.end(text);
  };
  const paged = <T>(res: ServerResponse, items: T[], page: number, extra: Record<string, unknown> = {}) => {
    const totalPages = Math.max(1, Math.ceil(items.length / pageSize));
    if (page < 1 || page > 500) {
      return send(res, 400, {
        success: false,
        status_code: 22,
        status_message: "Invalid page: Pages start at 1 and max at 500.",
      });
    }
    send(res, 200, {
      page,
      results: items.slice((page - 1) * pageSize, page * pageSize),
      total_pages: totalPages,
      total_results: items.length,
      ...extra,
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    options.onRequest?.(path);
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, BAD_TOKEN);

    const fault = faults[path]?.shift();
    if (fault === "429") return send(res, 429, RATE_LIMITED, { "retry-after": options.retryAfter ?? "1" });
    if (fault === "500") return send(res, 500, { success: false, status_code: 11, status_message: "Internal error." });
    if (fault === "timeout") {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return; // never answers; the client's timeout must fire
    }

    const page = Number(url.searchParams.get("page") ?? "1");
    let status = 200;
    let body: unknown;
    const movie = /^\/3\/movie\/(\d+)$/.exec(path);
    if (path === "/3/genre/movie/list") body = { genres: catalogue.genres };
    else if (path === "/3/movie/popular" || path === "/3/discover/movie") {
      const items = [...popular.map(listItem), ...(catalogue.popularExtra ?? []).map((id) => ({ id, adult: false }))];
      return paged(res, items, page);
    } else if (path === "/3/movie/changes") {
      const start = url.searchParams.get("start_date") ?? "0000-00-00";
      const end = url.searchParams.get("end_date") ?? "9999-99-99";
      const days = (Date.parse(end) - Date.parse(start)) / 86_400_000;
      if (!(days >= 0 && days <= 14)) {
        return send(res, 422, {
          success: false,
          status_code: 47,
          status_message: "The input is not valid: dates must be at most 14 days apart.",
        });
      }
      const ids = (catalogue.changes ?? [])
        .filter((c) => c.date >= start && c.date <= end)
        .map((c) => ({ id: c.id, adult: byId.get(c.id)?.adult ?? false }));
      return paged(res, ids, page);
    } else if (movie) {
      const found = byId.get(Number(movie[1]));
      if (!found) return send(res, 404, NOT_FOUND);
      body = found;
    } else {
      status = 404;
      body = NOT_FOUND;
    }
    if (fault === "truncated") {
      const text = JSON.stringify(body);
      res.writeHead(200, { "content-type": "application/json;charset=utf-8" });
      return res.end(text.slice(0, Math.floor(text.length / 2)));
    }
    send(res, status, body);
  };

  const server = createServer(handle);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/3`,
    hits,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
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

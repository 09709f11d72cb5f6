/**
 * A local stand-in for Open Library's read API, for tests and benchmarks: /search.json (q, page, limit, fields;
 * numFound, start, docs), /works/{id}.json (with redirect records for merged works) and
 * /works/{id}/editions.json (links, size, entries), in Open Library's shapes. Faults as a busy public API serves
 * them, scripted per path or drawn at random (seeded) for a share of all requests: 429 with Retry-After, 500 and
 * 503, a stall (an answer that comes late), a timeout (one that never comes), a truncated JSON body, a 200 whose
 * body is an HTML error page, and a reset connection. A work it does not hold answers 404 with Open Library's
 * error body. Requests without a User-Agent are refused (403), as Open Library asks every client to identify.
 *
 * In-process as a `fetch` on an injectable clock (`fakeOpenLibraryFetch`), or over real HTTP
 * (`startFakeOpenLibrary`). Node-only; never imported by the Worker.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, realClock } from "../../functions/lib/http/polite-fetch";

export type OpenLibraryFault = "429" | "500" | "503" | "stall" | "timeout" | "truncated" | "html" | "reset";

export const OPEN_LIBRARY_FAULTS: readonly OpenLibraryFault[] = [
  "429",
  "500",
  "503",
  "stall",
  "truncated",
  "html",
  "reset",
];

export interface FakeWork {
  id: string;
  title: string;
  authors: string[];
  firstPublishYear?: number;
  subjects?: string[];
  languages?: string[];
  ratingsAverage?: number;
  ratingsCount?: number;
  goodreads?: string[];
  coverId?: number;
  isbn13?: string[];
  isbn10?: string[];
  /** This work was merged into another: /works/{id}.json answers a redirect record. */
  redirectTo?: string;
  /** A merged work the search index still lists (it lags behind merges). */
  stillListed?: boolean;
}

export interface FakeOpenLibraryOptions {
  faults?: Record<string, OpenLibraryFault[]>;
  faultRate?: number;
  faultKinds?: readonly OpenLibraryFault[];
  seed?: number;
  retryAfter?: string;
  stallMs?: number;
  clock?: Clock;
  onRequest?: (path: string, url: URL) => void;
}

export interface FakeOpenLibraryState {
  hits: Map<string, number>;
  log: { at: number; path: string; fault?: OpenLibraryFault }[];
  faults: Record<string, OpenLibraryFault[]>;
}

type Answer =
  | { kind: "send"; status: number; body: unknown; headers?: Record<string, string>; raw?: string }
  | { kind: "fault"; fault: "stall" | "timeout" | "reset" };

const fold = (t: string) =>
  t
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();

function fakeOpenLibrary(works: FakeWork[], options: FakeOpenLibraryOptions) {
  const faults = options.faults ?? {};
  const kinds = options.faultKinds ?? OPEN_LIBRARY_FAULTS;
  const clock = options.clock ?? realClock;
  const state: FakeOpenLibraryState = { hits: new Map(), log: [], faults };
  let seed = (options.seed ?? 7) >>> 0;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };

  const doc = (w: FakeWork) => ({
    key: `/works/${w.id}`,
    type: "work",
    title: w.title,
    author_name: w.authors,
    author_key: w.authors.map((_, k) => `OL${k + 1}A`),
    first_publish_year: w.firstPublishYear,
    language: w.languages,
    ratings_average: w.ratingsAverage,
    ratings_count: w.ratingsCount,
    id_goodreads: w.goodreads,
    cover_i: w.coverId,
    edition_count: (w.isbn13?.length ?? 0) + (w.isbn10?.length ?? 0),
    subject: w.subjects,
  });

  const answerOf = (url: URL): Answer => {
    const path = url.pathname;
    if (path === "/search.json") {
      const q = url.searchParams.get("q") ?? "";
      const page = Number(url.searchParams.get("page") ?? "1");
      const limit = Number(url.searchParams.get("limit") ?? "100");
      if (!q) return { kind: "send", status: 422, body: { error: "q is required" } };
      if (!(Number.isInteger(page) && page >= 1 && Number.isInteger(limit) && limit >= 1 && limit <= 1000)) {
        return { kind: "send", status: 422, body: { error: "invalid page or limit" } };
      }
      // q: "subject:fantasy", "key:/works/OL1W", or words in the title or an author's name.
      const live = works.filter((w) => !w.redirectTo || w.stillListed);
      const subject = /^subject:(.+)$/.exec(q)?.[1];
      const key = /^key:\/works\/(OL\d+W)$/.exec(q)?.[1];
      const words = fold(q).split(/\s+/).filter(Boolean);
      const hits = subject
        ? live.filter((w) => (w.subjects ?? []).some((s) => fold(s) === fold(subject)))
        : key
          ? live.filter((w) => w.id === key)
          : live.filter((w) => words.every((x) => fold(`${w.title} ${w.authors.join(" ")}`).includes(x)));
      hits.sort((a, b) => (b.ratingsCount ?? 0) - (a.ratingsCount ?? 0) || a.id.localeCompare(b.id));
      const fields = url.searchParams.get("fields")?.split(",");
      const pick = (d: Record<string, unknown>) =>
        fields && !fields.includes("*") ? Object.fromEntries(Object.entries(d).filter(([k]) => fields.includes(k))) : d;
      const start = (page - 1) * limit;
      return {
        kind: "send",
        status: 200,
        body: {
          numFound: hits.length,
          start,
          numFoundExact: true,
          docs: hits.slice(start, start + limit).map((w) => pick(doc(w))),
          num_found: hits.length,
          q,
          offset: null,
        },
      };
    }
    const work = /^\/works\/(OL\d+W)(\/editions)?\.json$/.exec(path);
    const found = work ? works.find((w) => w.id === work[1]) : undefined;
    if (!work || !found)
      return { kind: "send", status: 404, body: { error: "notfound", key: path.replace(/\.json$/, "") } };
    if (found.redirectTo && !work[2]) {
      return {
        kind: "send",
        status: 200,
        body: { key: `/works/${found.id}`, type: { key: "/type/redirect" }, location: `/works/${found.redirectTo}` },
      };
    }
    if (work[2]) {
      const entries = [
        ...(found.isbn13 ?? []).map((isbn, k) => ({ key: `/books/OL${k + 1}M`, isbn_13: [isbn] })),
        ...(found.isbn10 ?? []).map((isbn, k) => ({ key: `/books/OL${k + 101}M`, isbn_10: [isbn] })),
      ].map((e, k) => ({
        ...e,
        title: found.title,
        works: [{ key: `/works/${found.id}` }],
        languages: (found.languages ?? []).map((l) => ({ key: `/languages/${l}` })),
        ...(k === 0 && found.goodreads ? { identifiers: { goodreads: found.goodreads } } : {}),
      }));
      return {
        kind: "send",
        status: 200,
        body: { links: { self: `${path}`, work: `/works/${found.id}` }, size: entries.length, entries },
      };
    }
    return {
      kind: "send",
      status: 200,
      body: {
        key: `/works/${found.id}`,
        type: { key: "/type/work" },
        title: found.title,
        authors: found.authors.map((_, k) => ({
          author: { key: `/authors/OL${k + 1}A` },
          type: { key: "/type/author_role" },
        })),
        subjects: found.subjects,
        first_publish_date: found.firstPublishYear ? String(found.firstPublishYear) : undefined,
        covers: found.coverId ? [found.coverId] : undefined,
        revision: 3,
      },
    };
  };

  const handle = (url: URL, userAgent: string | null | undefined): Answer => {
    const path = url.pathname;
    state.hits.set(path, (state.hits.get(path) ?? 0) + 1);
    const entry: FakeOpenLibraryState["log"][number] = { at: clock.now(), path };
    state.log.push(entry);
    options.onRequest?.(path, url);
    if (!userAgent) return { kind: "send", status: 403, body: { error: "identify your client with a User-Agent" } };
    let fault = faults[path]?.shift();
    if (!fault && options.faultRate && random() < options.faultRate) fault = kinds[Math.floor(random() * kinds.length)];
    entry.fault = fault;
    if (fault === "429") {
      return {
        kind: "send",
        status: 429,
        body: { error: "Too Many Requests" },
        headers: { "retry-after": options.retryAfter ?? "2" },
      };
    }
    if (fault === "500") return { kind: "send", status: 500, body: { error: "Internal Server Error" } };
    if (fault === "503") {
      return {
        kind: "send",
        status: 503,
        raw: "<html><body><h1>503 Service Unavailable</h1></body></html>",
        body: null,
      };
    }
    if (fault === "html")
      return {
        kind: "send",
        status: 200,
        raw: "<html><body>Open Library is temporarily down</body></html>",
        body: null,
      };
    if (fault === "stall" || fault === "timeout" || fault === "reset") return { kind: "fault", fault };
    const answer = answerOf(url);
    if (fault === "truncated" && answer.kind === "send") {
      const text = JSON.stringify(answer.body);
      return { ...answer, raw: text.slice(0, Math.floor(text.length / 2)) };
    }
    return answer;
  };

  const render = (a: Extract<Answer, { kind: "send" }>) => a.raw ?? JSON.stringify(a.body);
  const type = (a: Extract<Answer, { kind: "send" }>) =>
    a.raw?.startsWith("<") ? "text/html; charset=utf-8" : "application/json";
  return { state, handle, answerOf, render, type, clock, stallMs: options.stallMs ?? 15_000 };
}

const abortError = (signal: AbortSignal) =>
  signal.reason instanceof Error ? signal.reason : new DOMException("This operation was aborted", "AbortError");

/** The stand-in as an in-process fetch: stalls wait on `options.clock`; a reset rejects as undici does. */
export function fakeOpenLibraryFetch(
  works: FakeWork[],
  options: FakeOpenLibraryOptions = {},
): FakeOpenLibraryState & { fetch: typeof fetch } {
  const fake = fakeOpenLibrary(works, options);
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    const answer = fake.handle(url, new Headers(init?.headers).get("user-agent"));
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
    const send = answer.kind === "send" ? answer : (fake.answerOf(url) as Extract<Answer, { kind: "send" }>);
    return new Response(fake.render(send), {
      status: send.status,
      headers: { "content-type": fake.type(send), ...send.headers },
    });
  };
  return Object.assign(fake.state, { fetch: fetchImpl as typeof fetch });
}

/** The stand-in over real HTTP on 127.0.0.1 (stalls and Retry-After in real time). */
export async function startFakeOpenLibrary(
  works: FakeWork[],
  options: FakeOpenLibraryOptions = {},
): Promise<FakeOpenLibraryState & { url: string; close(): Promise<void> }> {
  const fake = fakeOpenLibrary(works, { ...options, clock: realClock });
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const answer = fake.handle(url, req.headers["user-agent"]);
    const send = (a: Extract<Answer, { kind: "send" }>) => {
      if (res.destroyed) return;
      res.writeHead(a.status, { "content-type": fake.type(a), ...a.headers });
      res.end(fake.render(a));
    };
    if (answer.kind === "send") return send(answer);
    if (answer.fault === "reset") return req.socket.destroy();
    hanging.add(res);
    res.on("close", () => hanging.delete(res));
    if (answer.fault === "stall") {
      setTimeout(() => send(fake.answerOf(url) as Extract<Answer, { kind: "send" }>), fake.stallMs).unref();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake.state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

/** n synthetic works in a few subjects, each with a valid ISBN-13, some with Goodreads ids; deterministic. */
export function syntheticWorks(n: number): FakeWork[] {
  const subjects = ["Fantasy", "Science fiction", "Mystery", "Romance", "History"];
  return Array.from({ length: n }, (_, k) => {
    const core = `978${String(100_000_000 + k).slice(-9)}`;
    let sum = 0;
    for (let d = 0; d < 12; d++) sum += Number(core[d]) * (d % 2 === 0 ? 1 : 3);
    return {
      id: `OL${1000 + k}W`,
      title: `Synthetic Book ${k + 1}`,
      authors: [`Author ${(k % 37) + 1}`],
      firstPublishYear: 1900 + (k % 120),
      subjects: [subjects[k % subjects.length] as string],
      languages: ["eng"],
      ratingsAverage: 3 + (k % 20) / 10,
      ratingsCount: 10_000 - k,
      ...(k % 3 === 0 ? { goodreads: [String(5_000_000 + k)] } : {}),
      coverId: 100_000 + k,
      isbn13: [`${core}${(10 - (sum % 10)) % 10}`],
    };
  });
}

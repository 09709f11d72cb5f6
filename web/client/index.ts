/**
 * The typed Marquee API client: openapi-fetch over the types generated from /openapi.json (schema.d.ts). The web
 * app uses it, and it is the supported way for other front ends to call the API (see README, "The web app").
 * Runtime-neutral: fetch only, so it runs in browsers, Workers, Node 18+ and Deno.
 */
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, paths };
export type Schemas = components["schemas"];
export type MovieSummary = Schemas["MovieSummary"];
export type MovieDetail = Schemas["MovieDetail"];
export type RecommendedMovie = Schemas["RecommendedMovie"];
export type RecommendationList = Schemas["RecommendationList"];
export type SimilarMovie = Schemas["SimilarMovieWithReasons"];
export type SearchHit = Schemas["SearchHit"];
export type Session = Schemas["Session"];
export type User = Schemas["User"];
export type Reason = Schemas["RecommendationReason"];
export type ErrorEnvelope = Schemas["Error"];
export type MarqueeClient = Client<paths>;

export interface MarqueeClientOptions {
  /** The API origin, e.g. https://marquee.example.org; the page's own origin when omitted in a browser. */
  baseUrl?: string;
  /** Returns the bearer token to send, read at each request (so signing in or out needs no new client). */
  token?: () => string | null | undefined;
  fetch?: (request: Request) => Promise<Response>;
}

export function createMarqueeClient(options: MarqueeClientOptions = {}): MarqueeClient {
  const baseUrl = options.baseUrl ?? (typeof location === "undefined" ? "" : location.origin);
  const client = createClient<paths>({ baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  client.use({
    onRequest({ request }) {
      const token = options.token?.();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  });
  return client;
}

/** A failed call, from the API's error envelope (or a network failure: status 0, code OFFLINE). */
export class MarqueeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null = null,
    /** Seconds to wait, from Retry-After on a 429. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "MarqueeApiError";
  }
}

/**
 * Unwraps an openapi-fetch result: the data on success, else throws MarqueeApiError with the envelope's code.
 * `await ok(client.GET("/v1/movies/{id}", { params: { path: { id: 603 } } }))`.
 */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Exclude<T, undefined>> {
  let result: Awaited<typeof call>;
  try {
    result = await call;
  } catch (error) {
    // fetch rejects only when no response came back: offline, DNS, CORS, connection reset.
    throw new MarqueeApiError(0, "OFFLINE", error instanceof Error ? error.message : "network error");
  }
  const { data, error, response } = result;
  if (response.ok) return data as Exclude<T, undefined>;
  const envelope = (error as Partial<ErrorEnvelope> | undefined)?.error;
  const retry = Number(response.headers.get("Retry-After"));
  throw new MarqueeApiError(
    response.status,
    envelope?.code ?? `HTTP_${response.status}`,
    envelope?.message ?? response.statusText,
    envelope?.requestId ?? response.headers.get("X-Request-Id"),
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

/**
 * Polite HTTP for jobs that call rate-limited APIs (TMDB, embedding providers): a shared request-rate limiter,
 * bounded retries of 5xx, timeouts and network faults with exponential backoff and full jitter, and 429 answered
 * by waiting for Retry-After. Runtime-neutral (fetch, AbortSignal, timers).
 */

/** Spaces request starts evenly so that at most `perSecond` start in any second, across all callers. */
export class RateLimiter {
  private next = 0;
  constructor(readonly perSecond: number) {}

  async take(signal?: AbortSignal): Promise<void> {
    const now = performance.now();
    const slot = Math.max(now, this.next);
    this.next = slot + 1000 / this.perSecond;
    if (slot > now) await sleep(slot - now, signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface RetryPolicy {
  /** Retries of 5xx, timeouts and network errors (so attempts = retries + 1). */
  retries: number;
  /** First backoff ceiling; doubles per attempt, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per attempt, including reading the body. */
  timeoutMs: number;
  /** 429 answers honoured before giving up (they do not use up `retries`). */
  maxRateLimited: number;
  /** Longest Retry-After we agree to wait. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 4,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  timeoutMs: 10_000,
  maxRateLimited: 10,
  maxRetryAfterMs: 120_000,
};

export interface PoliteResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Attempts used, including 429s. */
  attempts: number;
}

export class HttpFailure extends Error {
  override name = "HttpFailure";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Retry-After in ms: delta-seconds or an HTTP date; 1 s when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return 1000;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - now) : 1000;
}

export interface PoliteFetchOptions {
  limiter?: RateLimiter;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Called before each wait (for logs and tests). */
  onRetry?: (reason: string, waitMs: number) => void;
}

/**
 * Sends a request and reads its body, retrying what is worth retrying. Returns any final status the caller must
 * interpret (2xx, 4xx other than 429); throws HttpFailure when retries run out, and the signal's reason on abort.
 */
export async function politeFetch(
  url: string,
  init: RequestInit,
  options: PoliteFetchOptions = {},
): Promise<PoliteResponse> {
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  const doFetch = options.fetch ?? fetch;
  let failures = 0;
  let limited = 0;
  let attempts = 0;
  for (;;) {
    await options.limiter?.take(options.signal);
    attempts++;
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let reason: string;
    let wait: number;
    try {
      const res = await doFetch(url, { ...init, signal });
      const text = await res.text();
      if (res.status === 429) {
        if (++limited > policy.maxRateLimited) throw new HttpFailure(`HTTP 429 ${limited} times`, 429);
        wait = Math.min(policy.maxRetryAfterMs, retryAfterMs(res.headers.get("retry-after")));
        options.onRetry?.("HTTP 429", wait);
        await sleep(wait, options.signal);
        continue;
      }
      if (res.status < 500) return { status: res.status, headers: res.headers, text, attempts };
      reason = `HTTP ${res.status}`;
    } catch (error) {
      if (error instanceof HttpFailure) throw error;
      if (options.signal?.aborted) throw options.signal.reason;
      reason = timeout.aborted
        ? `timed out after ${policy.timeoutMs} ms`
        : `network error: ${(error as Error).message}`;
    }
    if (++failures > policy.retries) throw new HttpFailure(`${reason} (gave up after ${attempts} attempts)`);
    wait = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - 1));
    options.onRetry?.(reason, wait);
    await sleep(wait, options.signal);
  }
}

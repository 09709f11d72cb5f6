/**
 * Polite HTTP for jobs that call rate-limited APIs (TMDB, embedding providers): a shared request-rate limiter,
 * bounded retries of 5xx, timeouts and network faults with exponential backoff and full jitter, and 429 answered
 * by waiting for Retry-After. Runtime-neutral (fetch, AbortSignal, timers).
 */

/**
 * Time for jobs: `now()` in ms and a cancellable `sleep`. Injectable so that tests run hours of retries, Retry-After
 * waits and timeouts on a virtual clock (test/support/virtual-clock.ts) with no real sleep.
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = { now: () => performance.now(), sleep: (ms, signal) => sleep(ms, signal) };

/** Share of the stated cap the limiter uses: TMDB counts on its side, after network jitter, so keep a margin. */
export const RATE_MARGIN = 0.95;

/**
 * Caps request starts at `perSecond` (times RATE_MARGIN) in every sliding one-second window, across all callers,
 * and spaces them evenly. Each grant is decided when it is handed out, against the clock at that moment and the
 * log of past grants: no slot is booked ahead, so waiters that wake late (an event-loop pause, a slow timer) are
 * still let through one spacing apart, never together. Callers are served first come, first served; `urgent`
 * callers (list pages, which every film waits on) go before the others.
 */
export class RateLimiter {
  /** Most grants in any one-second window. */
  readonly perWindow: number;
  /** Least time between two grants. */
  readonly spacingMs: number;
  private readonly grants: number[] = [];
  private readonly waiting: { urgent: Waiter[]; normal: Waiter[] } = { urgent: [], normal: [] };
  private pumping = false;
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    readonly perSecond: number,
    readonly clock: Clock = realClock,
    margin = RATE_MARGIN,
  ) {
    this.perWindow = Math.max(1, Math.floor(perSecond * margin));
    this.spacingMs = 1000 / (perSecond * margin);
  }

  take(signal?: AbortSignal, urgent = false): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      const lane = urgent ? this.waiting.urgent : this.waiting.normal;
      lane.push(waiter);
      waiter.onAbort = () => {
        const i = lane.indexOf(waiter);
        if (i >= 0) lane.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      if (!this.pumping) void this.pump();
    });
  }

  /** Earliest time the next grant may happen. */
  private nextAllowed(): number {
    const n = this.grants.length;
    const windowFull = n >= this.perWindow ? this.grants[n - this.perWindow] + 1000 : Number.NEGATIVE_INFINITY;
    return Math.max(this.last + this.spacingMs, windowFull);
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (;;) {
        const waiter = this.waiting.urgent[0] ?? this.waiting.normal[0];
        if (!waiter) return;
        const now = this.clock.now();
        const allowed = this.nextAllowed();
        if (now < allowed) {
          await this.clock.sleep(allowed - now);
          continue; // re-read the clock and the queue: time may have jumped and waiters may have left
        }
        (this.waiting.urgent[0] === waiter ? this.waiting.urgent : this.waiting.normal).shift();
        if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
        this.last = now;
        this.grants.push(now);
        if (this.grants.length > this.perWindow) this.grants.shift();
        waiter.resolve();
      }
    } finally {
      this.pumping = false;
    }
  }
}

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
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

/** Thrown when the caller's total time budget would be overrun by another attempt or wait. */
export class BudgetExhausted extends Error {
  override name = "BudgetExhausted";
}

export interface PoliteFetchOptions {
  limiter?: RateLimiter;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Defaults to the limiter's clock, else real time. */
  clock?: Clock;
  /** Clock time after which no attempt starts and no wait begins (BudgetExhausted). */
  deadline?: number;
  /** A 2xx body that is not JSON (truncated, cut off) is a transient fault: retried like a 5xx. */
  expectJson?: boolean;
  /** Taken before other requests by the limiter (see RateLimiter). */
  urgent?: boolean;
  /** Called before each wait (for logs and tests). */
  onRetry?: (reason: string, waitMs: number) => void;
  /** Called as each attempt is sent (request counts). */
  onAttempt?: () => void;
}

const TIMED_OUT = "timed out" as const;

/**
 * Sends a request and reads its body, retrying what is worth retrying: 5xx, 429 (after Retry-After), timeouts
 * (a stall longer than `timeoutMs`, including while the body is read), network errors (resets), and with
 * `expectJson` a 2xx body that does not parse. Returns any final status the caller must interpret (2xx, 4xx other
 * than 429); throws HttpFailure when retries run out, BudgetExhausted at the deadline, and the signal's reason on
 * abort.
 */
export async function politeFetch(
  url: string,
  init: RequestInit,
  options: PoliteFetchOptions = {},
): Promise<PoliteResponse> {
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? options.limiter?.clock ?? realClock;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const checkBudget = (wait = 0) => {
    if (clock.now() + wait > deadline) throw new BudgetExhausted(`time budget used up before GET ${url}`);
  };
  let failures = 0;
  let limited = 0;
  let attempts = 0;
  for (;;) {
    checkBudget();
    await options.limiter?.take(options.signal, options.urgent);
    attempts++;
    options.onAttempt?.();
    const attempt = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, attempt.signal]) : attempt.signal;
    // The timer runs on the injected clock, so a virtual stall times out in virtual time.
    const timer = clock.sleep(policy.timeoutMs, attempt.signal).then(
      () => {
        attempt.abort(new Error(`timed out after ${policy.timeoutMs} ms`));
        return TIMED_OUT;
      },
      () => undefined,
    );
    let reason: string;
    let wait: number;
    try {
      const exchange = (async () => {
        const res = await doFetch(url, { ...init, signal });
        return { res, text: await res.text() };
      })();
      const outcome = await Promise.race([exchange, timer]);
      if (typeof outcome !== "object" || outcome === null) {
        exchange.catch(() => {});
        throw new Error("timed out");
      }
      const { res, text } = outcome;
      if (res.status === 429) {
        if (++limited > policy.maxRateLimited) throw new HttpFailure(`HTTP 429 ${limited} times`, 429);
        wait = Math.min(policy.maxRetryAfterMs, retryAfterMs(res.headers.get("retry-after")));
        options.onRetry?.("HTTP 429", wait);
        checkBudget(wait);
        await clock.sleep(wait, options.signal);
        continue;
      }
      if (res.status >= 500) reason = `HTTP ${res.status}`;
      else if (options.expectJson && res.status < 300 && !isJson(text)) {
        reason = `malformed body: not JSON (${text.length} bytes)`;
      } else return { status: res.status, headers: res.headers, text, attempts };
    } catch (error) {
      if (error instanceof HttpFailure || error instanceof BudgetExhausted) throw error;
      if (options.signal?.aborted) throw options.signal.reason;
      reason = attempt.signal.aborted
        ? `timed out after ${policy.timeoutMs} ms`
        : `network error: ${(error as Error).message}${causeOf(error)}`;
    } finally {
      attempt.abort(); // ends the timer (and an abandoned exchange)
    }
    if (++failures > policy.retries) throw new HttpFailure(`${reason} (gave up after ${attempts} attempts)`);
    wait = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - 1));
    options.onRetry?.(reason, wait);
    checkBudget(wait);
    await clock.sleep(wait, options.signal);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause ? ` (${cause.code ?? cause.message})` : "";
}

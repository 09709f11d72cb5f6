/**
 * A closed-loop HTTP load generator: `concurrency` workers each send a request, wait for the full response, and
 * send the next, for a fixed duration after a warm-up. Reports latency percentiles, throughput and errors.
 * Used by every `marquee bench` suite so their figures are comparable.
 */
import { readFile } from "node:fs/promises";
import http from "node:http";

export interface LoadOptions {
  /**
   * Returns the i-th request to send (URL and init); a promise is awaited before the request's clock starts (for
   * set-up that must not count as the request's latency, such as invalidating a cache).
   */
  request: (i: number) => { url: string; init?: RequestInit } | Promise<{ url: string; init?: RequestInit }>;
  concurrency: number;
  durationMs: number;
  warmupMs?: number;
  /** Status codes that count as success (default: 2xx and 304). */
  ok?: (status: number) => boolean;
}

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  firstError?: string;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function summarise(latencies: number[], errors: number, elapsedMs: number, firstError?: string): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const total = sorted.reduce((s, v) => s + v, 0);
  return {
    requests: sorted.length,
    errors,
    rps: (sorted.length / elapsedMs) * 1000,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length ? total / sorted.length : Number.NaN,
    firstError,
  };
}

/**
 * Sends one request over a keep-alive node:http agent and reads the whole body; returns the status.
 * Not fetch: undici's fetch costs ~3x the client CPU per request (measured 1,130 vs 360 us), and on a 2-core
 * machine the load generator shares the cores with the server and the database, so a heavy client caps the
 * throughput it can measure. Bodies other than strings fall back to fetch.
 */
function sender(agent: http.Agent) {
  return (url: string, init?: RequestInit): Promise<number> => {
    if (init?.body !== undefined && init.body !== null && typeof init.body !== "string") {
      return fetch(url, init).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });
    }
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: init?.method ?? "GET", headers, agent }, (res) => {
        res.on("data", () => {});
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(init?.body ?? undefined);
    });
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const ok = options.ok ?? ((s: number) => (s >= 200 && s < 300) || s === 304);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const send = sender(agent);
  let counter = 0;
  const phase = async (ms: number, record: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    const deadline = performance.now() + ms;
    const worker = async () => {
      while (performance.now() < deadline) {
        const { url, init } = await options.request(counter++);
        const started = performance.now();
        try {
          const status = await send(url, init);
          const elapsed = performance.now() - started;
          if (ok(status)) latencies.push(elapsed);
          else {
            errors++;
            firstError ??= `HTTP ${status} for ${url}`;
          }
        } catch (error) {
          errors++;
          firstError ??= `${(error as Error).message} for ${url}`;
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    return record ? summarise(latencies, errors, performance.now() - started, firstError) : undefined;
  };
  try {
    if (options.warmupMs) await phase(options.warmupMs, false);
    return (await phase(options.durationMs, true)) as LoadResult;
  } finally {
    agent.destroy();
  }
}

/** Resident memory of a process in MiB (Linux /proc), or of this process when no pid is given. */
export async function residentMiB(pid?: number): Promise<number> {
  if (pid === undefined || pid === process.pid) return process.memoryUsage().rss / 2 ** 20;
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : "-");

/** One row per scenario, as a fixed-width table. */
export function formatTable(
  rows: ({ name: string; concurrency: number } & LoadResult & { memoryMiB?: number })[],
): string {
  const header = ["scenario", "conc", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "rss MiB"];
  const body = rows.map((r) => [
    r.name,
    String(r.concurrency),
    String(r.requests),
    String(r.errors),
    fmt(r.rps, 0),
    fmt(r.p50, 2),
    fmt(r.p95, 2),
    fmt(r.p99, 2),
    fmt(r.max, 1),
    r.memoryMiB === undefined ? "-" : fmt(r.memoryMiB, 0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

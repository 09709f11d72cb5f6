/** A real Node HTTP server on a free port over a test database, with its log lines captured. */
import { type Config, parseConfig } from "../../functions/env";
import type { Database } from "../../functions/lib/db/port";
import { type RunningServer, startServer } from "../../node/server";

export interface TestServer extends RunningServer {
  logs: Record<string, unknown>[];
  config: Config;
  /** fetch relative to the server. */
  get(path: string, init?: RequestInit): Promise<Response>;
  json(path: string, body: unknown, init?: RequestInit): Promise<Response>;
}

export async function startTestServer(
  db: Database,
  env: Record<string, string> = {},
  options: { now?: () => number } = {},
): Promise<TestServer> {
  const config = parseConfig({
    MARQUEE_DB: db.kind === "pglite" ? "pglite" : "postgres",
    DATABASE_URL: "postgres://unused@localhost/x",
    PORT: "0",
    // Every test client is 127.0.0.1: the per-client limits are off unless a test is about them.
    RATE_LIMIT_PER_MINUTE: "0",
    REGISTER_FREE_PER_CLIENT: "1000000",
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const server = await startServer({ config, db, log: (line) => logs.push(line), now: options.now });
  return {
    ...server,
    logs,
    config,
    get: (path, init) => fetch(`${server.url}${path}`, init),
    json: (path, body, init) =>
      fetch(`${server.url}${path}`, {
        method: "POST",
        ...init,
        headers: { "content-type": "application/json", ...(init?.headers ?? {}) },
        body: JSON.stringify(body),
      }),
  };
}

/**
 * One structured JSON line per request: what happened, how long it took, who asked (user id, not token).
 * The query string is left out because it can carry user text; the matched route pattern says enough.
 */

import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../context";

export type LogSink = (line: Record<string, unknown>) => void;

export const stdoutSink: LogSink = (line) => console.log(JSON.stringify(line));

export function logRequests(sink: LogSink, level: () => string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    c.set("logFields", {});
    await next();
    const lvl = level();
    if (lvl === "silent") return;
    const status = c.res.status;
    const severity = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
    if (lvl === "error" && severity !== "error") return;
    if (lvl === "warn" && severity === "info") return;
    sink({
      time: new Date().toISOString(),
      level: severity,
      requestId: c.get("requestId"),
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      route: routePath(c),
      status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      userId: c.get("userId"),
      ...c.get("logFields"),
    });
  };
}

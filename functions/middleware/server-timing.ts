/**
 * Where a request's time goes: database, edge cache and the rest (the app), as a `Server-Timing` header on every
 * response and as fields of the request's log line (log-requests.ts), so a browser's network panel, the bench
 * harness and an operator reading logs all see the same figures.
 *
 * Login and register answer without the header: the time a password check or an insert takes says whether the
 * account exists (an unknown email skips PBKDF2). Their log lines keep the figures; logs are not public.
 *
 * In a deployed Worker, clocks advance only on I/O (a Spectre mitigation), so `app` there is coarse: time spent
 * computing between two I/O waits is folded into the wait that follows it. Database and cache waits are I/O and
 * measure well everywhere.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import type { Database } from "../lib/db/port";

export interface RequestTiming {
  /** Milliseconds waiting on the database, connection setup included. */
  dbMs: number;
  dbCalls: number;
  /** Milliseconds spent opening database connections (TCP, TLS, authentication), part of dbMs. */
  connectMs: number;
  connects: number;
  /** Milliseconds spent looking up (not storing: that runs after the response) the edge cache. */
  cacheMs: number;
  cache?: "hit" | "miss";
}

/** Answers whose timing would tell an attacker whether an account exists. */
const TIMING_HIDDEN = new Set(["/v1/auth/login", "/v1/auth/register"]);

/** The request's timing record, created on first use (the Worker's services need it before this middleware runs). */
export function requestTiming(c: Context<AppEnv>): RequestTiming {
  let timing = c.get("timing");
  if (!timing) {
    timing = { dbMs: 0, dbCalls: 0, connectMs: 0, connects: 0, cacheMs: 0 };
    c.set("timing", timing);
  }
  return timing;
}

/** The same database, with every call's wait added to `timing`. */
export function timedDatabase(db: Database, timing: RequestTiming): Database {
  const timed = Object.create(db) as Database;
  timed.rpc = async (fn, args, options) => {
    const started = performance.now();
    try {
      return await db.rpc(fn, args, options);
    } finally {
      timing.dbMs += performance.now() - started;
      timing.dbCalls += 1;
    }
  };
  return timed;
}

const ms = (v: number) => Math.round(v * 100) / 100;

export function serverTiming(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const timing = requestTiming(c);
    const services = c.get("services");
    c.set("services", { ...services, db: timedDatabase(services.db, timing) });
    await next();
    const totalMs = performance.now() - started;
    const appMs = Math.max(0, totalMs - timing.dbMs - timing.cacheMs);
    Object.assign(c.get("logFields") ?? {}, {
      dbMs: ms(timing.dbMs),
      dbCalls: timing.dbCalls,
      ...(timing.connects ? { connectMs: ms(timing.connectMs) } : {}),
      appMs: ms(appMs),
      ...(timing.cache ? { cache: timing.cache, cacheMs: ms(timing.cacheMs) } : {}),
    });
    if (TIMING_HIDDEN.has(c.req.path)) return;
    const metrics = [`db;dur=${ms(timing.dbMs)}`];
    if (timing.connects) metrics.push(`db-connect;dur=${ms(timing.connectMs)}`);
    if (timing.cache) metrics.push(`cache;desc=${timing.cache};dur=${ms(timing.cacheMs)}`);
    metrics.push(`app;dur=${ms(appMs)}`, `total;dur=${ms(totalMs)}`);
    setHeader(c, "Server-Timing", metrics.join(", "));
  };
}

/**
 * Straight onto the response's headers (c.header() after the handler rebuilds the Response around a stream);
 * a Response whose headers are immutable (one fetched or read from a cache) is copied first.
 */
function setHeader(c: Context<AppEnv>, name: string, value: string) {
  try {
    c.res.headers.set(name, value);
  } catch {
    const copy = new Response(c.res.body, c.res);
    copy.headers.set(name, value);
    c.res = copy;
  }
}

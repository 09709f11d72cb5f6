/**
 * App composition: one runtime-neutral Hono app (Web APIs only) shared by the Worker (worker.ts) and the Node
 * server (node/server.ts). Entry points differ only in how they provide per-request services.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import type { AppEnv, Services } from "./context";
import { ApiError, type ErrorBody, type ErrorCode, fromSqlState, issuesFrom, STATUS } from "./errors";
import { DatabaseError } from "./lib/db/port";
import { type LogSink, logRequests, stdoutSink } from "./middleware/log-requests";
import { rateLimit } from "./middleware/rate-limit";
import { requestChecks } from "./middleware/request-checks";
import { serverTiming } from "./middleware/server-timing";
import { registerRoutes } from "./routes";

export interface AppOptions {
  /** Services for this request. The Worker builds them per request; Node returns one shared set. */
  services(c: Context<AppEnv>): Services | Promise<Services>;
  /** Called after the response, e.g. to close a per-request connection (Worker: via waitUntil). */
  release?(services: Services, c: Context<AppEnv>): Promise<void>;
  log?: LogSink;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const CONNECTION_FAULT = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|Connection terminated|connect|socket/i;

/** Maps what was thrown to an ApiError; unknown faults become INTERNAL. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const code = (Object.keys(STATUS) as ErrorCode[]).find((k) => STATUS[k] === error.status) ?? "BAD_REQUEST";
    return new ApiError(code, error.message || "bad request");
  }
  if (error instanceof DatabaseError) {
    const mapped = fromSqlState(error);
    if (mapped) return mapped;
    if (CONNECTION_FAULT.test(error.message)) {
      return new ApiError("SERVICE_UNAVAILABLE", "the database is unreachable", { cause: error });
    }
  }
  return new ApiError("INTERNAL", "internal error", { cause: error });
}

function errorBody(c: Context<AppEnv>, error: ApiError): ErrorBody {
  return {
    ...error.options.extra,
    error: {
      code: error.code,
      message: error.message,
      requestId: c.get("requestId") ?? "unknown",
      ...(error.options.issues ? { issues: error.options.issues } : {}),
    },
  };
}

export function createApp(options: AppOptions) {
  const log = options.log ?? stdoutSink;
  let logLevel = "info";

  const app = new OpenAPIHono<AppEnv>({
    // Validation failures of params, query, headers and bodies all become 400 naming the field.
    defaultHook: (result) => {
      if (!result.success) {
        const issues = issuesFrom(result.error, result.target);
        const where = result.target === "json" ? "body" : result.target;
        throw new ApiError("BAD_REQUEST", `invalid ${where}: ${issues[0].field}: ${issues[0].message}`, {
          issues,
        });
      }
    },
  });

  app.use(
    requestId({
      headerName: "X-Request-Id",
      // Accept a caller's id only if it is plain; otherwise mint one (ids end up in logs).
      generator: (c) => {
        const incoming = c.req.header("X-Request-Id");
        return incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
      },
    }),
  );
  app.use(async (c, next) => {
    const services = await options.services(c);
    c.set("services", services);
    logLevel = services.config.LOG_LEVEL;
    try {
      await next();
    } finally {
      if (options.release) await options.release(services, c);
    }
  });
  app.use(logRequests(log, () => logLevel));
  app.use(serverTiming());
  app.use(async (c, next) => {
    const origins = c.get("services").config.CORS_ORIGINS;
    return cors({
      origin: origins.includes("*") ? "*" : origins,
      allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type", "If-None-Match", "X-Request-Id"],
      exposeHeaders: ["X-Request-Id", "ETag", "Retry-After", "WWW-Authenticate"],
      maxAge: 86400,
    })(c, next);
  });
  app.use(rateLimit);
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const error = new ApiError(
          "METHOD_NOT_ALLOWED",
          `${c.req.method} is not allowed here; use ${methods.join(", ")}`,
        );
        return c.json(errorBody(c as Context<AppEnv>, error), 405, { Allow: methods.join(", ") });
      },
    }),
  );
  app.use(requestChecks);

  registerRoutes(app);

  app.notFound((c) => {
    const error = new ApiError("NOT_FOUND", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`);
    return c.json(errorBody(c, error), 404);
  });

  app.onError((thrown, c) => {
    const error = toApiError(thrown);
    if (error.status >= 500) {
      const cause = error.options.cause as Error | undefined;
      const logged = { message: cause?.message ?? error.message, stack: cause?.stack };
      const fields = c.get("logFields");
      if (fields) fields.error = logged;
      else {
        // Failed before the log middleware ran (bad configuration): no request line will follow, so log here.
        log({
          time: new Date().toISOString(),
          level: "error",
          requestId: c.get("requestId"),
          method: c.req.method,
          path: new URL(c.req.url).pathname,
          status: error.status,
          error: logged,
        });
      }
    }
    return c.json(errorBody(c, error), error.status, error.options.headers);
  });

  return app;
}

export type MarqueeApp = ReturnType<typeof createApp>;

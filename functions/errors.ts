/**
 * The one error model. Handlers and middleware throw `ApiError`; `onError` in app.ts turns anything thrown into
 * the envelope `{"error":{"code","message","requestId"}}` with the status from `STATUS`. Unknown errors become
 * INTERNAL (500): logged with the request id, never shown to the client.
 */
import { z } from "@hono/zod-openapi";

export const STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof STATUS;
export type ErrorStatus = (typeof STATUS)[ErrorCode];

export interface FieldIssue {
  field: string;
  message: string;
}

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: {
      headers?: Record<string, string>;
      issues?: FieldIssue[];
      cause?: unknown;
      /** Top-level fields beside `error` (the username endpoints' `mode`). */
      extra?: Record<string, unknown>;
    } = {},
  ) {
    super(message, { cause: options.cause });
  }
  get status(): ErrorStatus {
    return STATUS[this.code];
  }
}

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(STATUS) as [ErrorCode, ...ErrorCode[]]).openapi({ example: "NOT_FOUND" }),
      message: z.string().openapi({ example: "movie 42 not found" }),
      requestId: z.string().openapi({ example: "3f0c8c1e-1b9a-4c1e-9a6e-0d6f1c8e2b7a" }),
      issues: z
        .array(z.object({ field: z.string(), message: z.string() }))
        .optional()
        .openapi({ description: "For BAD_REQUEST: every invalid field, with what is wrong." }),
    }),
  })
  .openapi("Error");

export type ErrorBody = z.infer<typeof ErrorEnvelope>;

const DESCRIPTIONS: Record<number, string> = {
  304: "Not modified: the representation matches If-None-Match.",
  400: "Invalid input; the message names the bad field.",
  401: "Missing, malformed, expired or otherwise invalid bearer token.",
  403: "Authenticated but not allowed.",
  404: "No such resource.",
  405: "Method not allowed on this path; see the Allow header.",
  409: "Conflicts with existing data.",
  413: "Request body too large.",
  415: "Content-Type must be application/json.",
  429: "Too many requests (the per-client rate limit, or a sign-in or registration delay); see Retry-After.",
  500: "Unexpected server fault (logged with the request id).",
  503: "The database is unreachable.",
};

/** OpenAPI `responses` entries for the given error statuses, all with the envelope schema (429 and 500 always). */
export function errorResponses(...statuses: number[]) {
  const all = [...new Set([...statuses, 429, 500])].sort((a, b) => a - b);
  return Object.fromEntries(
    all.map((s) => [
      s,
      {
        description: DESCRIPTIONS[s] ?? "Error",
        content: { "application/json": { schema: ErrorEnvelope } },
      },
    ]),
  ) as Record<number, { description: string; content: { "application/json": { schema: typeof ErrorEnvelope } } }>;
}

/** Formats zod issues as "field: message" for the envelope; the first one leads the message. */
export function issuesFrom(error: z.ZodError, location: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join(".") : location,
    message: issue.message,
  }));
}

interface SqlStateRule {
  /** An exact SQLSTATE, or a class: its first two characters. */
  state: string;
  code: ErrorCode;
  /** What the client reads, unless `raised` lets a message raised on purpose by our SQL functions through. */
  message: string;
  /** Our SQL functions raise this SQLSTATE with a message meant for the client (`raise ... using errcode`). */
  raised?: boolean;
}

/**
 * The one table from SQLSTATE to the client's error. Anything not here is a fault (500). PostgreSQL's own text
 * never reaches a client: it names types, casts and internals. Only a message that one of our functions raised
 * on purpose does (PL/pgSQL RAISE: routine exec_stmt_raise; PostgREST hides the routine, so there the SQLSTATE
 * alone decides). Exact states are tried before classes.
 */
export const SQLSTATE_ERRORS: readonly SqlStateRule[] = [
  { state: "P0002", code: "NOT_FOUND", message: "not found", raised: true },
  { state: "42501", code: "FORBIDDEN", message: "not allowed", raised: true },
  { state: "23505", code: "CONFLICT", message: "conflicts with existing data", raised: true },
  { state: "23503", code: "NOT_FOUND", message: "refers to something that does not exist" },
  { state: "23502", code: "BAD_REQUEST", message: "invalid input: a required value is missing" },
  { state: "23514", code: "BAD_REQUEST", message: "invalid input: a value is out of range" },
  { state: "22023", code: "BAD_REQUEST", message: "invalid input: a value is not accepted", raised: true },
  // Class 22, data exception: malformed or out-of-range values (casts, NUL bytes, dates, numeric overflow).
  { state: "22", code: "BAD_REQUEST", message: "invalid input: a value is malformed or out of range" },
  { state: "57014", code: "SERVICE_UNAVAILABLE", message: "the database took too long; try again" },
  { state: "40001", code: "SERVICE_UNAVAILABLE", message: "the database was busy; try again" },
  { state: "40P01", code: "SERVICE_UNAVAILABLE", message: "the database was busy; try again" },
  // Class 08 (connection), 53 (insufficient resources), 57P0x (shutdown): the database is away, not our bug.
  { state: "08", code: "SERVICE_UNAVAILABLE", message: "the database is unreachable" },
  { state: "53", code: "SERVICE_UNAVAILABLE", message: "the database is overloaded; try again" },
  { state: "57P01", code: "SERVICE_UNAVAILABLE", message: "the database is unreachable" },
  { state: "57P02", code: "SERVICE_UNAVAILABLE", message: "the database is unreachable" },
  { state: "57P03", code: "SERVICE_UNAVAILABLE", message: "the database is unreachable" },
];

/** The rule for a SQLSTATE: exact match first, then its class; undefined for a fault. */
export function sqlStateRule(state: string | undefined): SqlStateRule | undefined {
  if (!state) return undefined;
  return (
    SQLSTATE_ERRORS.find((r) => r.state === state) ??
    SQLSTATE_ERRORS.find((r) => r.state.length === 2 && state.startsWith(r.state))
  );
}

/** The client's error for a database error with this SQLSTATE, or undefined when it is a fault (500). */
export function fromSqlState(error: {
  code?: string;
  message: string;
  detail?: string;
  routine?: string;
}): ApiError | undefined {
  const rule = sqlStateRule(error.code);
  if (!rule) return undefined;
  const onPurpose = rule.raised && (error.routine === undefined || error.routine === "exec_stmt_raise");
  const message = onPurpose ? (rule.state === "23505" ? (error.detail ?? error.message) : error.message) : rule.message;
  return new ApiError(rule.code, message, { cause: error });
}

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
  429: "Too many requests; see Retry-After.",
  500: "Unexpected server fault (logged with the request id).",
  503: "The database is unreachable.",
};

/** OpenAPI `responses` entries for the given error statuses, all with the envelope schema. */
export function errorResponses(...statuses: number[]) {
  const all = [...new Set([...statuses, 500])];
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

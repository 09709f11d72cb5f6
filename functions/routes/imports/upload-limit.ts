/**
 * The Letterboxd upload's own body checks (the app-wide requestChecks skips this route: ROUTES_WITH_OWN_BODY_LIMIT):
 * multipart/form-data only (415), at most IMPORT_MAX_BYTES (413, checked on the declared length and again while
 * reading, so a chunked body cannot pass it), and a well-formed multipart body (400). The parsed form is left in
 * Hono's body cache for the route's validator. When routes declare their own body limits, this becomes that
 * declaration.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context";
import { ApiError } from "../../errors";

const MULTIPART = /^multipart\/form-data\s*;\s*boundary=/i;

async function readBounded(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new ApiError("PAYLOAD_TOO_LARGE", `the upload exceeds ${max} bytes`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export const letterboxdUploadLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const max = c.get("services").config.IMPORT_MAX_BYTES;
  const type = c.req.header("content-type") ?? "";
  if (!MULTIPART.test(type)) {
    throw new ApiError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Type must be multipart/form-data with the export in the field "file", got "${type.slice(0, 100) || "none"}"`,
    );
  }
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > max) {
    throw new ApiError("PAYLOAD_TOO_LARGE", `the upload exceeds ${max} bytes`);
  }
  const bytes = await readBounded(c.req.raw.body, max);
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { "content-type": type } }).formData();
  } catch {
    throw new ApiError("BAD_REQUEST", "the multipart body is malformed");
  }
  (c.req.bodyCache as { formData?: Promise<FormData> }).formData = Promise.resolve(form);
  await next();
};

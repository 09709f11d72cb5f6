/**
 * The response headers of the web app's static files, declared once: scripts/build-web.ts writes them into
 * web/dist/_headers (Workers static assets read that file) and node/web-assets.ts sends the same ones for
 * `npm start`. API responses keep their own headers.
 */

/** Posters are the only cross-origin resource; everything else comes from the app's own origin. */
export const TMDB_IMAGE_ORIGIN = "https://image.tmdb.org";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  `img-src 'self' data: ${TMDB_IMAGE_ORIGIN}`,
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  // Tokens never travel in URLs, but film pages and search queries do: keep them off other sites' logs.
  "Referrer-Policy": "no-referrer",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
};

/** index.html must be revalidated so a deploy takes effect; hashed bundles never change under their name. */
export function cacheControlFor(path: string): string {
  return path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "public, max-age=0, must-revalidate";
}

/** The _headers file (Cloudflare's format: a path pattern, then indented `Name: value` lines). */
export function headersFile(): string {
  const block = (pattern: string, headers: Record<string, string>) =>
    [pattern, ...Object.entries(headers).map(([k, v]) => `  ${k}: ${v}`)].join("\n");
  return `${[block("/*", SECURITY_HEADERS), block("/assets/*", { "Cache-Control": cacheControlFor("/assets/x") })].join(
    "\n",
  )}\n`;
}

/**
 * Serves the built web app (web/dist) from the Node server the way Workers static assets serve it in production:
 * a file that exists answers from the folder (`/` is index.html) with the headers of web/headers.ts; any other
 * path falls through to the API. Files are read once at start (the app is a few tens of KiB).
 */
import { readdir, readFile } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheControlFor, SECURITY_HEADERS } from "../web/headers";

export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../web/dist/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

export type WebAssets = (request: Request) => Response | null;

/** Loads the folder; undefined when it has no index.html (the app was not built). */
export async function loadWebAssets(dir = DEFAULT_WEB_DIR): Promise<WebAssets | undefined> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = new Map<string, { body: Uint8Array<ArrayBuffer>; etag: string; type: string }>();
  for (const entry of entries) {
    if (!entry.isFile() || entry.name === "_headers") continue;
    const full = join(entry.parentPath, entry.name);
    const path = `/${relative(dir, full).split(sep).join("/")}`;
    const body = new Uint8Array(await readFile(full));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
    const etag = `"${Buffer.from(digest.slice(0, 12)).toString("base64url")}"`;
    files.set(path, { body, etag, type: TYPES[extname(path)] ?? "application/octet-stream" });
  }
  if (!files.has("/index.html")) return undefined;
  return (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return null;
    const pathname = new URL(request.url).pathname;
    const path = pathname === "/" ? "/index.html" : pathname;
    const file = files.get(path);
    if (!file) return null;
    const headers = {
      ...SECURITY_HEADERS,
      "Content-Type": file.type,
      "Cache-Control": cacheControlFor(path),
      ETag: file.etag,
    };
    if (request.headers.get("If-None-Match") === file.etag) return new Response(null, { status: 304, headers });
    return new Response(request.method === "HEAD" ? null : file.body, { status: 200, headers });
  };
}

/**
 * The interactive API docs page served at GET /docs: one self-contained HTML document (inline CSS and JS, no CDN,
 * no fonts) that reads /openapi.json and renders every operation with a "Try it" form. It must work offline and
 * under a strict Content-Security-Policy, so the script and the style are allowed by their SHA-256 hashes.
 * The page, its style and its script are real files in docs/ (page.html, docs.css, docs.js), built into
 * docs/assets.ts by scripts/docs-page.ts. Runtime-neutral: plain strings plus Web Crypto, so the Worker serves the
 * same page.
 */
import { DOCS_CSS, DOCS_JS, PAGE_HTML } from "./docs/assets";

/** page.html with its stylesheet and script inlined, so the page needs nothing else from the server. */
function inline(page: string, tag: string, replacement: string): string {
  const [before, after, ...more] = page.split(tag);
  if (after === undefined || more.length > 0) throw new Error(`docs/page.html must hold ${tag} exactly once`);
  return before + replacement + after;
}

export const DOCS_HTML = inline(
  inline(PAGE_HTML, '<link rel="stylesheet" href="docs.css">', `<style>${DOCS_CSS}</style>`),
  '<script type="module" src="docs.js"></script>',
  `<script type="module">${DOCS_JS}</script>`,
);

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let binary = "";
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

let policy: Promise<string> | undefined;

/**
 * The page's Content-Security-Policy: only this exact script and style may run, and requests go to this origin
 * only. The hashes are computed once per process or isolate, on first request (Web Crypto digests are async).
 */
export function docsContentSecurityPolicy(): Promise<string> {
  policy ??= Promise.all([sha256Base64(DOCS_JS), sha256Base64(DOCS_CSS)]).then(([script, style]) =>
    [
      "default-src 'self'",
      `script-src 'sha256-${script}'`,
      `style-src 'sha256-${style}'`,
      "img-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
  );
  return policy;
}

/**
 * The signed-in session. The token lives in sessionStorage: it survives a reload and is gone when the tab closes,
 * and other tabs do not see it. The trade-off: any script running on this origin can read it (memory alone would
 * hide it only slightly better, and would sign the user out on every reload), so the page allows no script but
 * its own bundle (CSP `script-src 'self'`, no inline script, no third-party code) and never puts the token in a
 * URL. Cookies were not used because the API is bearer-only and CORS-open by design.
 */
import type { Session, User } from "../client";

const KEY = "marquee.session";

interface Stored {
  token: string;
  expiresAt: string;
  user: User;
}

let current: Stored | null = read();

function read(): Stored | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const parsed = raw ? (JSON.parse(raw) as Stored) : null;
    return parsed && Date.parse(parsed.expiresAt) > Date.now() ? parsed : null;
  } catch {
    return null;
  }
}

export const session = {
  get token(): string | null {
    return current?.token ?? null;
  },
  get user(): User | null {
    return current?.user ?? null;
  },
  start(s: Session) {
    current = { token: s.accessToken, expiresAt: s.expiresAt, user: s.user };
    try {
      sessionStorage.setItem(KEY, JSON.stringify(current));
    } catch {
      // Storage full or disabled (private mode): the session still works until the tab reloads.
    }
  },
  end() {
    current = null;
    try {
      sessionStorage.removeItem(KEY);
    } catch {
      // nothing stored
    }
  },
};

/**
 * The app's one API client (the typed client from web/client) and how failures reach the user: 401 ends the
 * session and asks to sign in again, 429 shows how long to wait, no network shows that the app is offline.
 * Screens call `api(...)` and render their own message for anything else.
 */
import { createMarqueeClient, MarqueeApiError, ok } from "../client";
import { banner } from "./banner";
import { session } from "./session";

export const client = createMarqueeClient({ token: () => session.token });

let onSessionEnded: (message: string) => void = () => {};
export function whenSessionEnds(handler: (message: string) => void) {
  onSessionEnded = handler;
}

export async function api<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>) {
  try {
    const data = await ok(call);
    banner.clear("offline");
    return data;
  } catch (error) {
    if (error instanceof MarqueeApiError) {
      if (error.status === 0) banner.offline();
      else if (error.status === 429) banner.wait(error.retryAfter ?? 30);
      else if (error.status === 401 && session.token) {
        session.end();
        onSessionEnded("Your session has ended. Sign in again to carry on.");
      }
    }
    throw error;
  }
}

/** What to tell a person about a failure, in one sentence. */
export function describe(error: unknown): string {
  if (!(error instanceof MarqueeApiError)) return "Something went wrong in the app. Reload the page to try again.";
  if (error.status === 0) return "You are offline, or Marquee cannot be reached. Check your connection and retry.";
  if (error.status === 429) return `Too many requests. Wait ${error.retryAfter ?? 30} seconds, then try again.`;
  if (error.status === 401) return "Sign in to do that.";
  if (error.status >= 500) return `Marquee had a problem (request ${error.requestId ?? "unknown"}). Try again soon.`;
  return error.message.charAt(0).toUpperCase() + error.message.slice(1);
}

export { MarqueeApiError };

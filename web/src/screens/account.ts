/** Sign up, sign in, and for a signed-in user: profile, sign out, delete account. */
import { api, describe, MarqueeApiError, client as typedClient } from "../api";
import { h, replaceChildren } from "../dom";
import { flashNext, navigate, type Screen, takeFlash } from "../main";
import { mine } from "../mine";
import { session } from "../session";
import { toast } from "../ui/toast";
import { field, heading } from "./common";
import { letterboxdImportPanel } from "./letterboxd-import";
import { tastePanel } from "./taste-panel";

export const accountScreen: Screen = (main) => {
  const message = takeFlash();
  if (session.user) return signedIn(main, message);
  replaceChildren(
    main,
    heading("Sign in to Marquee", "Rate a few films and Marquee tells you what to watch next, and why."),
    message ? h("p", { class: "notice", role: "alert" }, message) : null,
    h("div", { class: "auth-forms" }, signInForm(), signUpForm()),
  );
};

function formStatus() {
  return h("p", { class: "form-status", role: "alert" });
}

function showFailure(status: HTMLElement, error: unknown) {
  status.textContent =
    error instanceof MarqueeApiError && error.status === 401
      ? "That email and password do not match."
      : describe(error);
}

async function begin(s: Parameters<typeof session.start>[0], firstTime: boolean) {
  session.start(s);
  await mine.load();
  navigate(firstTime || mine.ratingCount < 3 ? "#/welcome" : "#/");
}

function signInForm() {
  const email = field("Email", { name: "email", type: "email", autocomplete: "username", required: true });
  const password = field("Password", {
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const status = formStatus();
  const form = h(
    "form",
    { class: "panel", "aria-labelledby": "signin-title", novalidate: true },
    h("h2", { id: "signin-title" }, "Sign in"),
    email.row,
    password.row,
    status,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "";
    try {
      const s = await api(
        typedClient.POST("/v1/auth/login", { body: { email: email.input.value, password: password.input.value } }),
      );
      await begin(s, false);
    } catch (error) {
      showFailure(status, error);
    }
  });
  return form;
}

function signUpForm() {
  const name = field("Display name", { name: "displayName", autocomplete: "nickname", required: true });
  const email = field("Email", { name: "email", type: "email", autocomplete: "email", required: true });
  const password = field(
    "Password",
    { name: "password", type: "password", autocomplete: "new-password", minlength: 8, required: true },
    "At least 8 characters.",
  );
  const status = formStatus();
  const form = h(
    "form",
    { class: "panel", "aria-labelledby": "signup-title", novalidate: true },
    h("h2", { id: "signup-title" }, "Create an account"),
    name.row,
    email.row,
    password.row,
    status,
    h("button", { type: "submit", class: "primary" }, "Create account"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "";
    try {
      const s = await api(
        typedClient.POST("/v1/auth/register", {
          body: { displayName: name.input.value, email: email.input.value, password: password.input.value },
        }),
      );
      await begin(s, true);
    } catch (error) {
      status.textContent =
        error instanceof MarqueeApiError && error.status === 409
          ? "An account with that email already exists. Sign in instead."
          : describe(error);
    }
  });
  return form;
}

/**
 * DELETE /v1/auth/me (204) is documented but may not be on this server yet: it is called through the client's
 * untyped escape hatch until the route is in /openapi.json, and a 404 or 405 says so instead of failing.
 */
async function deleteAccount(): Promise<"deleted" | "unsupported"> {
  const response = await fetch(`${location.origin}/v1/auth/me`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${session.token}` },
  }).catch(() => null);
  if (!response) throw new MarqueeApiError(0, "OFFLINE", "network error");
  if (response.status === 204 || response.status === 200) return "deleted";
  if (response.status === 404 || response.status === 405) return "unsupported";
  const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  throw new MarqueeApiError(response.status, body.error?.code ?? "ERROR", body.error?.message ?? response.statusText);
}

function signOut(message: string) {
  session.end();
  mine.reset();
  flashNext(message);
  navigate("#/account");
}

function signedIn(main: HTMLElement, message: string | null) {
  const user = session.user;
  if (!user) return;
  const status = formStatus();
  const dialog = h(
    "dialog",
    { class: "panel", "aria-labelledby": "delete-title" },
    h("h2", { id: "delete-title" }, "Delete your account?"),
    h("p", null, "Your ratings, likes and watchlist are deleted with it. This cannot be undone."),
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", class: "danger", "data-action": "confirm-delete" }, "Delete my account"),
      h("button", { type: "button", "data-action": "cancel-delete" }, "Keep it"),
    ),
  );
  dialog.querySelector('[data-action="cancel-delete"]')?.addEventListener("click", () => dialog.close());
  dialog.querySelector('[data-action="confirm-delete"]')?.addEventListener("click", async () => {
    dialog.close();
    try {
      const outcome = await deleteAccount();
      if (outcome === "unsupported") {
        status.textContent = "This server cannot delete accounts yet (DELETE /v1/auth/me is not available).";
        return;
      }
      toast("Your account was deleted.");
      signOut("Your account and everything in it were deleted.");
    } catch (error) {
      status.textContent = describe(error);
    }
  });
  replaceChildren(
    main,
    heading("Your account"),
    message ? h("p", { class: "notice" }, message) : null,
    h(
      "section",
      { class: "panel", "aria-labelledby": "profile-title" },
      h("h2", { id: "profile-title" }, user.displayName),
      h(
        "dl",
        { class: "facts" },
        h("dt", null, "Email"),
        h("dd", null, user.email),
        h("dt", null, "Member since"),
        h("dd", null, new Date(user.createdAt).toLocaleDateString()),
        h("dt", null, "Rated"),
        h("dd", null, `${mine.ratingCount} films`),
      ),
      h(
        "div",
        { class: "row" },
        h("button", { type: "button", onclick: () => signOut("You are signed out.") }, "Sign out"),
        h("button", { type: "button", class: "danger", onclick: () => dialog.showModal() }, "Delete account…"),
      ),
      status,
    ),
    tastePanel(),
    letterboxdImportPanel(),
    dialog,
  );
}

/**
 * Import my Letterboxd export (Settings → Data on letterboxd.com): the ZIP as downloaded, or one of its CSV files,
 * uploaded to POST /v1/imports/letterboxd; the report says how many films were matched and lists those that were
 * not in the catalogue. Multipart is sent with fetch (openapi-fetch serialises JSON bodies only); the answer is
 * typed by the generated schema.
 */
import type { Schemas } from "../../client";
import { describe, MarqueeApiError } from "../api";
import { h, replaceChildren } from "../dom";
import { mine } from "../mine";
import { session } from "../session";

type ImportReport = Schemas["LetterboxdImport"];

async function upload(file: File): Promise<ImportReport> {
  const form = new FormData();
  form.append("file", file, file.name);
  const response = await fetch(`${location.origin}/v1/imports/letterboxd`, {
    method: "POST",
    headers: { Authorization: `Bearer ${session.token}` },
    body: form,
  }).catch(() => null);
  if (!response) throw new MarqueeApiError(0, "OFFLINE", "network error");
  const body = (await response.json().catch(() => ({}))) as ImportReport & {
    error?: { code?: string; message?: string; requestId?: string };
  };
  if (!response.ok) {
    const retry = Number(response.headers.get("retry-after")) || null;
    throw new MarqueeApiError(
      response.status,
      body.error?.code ?? "ERROR",
      body.error?.message ?? response.statusText,
      body.error?.requestId ?? null,
      retry,
    );
  }
  return body;
}

const films = (n: number) => (n === 1 ? "1 film" : `${n} films`);

function report(r: ImportReport) {
  const shown = r.unmatched.slice(0, 20);
  return h(
    "div",
    { class: "import-report", "data-testid": "import-report" },
    h(
      "p",
      null,
      `Read ${r.rowsRead} rows from ${r.files.join(", ")}: ${films(r.films.matched)} matched`,
      r.films.unmatched ? `, ${films(r.films.unmatched)} not in the catalogue yet.` : ".",
    ),
    shown.length
      ? h(
          "ul",
          { class: "unmatched", "aria-label": "Films not in the catalogue" },
          shown.map((f) => h("li", null, f.year ? `${f.name} (${f.year})` : f.name)),
        )
      : null,
  );
}

export function letterboxdImportPanel() {
  const input = h("input", { type: "file", id: "letterboxd-file", accept: ".zip,.csv,application/zip,text/csv" });
  const status = h("div", { role: "status", "aria-live": "polite" });
  const button = h("button", { type: "submit" }, "Import");
  const form = h(
    "form",
    { class: "panel", "aria-labelledby": "import-title" },
    h("h2", { id: "import-title" }, "Import from Letterboxd"),
    h(
      "p",
      null,
      "Download your data on letterboxd.com (Settings → Data), then choose the ZIP, or one of its CSV files. Your ratings, likes, watchlist and diary become Marquee signals; importing again changes nothing twice.",
    ),
    h("label", { for: "letterboxd-file" }, "Letterboxd export"),
    input,
    h("div", { class: "row" }, button),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = input.files?.[0];
    if (!file) {
      replaceChildren(status, "Choose your export file first.");
      return;
    }
    button.disabled = true;
    replaceChildren(status, `Importing ${file.name}…`);
    try {
      const result = await upload(file);
      await mine.load();
      replaceChildren(status, report(result));
    } catch (error) {
      replaceChildren(status, describe(error));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

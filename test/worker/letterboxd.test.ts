/**
 * The Letterboxd upload inside workerd: a deflated ZIP export sent as multipart/form-data goes through the Worker's
 * own body limit, is inflated by workerd's DecompressionStream, and its films are matched in the database; the
 * username endpoints then answer by the username set with the import.
 */
import { describe, expect, it } from "vitest";
import { makeZip } from "../support/zip";
import {
  bearer,
  call,
  callTaste,
  callWith,
  expectJson,
  parseJson,
  registerTasteUser,
  registerUser,
  suiteBindings,
} from "./support";

/** Ratings of films in the taste world (test/recommend/fixture.ts), where neighbours exist to recommend from. */
const RATINGS = [
  "Date,Name,Year,Letterboxd URI,Rating",
  "2020-01-02,Alien,1979,https://boxd.it/a1,5",
  "2020-01-03,Aliens,1986,https://boxd.it/a2,4.5",
  "2020-01-04,Blade Runner,1982,https://boxd.it/b1,4",
  "2020-01-05,A Film Nobody Has,1950,https://boxd.it/nope,3",
].join("\n");

function upload(token: string, file: Uint8Array, name: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.set("file", new File([file as BlobPart], name));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: form };
}

describe("Letterboxd import in workerd", () => {
  it("imports a ZIP export, reports the unmatched film, and serves the user by username", async () => {
    const user = await registerTasteUser();
    const username = `wk_${Math.random().toString(36).slice(2, 10)}`;
    const zip = await makeZip({ "letterboxd-x/ratings.csv": RATINGS });
    const report = await parseJson<{ films: { matched: number; unmatched: number }; unmatched: { name: string }[] }>(
      await callTaste(
        "/v1/imports/letterboxd",
        upload(user.token, zip, "export.zip", { username, publicProfile: "true" }),
      ),
      201,
    );
    expect(report.films).toMatchObject({ matched: 3, unmatched: 1 });
    expect(report.unmatched.map((u) => u.name)).toEqual(["A Film Nobody Has"]);

    const first = await parseJson<{ mode: string }>(await callTaste(`/api/recomendacoes/${username}`), 200);
    expect(first.mode).toBe("fallback");
    const warmed = await parseJson<{ mode: string }>(
      await callTaste(`/api/cache/${username}`, { headers: bearer(user) }),
      200,
    );
    const recs = await callTaste("/v1/recommendations", { headers: bearer(user) });
    expect(warmed.mode, recs.text).toBe("ultra_fast");
    const next = await parseJson<{ mode: string; recommendations: unknown[] }>(
      await callTaste(`/api/recomendacoes/${username}`),
      200,
    );
    expect(next.mode).toBe("ultra_fast");
    expect(next.recommendations.length).toBeGreaterThan(0);
    const memory = await expectJson<{ process: { visible: boolean } }>(await call("/api/memory"), 200);
    expect(memory.process.visible, "a Worker cannot see its isolate's memory").toBe(false);
  });

  it("answers 413 past IMPORT_MAX_BYTES and 415 for a body that is not multipart", async () => {
    const user = await registerUser();
    const big = new TextEncoder().encode(`${RATINGS}\n${"x".repeat(5000)}`);
    const { res, text } = await callWith(
      { ...suiteBindings, IMPORT_MAX_BYTES: "2048" },
      "/v1/imports/letterboxd",
      upload(user.token, big, "ratings.csv"),
    );
    expect(res.status, text).toBe(413);
    const json = await call("/v1/imports/letterboxd", {
      method: "POST",
      headers: { ...bearer(user), "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(415);
  });
});

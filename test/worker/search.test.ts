/**
 * Semantic search through the Worker inside workerd, over the taste database: the Worker embeds the query itself
 * (EMBEDDING_PROVIDER defaults to local) and matches it against the embeddings backfillEmbeddings stored in
 * global-setup.ts.
 */
import { describe, expect, it } from "vitest";
import { FILMS } from "../recommend/fixture";
import { callTaste, parseJson } from "./support";

interface Hit {
  id: number;
  title: string;
  genres: string[];
  match: "title" | "person" | "keyword" | "meaning";
  similarity: number | null;
}
interface Results {
  data: Hit[];
  model: string;
}

async function search(path: string): Promise<Results> {
  return parseJson<Results>(await callTaste(path), 200);
}

const show = (hits: Hit[]) => JSON.stringify(hits.map((h) => [h.title, h.match, h.similarity]));

describe("GET /v1/search in workerd", () => {
  it("puts a title typed exactly first, as a title match", async () => {
    const { data, model } = await search("/v1/search?q=Alien");
    expect(data[0], show(data)).toMatchObject({ id: FILMS.alien.id, title: "Alien", match: "title" });
    expect(model, "the Worker embeds with the same model the backfill used").toBe("marquee-local-hash-v3");
  });

  it("finds films by what they are about: romance brings the romance films, not the science fiction", async () => {
    const { data } = await search("/v1/search?q=romance");
    const romance = [FILMS.notebook, FILMS.titanic, FILMS.loveActually, FILMS.amelie].map((f) => f.title);
    expect(data.length, show(data)).toBeGreaterThan(0);
    for (const hit of data) {
      expect(hit.match, show(data)).toBe("meaning");
      expect(hit.genres, `${hit.title} in ${show(data)}`).toContain("Romance");
    }
    expect(data.map((h) => h.title).sort(), "every romance film is found").toEqual([...romance].sort());
    const similarities = data.map((h) => h.similarity ?? 0);
    expect(similarities, "best first").toEqual([...similarities].sort((a, b) => b - a));
  });

  it("answers 400 with the error envelope naming q when q is empty", async () => {
    for (const path of ["/v1/search", "/v1/search?q=", "/v1/search?q=%20%20"]) {
      const answer = await callTaste(path);
      const body = parseJson<{ error: { code: string; message: string; requestId: string } }>(answer, 400);
      expect(body.error.code, path).toBe("BAD_REQUEST");
      expect(body.error.message, path).toContain("q");
      expect(body.error.requestId, path).toBe(answer.res.headers.get("x-request-id"));
    }
  });

  it("answers the CineLibre alias GET /search/semantic with the same films", async () => {
    const direct = await search("/v1/search?q=romance");
    const alias = await search("/search/semantic?q=romance");
    expect(alias.data, show(alias.data)).toEqual(direct.data);
    expect(alias.data.length).toBeGreaterThan(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../functions/env";
import { createEmbedder, EmbeddingError } from "../../functions/lib/embed";
import { LOCAL_MODEL, LocalEmbedder } from "../../functions/lib/embed/local";
import { WORKERS_AI_MODEL } from "../../functions/lib/embed/workers-ai";
import { backfillEmbeddings, formatBackfillSummary } from "../../node/jobs/backfill-embeddings";
import { freshDatabase, type TestDatabase } from "../support/database";
import { type FakeProvider, fakeVector, startFakeProvider } from "./fake-providers";

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };

describe("local embedder", () => {
  it("is deterministic, unit length, and puts shared words closer than unrelated ones", async () => {
    const e = new LocalEmbedder();
    const [a, again, heist, opera] = await e.embed([
      "A bank heist",
      "A bank heist",
      "heists and robbers",
      "an opera in Vienna",
    ]);
    expect(a).toEqual(again);
    expect(norm(a)).toBeCloseTo(1, 6);
    expect(cosine(a, heist), "shares 'heist' (plural folded)").toBeGreaterThan(cosine(a, opera) + 0.2);
  });

  it("refuses text with no usable word", async () => {
    await expect(new LocalEmbedder().embed(["the of and"])).rejects.toThrow(EmbeddingError);
  });
});

describe("remote providers against fakes", () => {
  let workers: FakeProvider;
  let openai: FakeProvider;
  beforeAll(async () => {
    workers = await startFakeProvider("workers-ai");
    openai = await startFakeProvider("openai");
  });
  afterAll(async () => {
    await workers.close();
    await openai.close();
  });

  const config = (env: Record<string, string>) => parseConfig({ MARQUEE_DB: "pglite", ...env });

  it("Workers AI REST asks for bge-small with CLS pooling and normalises what comes back, surviving a 429", async () => {
    const e = createEmbedder(
      config({
        EMBEDDING_PROVIDER: "workers-ai",
        CLOUDFLARE_ACCOUNT_ID: "acc1",
        CLOUDFLARE_API_TOKEN: "cf-token",
        WORKERS_AI_BASE_URL: workers.url,
      }),
      undefined,
      fast,
    );
    expect(e.model).toBe(WORKERS_AI_MODEL);
    workers.faults.push("429");
    const [v] = await e.embed(["space opera"]);
    expect(norm(v)).toBeCloseTo(1, 6);
    expect(v[0] / v[1]).toBeCloseTo(fakeVector("space opera")[0] / fakeVector("space opera")[1], 5);
    const last = workers.requests.at(-1);
    expect(last?.path).toBe("/client/v4/accounts/acc1/ai/run/@cf/baai/bge-small-en-v1.5");
    expect(last?.auth).toBe("Bearer cf-token");
    expect(last?.body).toEqual({ text: ["space opera"], pooling: "cls" });
    expect(workers.requests).toHaveLength(2);
  });

  it("the Workers AI binding gets the same request", async () => {
    const calls: unknown[] = [];
    const e = createEmbedder(config({ EMBEDDING_PROVIDER: "workers-ai" }), {
      AI: {
        run: async (model: string, input: { text: string[] }) => {
          calls.push({ model, input });
          return { shape: [1, 384], data: input.text.map(fakeVector) };
        },
      },
    });
    await e.embed(["x"]);
    expect(calls).toEqual([{ model: WORKERS_AI_MODEL, input: { text: ["x"], pooling: "cls" } }]);
  });

  it("OpenAI-compatible: orders by index, asks for 384 dimensions, reports a malformed body as an error", async () => {
    const e = createEmbedder(
      config({
        EMBEDDING_PROVIDER: "openai",
        OPENAI_BASE_URL: openai.url,
        OPENAI_API_KEY: "sk-test",
        EMBEDDING_MODEL: "tiny-384",
      }),
      undefined,
      fast,
    );
    const [a, b] = await e.embed(["alpha", "beta"]);
    expect(cosine(a, (await e.embed(["alpha"]))[0])).toBeCloseTo(1, 6);
    expect(cosine(a, b)).toBeLessThan(0.9999);
    expect(openai.requests[0].body).toMatchObject({ model: "tiny-384", input: ["alpha", "beta"], dimensions: 384 });
    openai.faults.push("malformed");
    await expect(e.embed(["gamma"])).rejects.toThrow(/malformed/);
  });
});

describe("marquee backfill embeddings", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
    for (const [id, title, keywords] of [
      [1, "Heist One", ["heist"]],
      [2, "Space Two", ["space"]],
      [3, "Opera Three", ["opera"]],
    ] as const) {
      await db.query("insert into public.movies (id, title, keywords) values ($1, $2, $3)", [id, title, keywords]);
    }
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it("embeds what is missing, resumes after an abort, re-embeds only changed text or another model", async () => {
    const controller = new AbortController();
    let calls = 0;
    const stopping = new LocalEmbedder();
    const embed = stopping.embed.bind(stopping);
    stopping.embed = async (texts) => {
      if (++calls === 2) controller.abort(new Error("killed"));
      return embed(texts);
    };
    await expect(backfillEmbeddings(db, stopping, { batchSize: 1, signal: controller.signal })).rejects.toThrow();
    const done = await db.query<{ id: number }>("select id from public.movies where embedding is not null order by id");
    expect(
      done.map((r) => r.id),
      "finished batches are kept, the rest is not started",
    ).toEqual([1, 2]);

    const resumed = await backfillEmbeddings(db, new LocalEmbedder(), { batchSize: 1 });
    expect(resumed).toMatchObject({ embedded: 1, failed: 0, remaining: 0, model: LOCAL_MODEL });
    expect((await backfillEmbeddings(db, new LocalEmbedder())).embedded, "nothing to do").toBe(0);

    await db.query("update public.movies set keywords = '{heist,vault}' where id = 1");
    expect((await backfillEmbeddings(db, new LocalEmbedder())).embedded, "changed text").toBe(1);
    const other = { model: "other-model", maxBatch: 10, embed: (t: string[]) => new LocalEmbedder().embed(t) };
    expect((await backfillEmbeddings(db, other)).embedded, "another model re-embeds all").toBe(3);
    const rows = await db.query<{ embedding_model: string; n: string }>(
      "select embedding_model, round(vector_norm(embedding)::numeric, 4)::text as n from public.movies",
    );
    expect(
      rows.every((r) => r.embedding_model === "other-model" && r.n === "1.0000"),
      JSON.stringify(rows),
    ).toBe(true);
  });

  it("--bulk reports the index rebuild, and counts it in the run's time", async () => {
    await db.query("update public.movies set embedding = null, embedding_model = null, content_hash = null");
    const bulk = await backfillEmbeddings(db, new LocalEmbedder(), { bulkThreshold: 1 });
    expect(bulk.embedded).toBe(3);
    expect(bulk.indexRebuildMs, "the rebuild was measured").toBeGreaterThan(0);
    expect(bulk.durationMs, "the whole run includes the rebuild").toBeGreaterThanOrEqual(bulk.indexRebuildMs);
    expect(formatBackfillSummary(bulk)).toMatch(/in \d+\.\d s \(of which index rebuild \d+\.\d s\)$/);
    const plain = await backfillEmbeddings(db, new LocalEmbedder(), { bulkThreshold: 1 });
    expect(plain, "nothing to embed: no index drop").toMatchObject({ embedded: 0, indexRebuildMs: 0 });
  });
});

/**
 * Workers AI `@cf/baai/bge-small-en-v1.5` (384 dimensions), through the Worker's AI binding or, for Node jobs,
 * the REST API. Both ask for CLS pooling: it matches how the model was trained (and FastEmbed), and Workers AI
 * documents mean-pooled (its default) and CLS-pooled vectors as incompatible, so every caller must agree.
 */

import { HttpFailure, type PoliteFetchOptions, politeFetch } from "../http/polite-fetch";
import { type Embedder, EmbeddingError, normalise } from "./embedder";

export const WORKERS_AI_MODEL = "@cf/baai/bge-small-en-v1.5";
const MAX_BATCH = 100;

/** The subset of the Workers AI binding we use. */
export interface AiBinding {
  run(model: string, input: { text: string[]; pooling?: "cls" | "mean" }): Promise<unknown>;
}

function vectorsFrom(body: unknown, count: number): number[][] {
  const data = (body as { data?: unknown })?.data;
  if (!Array.isArray(data) || data.length !== count || !data.every(Array.isArray)) {
    throw new EmbeddingError(`malformed embedding response: expected data with ${count} vectors`);
  }
  return (data as number[][]).map(normalise);
}

export class WorkersAiBindingEmbedder implements Embedder {
  readonly model = WORKERS_AI_MODEL;
  readonly maxBatch = MAX_BATCH;
  constructor(private readonly ai: AiBinding) {}

  async embed(texts: string[]): Promise<number[][]> {
    return vectorsFrom(await this.ai.run(WORKERS_AI_MODEL, { text: texts, pooling: "cls" }), texts.length);
  }
}

export interface WorkersAiRestOptions {
  accountId: string;
  apiToken: string;
  /** https://api.cloudflare.com/client/v4 in production; tests point it at a fake. */
  baseUrl: string;
  http?: PoliteFetchOptions;
}

export class WorkersAiRestEmbedder implements Embedder {
  readonly model = WORKERS_AI_MODEL;
  readonly maxBatch = MAX_BATCH;
  constructor(private readonly options: WorkersAiRestOptions) {}

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    const url = `${this.options.baseUrl.replace(/\/$/, "")}/accounts/${this.options.accountId}/ai/run/${WORKERS_AI_MODEL}`;
    let res: Awaited<ReturnType<typeof politeFetch>>;
    try {
      res = await politeFetch(
        url,
        {
          method: "POST",
          headers: { Authorization: `Bearer ${this.options.apiToken}`, "Content-Type": "application/json" },
          body: JSON.stringify({ text: texts, pooling: "cls" }),
        },
        { ...this.options.http, signal },
      );
    } catch (error) {
      if (error instanceof HttpFailure) throw new EmbeddingError(`Workers AI: ${error.message}`);
      throw error;
    }
    let body: { success?: boolean; result?: unknown; errors?: { message?: string }[] };
    try {
      body = JSON.parse(res.text);
    } catch {
      throw new EmbeddingError(`Workers AI: HTTP ${res.status}: malformed body`);
    }
    if (res.status !== 200 || body.success === false) {
      throw new EmbeddingError(`Workers AI: HTTP ${res.status}: ${body.errors?.[0]?.message ?? "request failed"}`);
    }
    return vectorsFrom(body.result, texts.length);
  }
}

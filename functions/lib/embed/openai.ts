/**
 * Any OpenAI-compatible `/embeddings` endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio, TEI...). The
 * request asks for 384 dimensions (models that support shortening honour it); a response of another size is an
 * error, because the column is vector(384).
 */

import { HttpFailure, type PoliteFetchOptions, politeFetch } from "../http/polite-fetch";
import { type Embedder, EmbeddingError, normalise } from "./embedder";

export interface OpenAiOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  http?: PoliteFetchOptions;
}

export class OpenAiEmbedder implements Embedder {
  readonly maxBatch = 256;
  readonly model: string;
  constructor(private readonly options: OpenAiOptions) {
    this.model = options.model;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    let res: Awaited<ReturnType<typeof politeFetch>>;
    try {
      res = await politeFetch(
        `${this.options.baseUrl.replace(/\/$/, "")}/embeddings`,
        {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            ...(this.options.apiKey ? { Authorization: `Bearer ${this.options.apiKey}` } : {}),
          },
          body: JSON.stringify({ model: this.options.model, input: texts, dimensions: 384, encoding_format: "float" }),
        },
        { ...this.options.http, signal },
      );
    } catch (error) {
      if (error instanceof HttpFailure) throw new EmbeddingError(`embeddings endpoint: ${error.message}`);
      throw error;
    }
    let body: { data?: { index?: number; embedding?: unknown }[]; error?: { message?: string } };
    try {
      body = JSON.parse(res.text);
    } catch {
      throw new EmbeddingError(`embeddings endpoint: HTTP ${res.status}: malformed body`);
    }
    if (res.status !== 200) {
      throw new EmbeddingError(`embeddings endpoint: HTTP ${res.status}: ${body.error?.message ?? "request failed"}`);
    }
    if (!Array.isArray(body.data) || body.data.length !== texts.length) {
      throw new EmbeddingError(`embeddings endpoint: malformed body: expected ${texts.length} embeddings`);
    }
    const ordered = [...body.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return ordered.map((d) => {
      if (!Array.isArray(d.embedding)) throw new EmbeddingError("embeddings endpoint: malformed body: embedding");
      return normalise(d.embedding as number[]);
    });
  }
}

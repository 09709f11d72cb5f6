/** Builds the configured embedder (EMBEDDING_PROVIDER): the same choice for the Worker's queries and the jobs' documents. */
import type { Config } from "../../env";
import type { PoliteFetchOptions } from "../http/polite-fetch";
import { type Embedder, EmbeddingError } from "./embedder";
import { LocalEmbedder } from "./local";
import { OpenAiEmbedder } from "./openai";
import { type AiBinding, WorkersAiBindingEmbedder, WorkersAiRestEmbedder } from "./workers-ai";

export * from "./embedder";

type EmbedConfig = Pick<
  Config,
  | "EMBEDDING_PROVIDER"
  | "EMBEDDING_MODEL"
  | "CLOUDFLARE_ACCOUNT_ID"
  | "CLOUDFLARE_API_TOKEN"
  | "WORKERS_AI_BASE_URL"
  | "OPENAI_BASE_URL"
  | "OPENAI_API_KEY"
>;

/**
 * workers-ai uses the AI binding when the runtime has one (the Worker) and the REST API otherwise (Node jobs);
 * both return the same vectors.
 */
export function createEmbedder(config: EmbedConfig, bindings?: { AI?: unknown }, http?: PoliteFetchOptions): Embedder {
  switch (config.EMBEDDING_PROVIDER) {
    case "local":
      return new LocalEmbedder();
    case "workers-ai": {
      const ai = bindings?.AI as AiBinding | undefined;
      if (ai && typeof ai.run === "function") return new WorkersAiBindingEmbedder(ai);
      if (!config.CLOUDFLARE_ACCOUNT_ID || !config.CLOUDFLARE_API_TOKEN) {
        throw new EmbeddingError(
          "EMBEDDING_PROVIDER=workers-ai needs the AI binding (Worker) or CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN",
        );
      }
      return new WorkersAiRestEmbedder({
        accountId: config.CLOUDFLARE_ACCOUNT_ID,
        apiToken: config.CLOUDFLARE_API_TOKEN,
        baseUrl: config.WORKERS_AI_BASE_URL,
        http,
      });
    }
    case "openai":
      return new OpenAiEmbedder({
        baseUrl: config.OPENAI_BASE_URL,
        apiKey: config.OPENAI_API_KEY,
        model: config.EMBEDDING_MODEL,
        http,
      });
  }
}

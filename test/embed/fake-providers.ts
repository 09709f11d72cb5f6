/**
 * Fakes of the Workers AI REST API and an OpenAI-compatible /embeddings endpoint, in their real response shapes,
 * returning deterministic (unnormalised) 384-d vectors, with scripted faults: 429 with Retry-After, a malformed
 * body. They record every request body, so tests can check what was asked (model, pooling, batch sizes).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type ProviderFault = "429" | "malformed";

export interface FakeProvider {
  url: string;
  requests: { path: string; auth?: string; body: Record<string, unknown> }[];
  faults: ProviderFault[];
  close(): Promise<void>;
}

/** A vector that depends only on the text, and is deliberately not unit length. */
export function fakeVector(text: string): number[] {
  return Array.from({ length: 384 }, (_, i) => ((text.charCodeAt(i % text.length) * (i + 1)) % 17) + 1);
}

export async function startFakeProvider(kind: "workers-ai" | "openai"): Promise<FakeProvider> {
  const requests: FakeProvider["requests"] = [];
  const faults: ProviderFault[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const body = JSON.parse(raw || "{}");
      requests.push({ path: req.url ?? "", auth: req.headers.authorization, body });
      const fault = faults.shift();
      if (fault === "429") {
        res.writeHead(429, { "content-type": "application/json", "retry-after": "0" });
        return res.end(
          kind === "openai"
            ? JSON.stringify({
                error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" },
              })
            : JSON.stringify({
                success: false,
                errors: [{ code: 3040, message: "Capacity temporarily exceeded" }],
                result: null,
                messages: [],
              }),
        );
      }
      res.writeHead(200, { "content-type": "application/json" });
      if (fault === "malformed") return res.end('{"result": {"shape": [1, 384], "data": [[0.1, 0.2');
      if (kind === "openai") {
        const input: string[] = body.input;
        return res.end(
          JSON.stringify({
            object: "list",
            // Out of order on purpose: clients must sort by index.
            data: input.map((t, index) => ({ object: "embedding", index, embedding: fakeVector(t) })).reverse(),
            model: body.model,
            usage: { prompt_tokens: input.length, total_tokens: input.length },
          }),
        );
      }
      const texts: string[] = body.text;
      res.end(
        JSON.stringify({
          result: { shape: [texts.length, 384], data: texts.map(fakeVector), pooling: body.pooling ?? "mean" },
          success: true,
          errors: [],
          messages: [],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: kind === "openai" ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}/client/v4`,
    requests,
    faults,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

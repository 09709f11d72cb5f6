/**
 * A local HTTP server for fakes of hosted services: records every request (method, path, headers, JSON body)
 * for assertions, and can be told to misbehave the way networks and gateways do.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export type Fault =
  /** A gateway in front of the service answers 503 with an HTML page. */
  | "unavailable"
  /** 200 with a body cut off half way. */
  | "malformed"
  /** Accepts the request and never answers. */
  | "hang";

export interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface HttpFake {
  url: string;
  requests: RecordedRequest[];
  /** Set to make the next requests fail; null to behave. */
  fault: Fault | null;
  /** Set to answer the next requests with exactly this (a service's own error page, say); null to behave. */
  override: Answer | null;
  close(): Promise<void>;
}

export async function startHttpFake(handle: (request: RecordedRequest) => Promise<Answer>): Promise<HttpFake> {
  const hanging = new Set<ServerResponse>();
  const fake: HttpFake = { url: "", requests: [], fault: null, override: null, close: async () => {} };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
    );
    const request = { method: req.method ?? "", path: req.url ?? "", headers, body: Buffer.concat(chunks).toString() };
    fake.requests.push(request);
    if (fake.fault === "hang") {
      hanging.add(res);
      return;
    }
    if (fake.fault === "unavailable") {
      res.writeHead(503, { "content-type": "text/html" });
      res.end("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>");
      return;
    }
    if (fake.fault === "malformed") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('[{"id": 603, "title": "The Ma');
      return;
    }
    try {
      const answer = fake.override ?? (await handle(request));
      res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...answer.headers });
      res.end(answer.body);
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`fake failed: ${(error as Error).stack}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

/**
 * `marquee bench body`: memory of the server while clients push oversized chunked bodies. Starts functions/node.ts
 * in a child process on an empty embedded database, samples its resident memory every 20 ms, and sends N
 * concurrent chunked POSTs of SIZE MB each to /v1/auth/register. Prints the statuses, the bytes each client got
 * out before the answer, and the server's RSS before, at peak and after.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseOptions } from "../cli/command";
import { residentMiB } from "./harness";
import type { BenchSuite } from "./index";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NODE_ENTRY = fileURLToPath(new URL("../main.ts", import.meta.url));

const OPTIONS = {
  clients: { type: "string", default: "3" },
  "size-mb": { type: "string", default: "100" },
} as const;

function post(url: string, bytes: number): Promise<{ status: number; sent: number }> {
  const chunk = Buffer.alloc(64 * 1024, "a");
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(`${url}/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
    });
    req.on("response", (res) => {
      answered = true;
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, sent }));
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

export const bodyLimitBench: BenchSuite = {
  name: "body",
  summary: "Server memory under concurrent oversized chunked request bodies",
  help: `options:
  --clients N    concurrent requests (default 3)
  --size-mb MB   body size per request (default 100)`,
  async run(args) {
    const o = parseOptions(args, OPTIONS);
    const clients = Number(o.clients);
    const bytes = Number(o["size-mb"]) * 1024 * 1024;
    const dir = await mkdtemp(join(tmpdir(), "marquee-bench-body-"));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(process.execPath, ["--import", "tsx", NODE_ENTRY], {
      cwd: ROOT,
      env: {
        ...process.env,
        MARQUEE_DB: "pglite",
        DATABASE_URL: "",
        MARQUEE_DATA_DIR: dir,
        MARQUEE_DEMO: "false",
        PORT: String(port),
        LOG_LEVEL: "warn",
        RATE_LIMIT_PER_MINUTE: "0",
        JWT_SECRET: randomBytes(32).toString("base64url"),
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      for (let k = 0; ; k++) {
        const ok = await fetch(`${url}/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        if (k > 600 || child.exitCode !== null) throw new Error("the server did not start");
        await new Promise((r) => setTimeout(r, 200));
      }
      const pid = child.pid as number;
      await new Promise((r) => setTimeout(r, 1000));
      const before = await residentMiB(pid);
      let peak = before;
      const sampler = setInterval(() => {
        residentMiB(pid).then(
          (rss) => {
            peak = Math.max(peak, rss);
          },
          () => {},
        );
      }, 20);
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: clients }, () => post(url, bytes)));
      const elapsed = performance.now() - started;
      await new Promise((r) => setTimeout(r, 500));
      clearInterval(sampler);
      const after = await residentMiB(pid);
      console.log(`${clients} concurrent chunked POSTs of ${o["size-mb"]} MB to /v1/auth/register`);
      console.log(`statuses: ${results.map((r) => r.status).join(", ")} in ${elapsed.toFixed(0)} ms`);
      console.log(`sent before the answer (MiB): ${results.map((r) => (r.sent / 2 ** 20).toFixed(1)).join(", ")}`);
      console.log(
        `server RSS MiB: before ${before.toFixed(1)}, peak ${peak.toFixed(1)} (+${(peak - before).toFixed(1)}), after ${after.toFixed(1)}`,
      );
      return 0;
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      await rm(dir, { recursive: true, force: true });
    }
  },
};

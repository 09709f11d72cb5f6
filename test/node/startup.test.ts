/**
 * `npm start` as real child processes: one process per embedded database (a second one on the same
 * MARQUEE_DATA_DIR refuses to start and names the first; a lock left by a killed process does not block a
 * restart), and a taken port is one clear line and a non-zero exit before the database is touched.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = join(ROOT, "node/main.ts");

interface Started {
  child: ChildProcess;
  stderr: () => string;
  /** The exit code, or the signal's name when a signal ended the process (so a failure says which). */
  exited: Promise<number | string>;
}

function start(dataDir: string, port: number): Started {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of ["DATABASE_URL", "MARQUEE_DB", "SUPABASE_URL", "JWT_SECRET"]) delete env[key];
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    cwd: ROOT,
    env: { ...env, MARQUEE_DATA_DIR: dataDir, PORT: String(port), MARQUEE_DEMO: "false", LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? `signal ${signal}`)),
  );
  return { child, stderr: () => stderr, exited };
}

async function listening(p: Started): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!p.stderr().includes("listening on")) {
    if (p.child.exitCode !== null || p.child.signalCode !== null)
      throw new Error(`exited with ${p.child.exitCode ?? p.child.signalCode}:\n${p.stderr()}`);
    if (Date.now() > deadline) throw new Error(`not listening after 60 s:\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function exitWithin(p: Started, ms: number): Promise<number | string> {
  const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms));
  const result = await Promise.race([p.exited, timer]);
  if (result === "timeout") {
    p.child.kill("SIGKILL");
    throw new Error(`still running after ${ms} ms:\n${p.stderr()}`);
  }
  return result;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let dir: string;
const running: Started[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "marquee-startup-"));
});
afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

describe("one process per data dir", () => {
  it("refuses a second process on the same MARQUEE_DATA_DIR, naming the first, and survives a kill -9 of it", async () => {
    const data = join(dir, "shared");
    const first = start(data, await freePort());
    running.push(first);
    await listening(first);

    const second = start(data, await freePort());
    running.push(second);
    const code = await exitWithin(second, 60_000);
    expect(code, second.stderr()).not.toBe(0);
    expect(second.stderr(), "names the holder's pid").toContain(`pid ${first.child.pid}`);
    expect(second.stderr()).toMatch(/in use by another Marquee process/);
    expect(second.stderr(), "one clear line, no stack trace").not.toMatch(/\n\s+at /);

    first.child.kill("SIGKILL");
    await first.exited;
    expect(existsSync(join(data, "marquee.lock")), "kill -9 leaves the lock behind").toBe(true);

    const third = start(data, await freePort());
    running.push(third);
    await listening(third);
    third.child.kill("SIGTERM");
    const stopped = await exitWithin(third, 30_000);
    expect(stopped, `a SIGTERM stops it cleanly; its stderr:\n${third.stderr()}`).toBe(0);
    expect(existsSync(join(data, "marquee.lock")), "a clean stop releases the lock").toBe(false);
  }, 180_000);
});

describe("port already in use", () => {
  let holder: Server;
  let port: number;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", () => r()));
    port = (holder.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => holder.close(r));
  });

  it("says so in one line and exits non-zero before touching the data dir", async () => {
    const data = join(dir, "never-created");
    const p = start(data, port);
    running.push(p);
    const code = await exitWithin(p, 60_000);
    expect(code, p.stderr()).not.toBe(0);
    const lines = p.stderr().trim().split("\n");
    expect(lines, p.stderr()).toHaveLength(1);
    expect(lines[0]).toContain(`127.0.0.1:${port} is already in use`);
    expect(existsSync(data), "the data dir was not created").toBe(false);
  }, 90_000);
});

/**
 * One process per embedded database. PGlite has no locking of its own: two processes on one MARQUEE_DATA_DIR
 * both open it, each with its own copy in memory, and whichever writes last wins on disk, silently dropping the
 * other's acknowledged writes. So the Node process that opens MARQUEE_DATA_DIR/pglite first takes
 * MARQUEE_DATA_DIR/marquee.lock, created exclusively, naming its pid; a second process refuses to start.
 *
 * A lock left by a killed process (kill -9, power loss) must not block a restart: a lock whose pid is not
 * running, or is running but started at another time than the lock records (the pid was reused, as after a
 * container restart), is stale and taken over.
 */
import { readFileSync } from "node:fs";
import { open, readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

export class DataDirLockedError extends Error {
  override name = "DataDirLockedError";
}

interface LockContent {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux /proc/<pid>/stat field 22), when known. */
  procStart?: string;
  startedAt: string;
  command: string;
}

/** Start time of a process as the kernel reports it; undefined where /proc is unavailable. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function holdsLock(lock: LockContent): boolean {
  if (lock.host !== hostname()) return true; // a shared folder seen from another machine: cannot tell, stay safe
  if (lock.pid === process.pid) return false; // we did not take it (we would know): left by an earlier process
  if (!isRunning(lock.pid)) return false;
  const started = processStart(lock.pid);
  return !(lock.procStart && started && started !== lock.procStart);
}

async function readLock(path: string): Promise<LockContent | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as LockContent;
  } catch {
    return undefined;
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Takes the lock on `dir` or throws DataDirLockedError naming the process that holds it. */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const path = join(dir, "marquee.lock");
  const content: LockContent = {
    pid: process.pid,
    host: hostname(),
    procStart: processStart(process.pid),
    startedAt: new Date().toISOString(),
    command: process.argv.slice(1).join(" ").slice(0, 300),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx", 0o644);
      await handle.writeFile(`${JSON.stringify(content)}\n`);
      await handle.close();
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          const now = await readFile(path, "utf8").catch(() => "");
          if (now.includes(`"pid":${process.pid},`)) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let held = await readLock(path);
    if (!held) {
      // Empty: its writer is between create and write, or died there. Give a live one time to finish.
      await new Promise((resolve) => setTimeout(resolve, 250));
      held = await readLock(path);
    }
    if (held && holdsLock(held)) {
      throw new DataDirLockedError(
        `${dir} is in use by another Marquee process (pid ${held.pid} on ${held.host}, started ${held.startedAt}: ` +
          `${held.command}); stop it, or give this one another MARQUEE_DATA_DIR`,
      );
    }
    await rm(path, { force: true });
  }
  throw new DataDirLockedError(`${dir}: could not take ${path} (another process keeps taking it)`);
}

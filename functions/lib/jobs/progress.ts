/**
 * Progress for long jobs: a redrawn bar on a terminal; elsewhere (CI logs, which want lines, not thousands of
 * carriage returns) one line every `logEveryMs`, so a long run in a workflow shows it is moving and how fast.
 * Runtime-neutral: it writes to whatever `ProgressWriter` it is given (in Node, process.stderr).
 */
export interface ProgressSink {
  update(done: number, total: number, note?: string): void;
  finish(): void;
}

/** The part of a terminal stream the bar needs; process.stderr is one. */
export interface ProgressWriter {
  readonly isTTY?: boolean;
  write(chunk: string): unknown;
}

export const silentProgress: ProgressSink = { update() {}, finish() {} };

export function terminalProgress(label: string, stream: ProgressWriter, logEveryMs = 30_000): ProgressSink {
  if (!stream.isTTY) return lineProgress(label, stream, logEveryMs);
  let last = 0;
  let drawn = false;
  return {
    update(done, total, note = "") {
      const now = performance.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 28;
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(ratio * width);
      const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
      stream.write(`\r${label} [${bar}] ${done}/${total} ${(ratio * 100).toFixed(0)}% ${note}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write("\n");
    },
  };
}

function lineProgress(label: string, stream: ProgressWriter, everyMs: number): ProgressSink {
  const started = performance.now();
  let last = started;
  return {
    update(done, total, note = "") {
      const now = performance.now();
      if (now - last < everyMs) return;
      last = now;
      const rate = done / Math.max(0.001, (now - started) / 1000);
      stream.write(`${label}: ${done}/${total} ${note ? `${note} ` : ""}(${rate.toFixed(1)}/s)\n`);
    },
    finish() {},
  };
}

/**
 * Progress for long jobs: a redrawn bar on a terminal, nothing until the end otherwise (CI logs want one summary
 * line, not thousands of carriage returns). Runtime-neutral: it writes to whatever `ProgressWriter` it is given
 * (in Node, process.stderr), so the jobs that report progress need no Node types.
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

export function terminalProgress(label: string, stream: ProgressWriter): ProgressSink {
  if (!stream.isTTY) return silentProgress;
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

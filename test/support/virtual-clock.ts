/**
 * A virtual clock for jobs' timing (Clock in functions/lib/http/polite-fetch.ts): time jumps to the next timer
 * instead of waiting for it, so minutes of Retry-After waits, backoffs, stalls and timeouts take no real time.
 *
 * Timers fire one at a time, earliest first, each on its own macrotask (setImmediate), so the code a timer wakes
 * runs its synchronous part and microtasks before time moves on; work in real I/O meanwhile (a database query)
 * simply takes virtual time, as a slow query would. `pause(ms)` is an event-loop stall: time jumps ahead and
 * every timer that fell due meanwhile fires late, at the new time, as they do after a blocked event loop.
 */
import type { Clock } from "../../functions/lib/http/polite-fetch";

interface Timer {
  at: number;
  seq: number;
  resolve(): void;
}

export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];
  private scheduled = false;
  /** Timer firings so far (how much simulated waiting happened). */
  fired = 0;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.timers.push(timer);
      this.schedule();
    });
  }

  /** An event-loop stall of `ms`: nothing runs meanwhile; timers due in it fire late. */
  pause(ms: number): void {
    this.t += ms;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.tick());
  }

  private tick(): void {
    this.scheduled = false;
    if (this.timers.length === 0) return;
    let next = 0;
    for (let i = 1; i < this.timers.length; i++) {
      const a = this.timers[i];
      const b = this.timers[next];
      if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) next = i;
    }
    const [timer] = this.timers.splice(next, 1);
    this.t = Math.max(this.t, timer.at);
    this.fired++;
    timer.resolve();
    if (this.timers.length > 0) this.schedule();
  }
}

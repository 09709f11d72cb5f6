/**
 * The request-rate limiter on a virtual clock: the cap holds in every sliding one-second window whatever the event
 * loop does. No real sleeps; every time below is virtual.
 */
import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../functions/lib/http/polite-fetch";
import { peakPerSecond } from "../../node/fakes/tmdb-server";
import { VirtualClock } from "../support/virtual-clock";

/** `callers` loops each taking `each` grants, optionally pausing the event loop now and then. */
async function hammer(
  limiter: RateLimiter,
  clock: VirtualClock,
  callers: number,
  each: number,
  pauseEvery?: { grants: number; ms: number },
) {
  const grants: number[] = [];
  const caller = async () => {
    for (let i = 0; i < each; i++) {
      await limiter.take();
      grants.push(clock.now());
      // An event-loop stall lands between a grant and the next: every timer due meanwhile fires late, together.
      if (pauseEvery && grants.length % pauseEvery.grants === 0) clock.pause(pauseEvery.ms);
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return grants;
}

/** Most grants in any sliding window of `ms`. */
function peakIn(times: number[], ms: number): number {
  let peak = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[i] + ms <= times[j]) i++;
    peak = Math.max(peak, j - i + 1);
  }
  return peak;
}

describe("RateLimiter", () => {
  it("keeps 38 of TMDB's 40 a second in every sliding second, spaced evenly, with 24 callers", async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter(40, clock);
    const grants = await hammer(limiter, clock, 24, 50);
    expect(limiter.perWindow).toBe(38);
    expect(grants).toHaveLength(1200);
    expect(peakPerSecond(grants), "grants in the busiest sliding second").toBeLessThanOrEqual(38);
    const gaps = grants.slice(1).map((t, i) => t - grants[i]);
    expect(Math.min(...gaps), "no two grants closer than 1000/38 ms").toBeGreaterThanOrEqual(1000 / 38 - 1e-9);
    const span = (grants[grants.length - 1] - grants[0]) / 1000;
    expect(grants.length / span, "it does not throttle below its own cap either").toBeGreaterThan(37.5);
  });

  it("lets no burst through after event-loop pauses of 150 ms to 2 s (the old limiter sent 47 in a second)", async () => {
    for (const ms of [150, 400, 2000]) {
      const clock = new VirtualClock();
      const limiter = new RateLimiter(40, clock);
      const grants = await hammer(limiter, clock, 16, 40, { grants: 37, ms });
      expect(peakPerSecond(grants), `busiest second with ${ms} ms pauses`).toBeLessThanOrEqual(38);
      expect(peakIn(grants, 100), `busiest 100 ms with ${ms} ms pauses: late waiters still go one by one`).toBe(
        Math.floor(100 / (1000 / 38)) + 1,
      );
    }
  });

  it("holds when callers come and go irregularly, with pauses at random moments", async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter(40, clock);
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const grants: number[] = [];
    const caller = async () => {
      for (let i = 0; i < 60; i++) {
        await limiter.take();
        grants.push(clock.now());
        if (random() < 0.05) clock.pause(50 + random() * 500);
        await clock.sleep(random() * 400); // a response's latency before the caller asks again
      }
    };
    await Promise.all(Array.from({ length: 20 }, caller));
    expect(grants).toHaveLength(1200);
    expect(peakPerSecond(grants)).toBeLessThanOrEqual(38);
  });

  it("serves urgent callers first and drops a caller whose signal aborts while it waits", async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter(40, clock);
    const order: string[] = [];
    await limiter.take();
    const controller = new AbortController();
    const gone = limiter.take(controller.signal).then(
      () => order.push("aborted caller"),
      () => order.push("abort seen"),
    );
    const normal = limiter.take().then(() => order.push("normal"));
    const urgent = limiter.take(undefined, true).then(() => order.push("urgent"));
    controller.abort(new Error("killed"));
    await Promise.all([gone, normal, urgent]);
    expect(order).toEqual(["abort seen", "urgent", "normal"]);
  });
});

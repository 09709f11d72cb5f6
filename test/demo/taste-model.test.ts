import { describe, expect, it } from "vitest";
import { filmsFromFixture, readFixture } from "../../node/demo/load-demo";
import { createRng, type DemoRating, type DemoUser, generateDemoRatings } from "../../node/demo/taste-model";

const films = filmsFromFixture(await readFixture());
// Its speed is a benchmark matter, not a test assertion (the suite asserts no timings).
const demo = generateDemoRatings(films);

function ratingsByUser(ratings: readonly DemoRating[]): Map<string, Map<number, number>> {
  const byUser = new Map<string, Map<number, number>>();
  for (const r of ratings) {
    const own = byUser.get(r.userId) ?? new Map<number, number>();
    own.set(r.movieId, r.rating);
    byUser.set(r.userId, own);
  }
  return byUser;
}

/** Pearson correlation over the films both users rated; null when they share fewer than 10 or one is constant. */
function pearson(a: Map<number, number>, b: Map<number, number>): number | null {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [film, x] of a) {
    const y = b.get(film);
    if (y !== undefined) {
      xs.push(x);
      ys.push(y);
    }
  }
  if (xs.length < 10) return null;
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < xs.length; k++) {
    const dx = xs[k] - mx;
    const dy = ys[k] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

describe("generateDemoRatings", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const again = generateDemoRatings(films);
    expect(JSON.stringify(again) === JSON.stringify(demo), "same seed, same output").toBe(true);
    const other = generateDemoRatings(films, { seed: 7 });
    expect(other.users[0]?.id).not.toBe(demo.users[0]?.id);
    expect(JSON.stringify(other.ratings.slice(0, 50))).not.toBe(JSON.stringify(demo.ratings.slice(0, 50)));
  });

  it("keeps earlier users unchanged when more users are asked for", () => {
    const few = generateDemoRatings(films, { users: 5 });
    expect(few.users).toEqual(demo.users.slice(0, 5));
    expect(few.ratings).toEqual(demo.ratings.slice(0, few.ratings.length));
  });

  it("makes at least 300 users and 30,000 ratings, 20 or more per user, with a long tail", () => {
    expect(demo.users.length).toBeGreaterThanOrEqual(300);
    expect(demo.ratings.length, `${demo.ratings.length} ratings`).toBeGreaterThanOrEqual(30_000);
    expect(demo.ratings.length, `${demo.ratings.length} ratings`).toBeLessThanOrEqual(60_000);
    const counts = [...ratingsByUser(demo.ratings).values()].map((m) => m.size).sort((a, b) => a - b);
    const summary = `min ${counts[0]}, median ${counts[counts.length >> 1]}, max ${counts.at(-1)}`;
    expect(counts.length, "every user has ratings").toBe(demo.users.length);
    expect(counts[0], summary).toBeGreaterThanOrEqual(20);
    expect(counts.at(-1), summary).toBeGreaterThanOrEqual(400);
    expect(counts[counts.length >> 1], summary).toBeLessThan(150);
  });

  it("gives every rating in half steps from 0.5 to 5, once per user and film, for known films", () => {
    const filmIds = new Set(films.map((f) => f.id));
    const seen = new Set<string>();
    const bad: string[] = [];
    for (const r of demo.ratings) {
      const key = `${r.userId}/${r.movieId}`;
      if (seen.has(key)) bad.push(`duplicate ${key}`);
      seen.add(key);
      if (!(r.rating >= 0.5 && r.rating <= 5 && Number.isInteger(r.rating * 2))) bad.push(`${key}: ${r.rating}`);
      if (!filmIds.has(r.movieId)) bad.push(`${key}: unknown film`);
    }
    expect(bad, bad.slice(0, 10).join("\n")).toEqual([]);
    const mean = demo.ratings.reduce((s, r) => s + r.rating, 0) / demo.ratings.length;
    expect(mean, "mean rating").toBeGreaterThan(3.2);
    expect(mean, "mean rating").toBeLessThan(3.9);
  });

  it("makes distinct, well-formed users", () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const check = (field: keyof DemoUser) => new Set(demo.users.map((u) => String(u[field]))).size;
    expect(demo.users.every((u) => uuid.test(u.id))).toBe(true);
    expect(check("id")).toBe(demo.users.length);
    expect(check("email")).toBe(demo.users.length);
    expect(check("username")).toBe(demo.users.length);
    expect(demo.users[0]?.email).toBe("demo-user-001@demo.marquee.dev");
    expect(demo.users.every((u) => u.displayName.length >= 1 && u.displayName.length <= 100)).toBe(true);
  });

  it("dates ratings within the two years before the reference date, after the user joined", () => {
    const reference = Date.parse("2026-11-01T00:00:00Z");
    const twoYearsBefore = reference - 731 * 86_400_000;
    const joined = new Map(demo.users.map((u) => [u.id, Date.parse(u.createdAt)]));
    const bad = demo.ratings.filter((r) => {
      const at = Date.parse(r.createdAt);
      return !(at >= (joined.get(r.userId) as number) && at >= twoYearsBefore && at < reference);
    });
    expect(bad.length, JSON.stringify(bad.slice(0, 3))).toBe(0);
    const moved = generateDemoRatings(films, { users: 3, referenceDate: "2030-01-01T00:00:00Z" });
    expect(Date.parse(moved.ratings[0]?.createdAt as string)).toBeGreaterThan(reference);
  });

  it("has collaborative signal: users who share a favourite cluster agree more than users who share none", () => {
    const byUser = ratingsByUser(demo.ratings);
    const shared: number[] = [];
    const disjoint: number[] = [];
    for (let i = 0; i < demo.users.length; i++) {
      for (let j = i + 1; j < demo.users.length; j++) {
        const a = demo.users[i] as DemoUser;
        const b = demo.users[j] as DemoUser;
        const r = pearson(byUser.get(a.id) as Map<number, number>, byUser.get(b.id) as Map<number, number>);
        if (r === null) continue;
        (a.favouriteClusters.some((c) => b.favouriteClusters.includes(c)) ? shared : disjoint).push(r);
      }
    }
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const margin = mean(shared) - mean(disjoint);
    const diagnostics =
      `shared: mean r ${mean(shared).toFixed(3)} over ${shared.length} pairs; ` +
      `disjoint: mean r ${mean(disjoint).toFixed(3)} over ${disjoint.length} pairs; margin ${margin.toFixed(3)}`;
    expect(shared.length, diagnostics).toBeGreaterThan(1000);
    expect(disjoint.length, diagnostics).toBeGreaterThan(1000);
    expect(margin, diagnostics).toBeGreaterThan(0.12);
  });
});

describe("createRng", () => {
  it("repeats for a seed and stays in [0, 1)", () => {
    const a = createRng(1);
    const b = createRng(1);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(draws).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });
});

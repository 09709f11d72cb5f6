/**
 * The nightly pair computation (functions/lib/recommend/match-pairs.ts) on a tiny geometric world: "twin" agrees
 * with "me" on six films, "close" on five with one star apart, "short" agrees on four only (near: one more film
 * would match), "far" rates everything the opposite way. The SQL side is checked against it in
 * match-candidates.test.ts.
 */
import { describe, expect, it } from "vitest";
import { matchCandidates, matchSignals, matchSimilarity } from "../../functions/lib/recommend/match-pairs";

const NAMES = ["me", "twin", "close", "short", "far"];
const ME = [1, 1, 0.5, -1, -0.5, 1];
const ROWS: number[][] = [ME, ME, [1, 0.5, 0.5, -1, -0.5], [1, 1, 0.5, -1], ME.map((v) => -v)];

function world(depth = 10) {
  const signals = matchSignals(
    ROWS.map((values) => ({ movieIds: values.map((_, k) => 100 + k), values })),
    (id) => id - 100,
    ME.length,
  );
  const pairs = matchCandidates(signals, { threshold: 0.8, minOverlap: 5, shrinkage: 2, depth }, (a, b) => a - b);
  const of = (u: number) =>
    Array.from({ length: pairs.offsets[u + 1] - pairs.offsets[u] }, (_, i) => {
      const k = pairs.offsets[u] + i;
      return `${NAMES[pairs.other[k]]} ${pairs.shared[k]}/${pairs.agreed[k]}/${pairs.diffSum[k]}`;
    });
  return { pairs, of };
}

describe("match candidates", () => {
  it("keeps matched users best first, then near ones, and leaves out those who disagree", () => {
    const { pairs, of } = world();
    expect(of(0), "twin (6 + 1) / 8 before close (5 - 0.25 + 1) / 7; short only near").toEqual([
      "twin 6/6/0",
      "close 5/5/0.5",
      "short 4/4/0",
    ]);
    expect(pairs.matched[0], "two of them matched").toBe(2);
    expect(matchSimilarity(4, 0, 2), "short alone would be 5/6 but below the minimum overlap").toBeCloseTo(0.8333, 4);
  });

  it("gives both users of a pair the same figures", () => {
    const { of } = world();
    expect(of(3), "short sees me, twin and close the same way").toContain("me 4/4/0");
    expect(of(1)).toContain("me 6/6/0");
  });

  it("keeps at most depth matched and depth near users", () => {
    const { pairs, of } = world(1);
    expect(of(0)).toEqual(["twin 6/6/0", "short 4/4/0"]);
    expect(pairs.matched[0]).toBe(1);
  });
});

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

/**
 * A seeded world big enough for the bound to bite: 150 users over 60 films, long-tailed (film f drawn with weight
 * 1 / (f + 3)), each user's values their taste times the film's side, plus noise, in quarters.
 */
function crowd() {
  let state = 12345;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const films = 60;
  const weights = Array.from({ length: films }, (_, f) => 1 / (f + 3));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const side = Array.from({ length: films }, () => (random() < 0.5 ? -1 : 1));
  const rows = Array.from({ length: 150 }, () => {
    const taste = random() < 0.5 ? -1 : 1;
    const want = 5 + Math.floor(random() * 35);
    const chosen = new Set<number>();
    while (chosen.size < want) {
      let x = random() * totalWeight;
      let f = 0;
      while (x > weights[f] && f < films - 1) x -= weights[f++];
      chosen.add(f);
    }
    const movieIds = [...chosen].sort((a, b) => a - b);
    const values = movieIds.map((f) =>
      Math.max(-1, Math.min(1, Math.round((taste * side[f] * 0.75 + (random() - 0.5)) * 4) / 4)),
    );
    return { movieIds, values };
  });
  return { signals: matchSignals(rows, (id) => id, films), rows };
}

/** n, agreed and d of users a and b over every common film, by brute force. */
function figures(rows: { movieIds: number[]; values: number[] }[], a: number, b: number) {
  const theirs = new Map(rows[b].movieIds.map((m, k) => [m, rows[b].values[k]]));
  let n = 0;
  let agreed = 0;
  let d = 0;
  rows[a].movieIds.forEach((m, k) => {
    const y = theirs.get(m);
    if (y === undefined) return;
    const diff = Math.abs(rows[a].values[k] - y);
    n++;
    d += diff;
    if (diff <= 0.5) agreed++;
  });
  return { n, agreed, d };
}

describe("match candidates above the work bound", () => {
  const settings = { threshold: 0.8, minOverlap: 5, shrinkage: 2, depth: 8 };
  const order = (a: number, b: number) => a - b;
  const listOf = (p: ReturnType<typeof matchCandidates>, u: number) =>
    Array.from({ length: p.offsets[u + 1] - p.offsets[u] }, (_, i) => {
      const k = p.offsets[u] + i;
      return { other: p.other[k], n: p.shared[k], agreed: p.agreed[k], d: p.diffSum[k], matched: i < p.matched[u] };
    });

  it("runs exactly under the bound, and the bounded path with a window as wide as the data gives the same rows", () => {
    const { signals } = crowd();
    const exact = matchCandidates(signals, settings, order);
    expect(exact.exact, "a small world is under the default work bound").toBe(true);
    const wide = matchCandidates(signals, settings, order, { exactVisits: 0, coRaters: 1000, candidates: 1000 });
    expect(wide.exact).toBe(false);
    for (const field of ["offsets", "other", "shared", "agreed", "diffSum", "matched"] as const) {
      expect(Array.from(wide[field]), `bounded with every co-rater and candidate: ${field}`).toEqual(
        Array.from(exact[field]),
      );
    }
  });

  it.each(["shuffled", "heaviest"] as const)(
    "keeps only true figures and pairs that meet the definition when the window is narrow (%s)",
    (choose) => {
      const { signals, rows } = crowd();
      const exact = matchCandidates(signals, settings, order);
      const bounded = matchCandidates(signals, settings, order, {
        exactVisits: 0,
        coRaters: 6,
        candidates: 12,
        choose,
      });
      let kept = 0;
      let found = 0;
      let wanted = 0;
      for (let u = 0; u < rows.length; u++) {
        const list = listOf(bounded, u);
        expect(list.filter((p) => p.matched).length, `user ${u}: at most depth matched`).toBeLessThanOrEqual(8);
        expect(list.filter((p) => !p.matched).length, `user ${u}: at most depth near`).toBeLessThanOrEqual(8);
        const similarities: number[] = [];
        for (const p of list) {
          const truth = figures(rows, u, p.other);
          expect({ n: p.n, agreed: p.agreed, d: p.d }, `user ${u} with ${p.other}: the exact figures`).toEqual(truth);
          const s = matchSimilarity(p.n, p.d, 2);
          if (p.matched) {
            expect(p.n >= 5 && s >= Math.fround(0.8), `user ${u} with ${p.other}: matched meets the threshold`).toBe(
              true,
            );
            similarities.push(s);
          } else {
            expect(!(p.n >= 5 && s >= Math.fround(0.8)), `user ${u} with ${p.other}: near is not matched`).toBe(true);
            expect(
              p.n + 1 >= 5 && matchSimilarity(p.n + 1, p.d, 2) >= Math.fround(0.8),
              "near: one film would match",
            ).toBe(true);
          }
          kept++;
        }
        expect(similarities, `user ${u}: matched best first`).toEqual([...similarities].sort((a, b) => b - a));
        const exactMatched = new Set(
          listOf(exact, u)
            .filter((p) => p.matched)
            .map((p) => p.other),
        );
        wanted += exactMatched.size;
        found += list.filter((p) => p.matched && exactMatched.has(p.other)).length;
      }
      expect(bounded.exact).toBe(false);
      expect(kept, "the narrow bound still keeps pairs").toBeGreaterThan(0);
      expect(found / wanted, `recall of the exact matched lists: ${found} of ${wanted}`).toBeGreaterThan(0.1);
    },
  );
});

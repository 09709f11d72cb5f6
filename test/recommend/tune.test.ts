import { describe, expect, it } from "vitest";
import { blend, blendGrid, LIKE_CENTRES } from "../../node/eval/tune";

// Per-source normalised scores of three candidates, as recommend_hybrid returns them.
const ROWS = [
  { id: 1, item: 1, cf: 0, content: null, popular: 0.2 },
  { id: 2, item: 0.5, cf: 1, content: 0.1, popular: null },
  { id: 3, item: null, cf: null, content: 1, popular: 1 },
];

describe("blend (recommend_hybrid's formula, in process)", () => {
  it("ranks by the weighted sources, leaving out films only unweighted sources found", () => {
    expect(blend(ROWS, [1, 0, 0, 1], 3), "item alone").toEqual([1, 2]);
    expect(blend(ROWS, [1, 0, 0, 0], 3), "user CF alone").toEqual([2, 1]);
    expect(blend(ROWS, [0, 0, 1, 0.7], 3), "popularity alone").toEqual([3, 1]);
    expect(blend(ROWS, [0.5, 0.5, 0, 1], 3), "item and content: 1 and 3 tie at 0.5 (by id), 2 has 0.3").toEqual([
      1, 3, 2,
    ]);
  });

  it("with a like centre, lifts the film the rating model says the user will like over a likelier watch", () => {
    const rows = [
      { id: 1, item: 1, cf: null, content: null, popular: null, stars: 2.5 },
      { id: 2, item: 0.8, cf: null, content: null, popular: null, stars: 4.5 },
      { id: 3, item: 0.6, cf: null, content: null, popular: null, stars: null },
    ];
    expect(blend(rows, [1, 0, 0, 1, 0], 3), "off: the sources' order").toEqual([1, 2, 3]);
    // 1: 1 × σ(2·(2.5 − 3.5)) = 0.12; 2: 0.8 × σ(2) = 0.70; 3 has no prediction and keeps 0.6.
    expect(blend(rows, [1, 0, 0, 1, 3.5], 3), "centre 3.5").toEqual([2, 3, 1]);
    expect(blend(rows, [1, 0, 0, 1, 3.5], 1), "the top k of the same order").toEqual([2]);
  });

  it("gives the whole collaborative weight to item CF when user CF found nothing", () => {
    const noCf = ROWS.map((r) => ({ ...r, cf: null }));
    expect(blend(noCf, [1, 0, 0, 0], 3)).toEqual([1, 2]);
  });
});

describe("blendGrid", () => {
  it("holds every single source alone, so the fit never loses to its best source on validation", () => {
    const grid = blendGrid().map((w) => w.join(","));
    for (const single of ["1,0,0,1,0", "1,0,0,0,0", "0,1,0,0.7,0", "0,0,1,0.7,0"]) expect(grid).toContain(single);
    expect(grid.length).toBe(286 * LIKE_CENTRES.length);
    expect(LIKE_CENTRES[0], "the like factor off is in the grid").toBe(0);
  });
});

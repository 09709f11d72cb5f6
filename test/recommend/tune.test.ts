import { describe, expect, it } from "vitest";
import { blend, blendGrid } from "../../node/eval/tune";

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

  it("gives the whole collaborative weight to item CF when user CF found nothing", () => {
    const noCf = ROWS.map((r) => ({ ...r, cf: null }));
    expect(blend(noCf, [1, 0, 0, 0], 3)).toEqual([1, 2]);
  });
});

describe("blendGrid", () => {
  it("holds every single source alone, so the fit never loses to its best source on validation", () => {
    const grid = blendGrid().map((w) => w.join(","));
    for (const single of ["1,0,0,1", "1,0,0,0", "0,1,0,0.7", "0,0,1,0.7"]) expect(grid).toContain(single);
    expect(grid.length).toBe(286);
  });
});

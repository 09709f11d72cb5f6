/**
 * Maximal marginal relevance (functions/lib/recommend/diversity.ts) on named fixtures: a list led by one
 * franchise (the Star Wars original trilogy and its prequels: the same genres, language and neighbouring decades)
 * stays as it is at diversity 0 and is broken up at high diversity.
 */
import { describe, expect, it } from "vitest";
import { diversify, filmSimilarity, genreCoverage, intraListDiversity } from "../../functions/lib/recommend/diversity";

const film = (title: string, score: number, year: number, genres: string[], language = "en") => ({
  title,
  score,
  releaseYear: year,
  genres,
  language,
});

const SPACE_OPERA = ["Adventure", "Action", "Science Fiction"];
const POOL = [
  film("Star Wars", 1.0, 1977, SPACE_OPERA),
  film("The Empire Strikes Back", 0.98, 1980, SPACE_OPERA),
  film("Return of the Jedi", 0.96, 1983, SPACE_OPERA),
  film("The Phantom Menace", 0.94, 1999, SPACE_OPERA),
  film("Attack of the Clones", 0.92, 2002, SPACE_OPERA),
  film("Amélie", 0.8, 2001, ["Comedy", "Romance"], "fr"),
  film("Spirited Away", 0.78, 2001, ["Animation", "Family", "Fantasy"], "ja"),
  film("The Godfather", 0.76, 1972, ["Drama", "Crime"]),
  film("Alien", 0.74, 1979, ["Horror", "Science Fiction"]),
];

const titles = (order: number[]) => order.map((i) => POOL[i].title);
const franchise = (list: string[]) => list.filter((t) => POOL.slice(0, 5).some((f) => f.title === t)).length;

describe("diversify", () => {
  it("keeps the relevance order at diversity 0", () => {
    expect(titles(diversify(POOL, 0, 5))).toEqual(POOL.slice(0, 5).map((f) => f.title));
  });

  it("breaks up a list of one franchise at high diversity", () => {
    expect(franchise(titles(diversify(POOL, 0, 5))), "at diversity 0 the franchise fills the top 5").toBe(5);
    const some = titles(diversify(POOL, 0.7, 5));
    expect(some[0], "the most relevant film still leads").toBe("Star Wars");
    expect(franchise(some.slice(0, 3)), some.join(", ")).toBe(1);
    const most = titles(diversify(POOL, 0.9, 5));
    expect(franchise(most), most.join(", ")).toBeLessThanOrEqual(2);
    expect(most).toEqual(expect.arrayContaining(["Amélie", "Spirited Away", "The Godfather"]));
  });

  it("raises intra-list diversity and genre coverage as diversity grows", () => {
    const at = (d: number) => diversify(POOL, d, 5).map((i) => POOL[i]);
    const ild = [0, 0.3, 0.7].map((d) => intraListDiversity(at(d)));
    expect(ild[1]).toBeGreaterThanOrEqual(ild[0]);
    expect(ild[2]).toBeGreaterThan(ild[0]);
    expect(genreCoverage(at(0.7))).toBeGreaterThan(genreCoverage(at(0)));
  });

  it("scores two films of one franchise as alike and two unrelated films as not", () => {
    expect(filmSimilarity(POOL[1], POOL[2]), "same genres, decade and language").toBeCloseTo(1, 5);
    expect(filmSimilarity(POOL[0], POOL[1]), "1977 and 1980: another decade").toBeCloseTo(0.75, 5);
    expect(filmSimilarity(POOL[0], POOL[5])).toBe(0);
    expect(filmSimilarity(POOL[4], POOL[5]), "same decade only").toBe(0.25);
  });
});

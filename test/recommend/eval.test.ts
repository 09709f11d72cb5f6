import { describe, expect, it } from "vitest";
import { mae, rankingScores, rmse } from "../../node/eval/metrics";
import { detectRatingsFormat, parseMovies, parseRatings, randomSplit } from "../../node/eval/movielens";

describe("offline evaluation metrics", () => {
  it("scores a list with hits at ranks 1 and 3 out of 2 relevant films", () => {
    const s = rankingScores([10, 20, 30, 40], new Set([10, 30]), 4);
    expect(s.precision).toBe(0.5);
    expect(s.recall).toBe(1);
    expect(s.ap, "MAP: (1/1 + 2/3) / 2").toBeCloseTo((1 + 2 / 3) / 2, 10);
    const idcg = 1 + 1 / Math.log2(3);
    expect(s.ndcg).toBeCloseTo((1 + 1 / Math.log2(4)) / idcg, 10);
  });

  it("gives a perfect list NDCG 1 and a list of misses 0", () => {
    expect(rankingScores([1, 2], new Set([1, 2]), 2).ndcg).toBe(1);
    expect(rankingScores([3, 4], new Set([1, 2]), 2)).toEqual({ precision: 0, recall: 0, ndcg: 0, ap: 0 });
  });

  it("computes RMSE and MAE", () => {
    expect(rmse([1, -1, 1, -1])).toBe(1);
    expect(mae([0.5, -1.5])).toBe(1);
  });
});

describe("MovieLens readers", () => {
  it("detects and parses ratings.csv, u.data and ratings.dat", () => {
    const csv = "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n";
    const udata = "196\t242\t3\t881250949\n";
    const dat = "1::1193::5::978300760\n";
    expect([csv, udata, dat].map(detectRatingsFormat)).toEqual(["csv", "u.data", "dat"]);
    expect(parseRatings(csv)).toEqual([{ user: 1, movie: 31, rating: 2.5, time: 1260759144 }]);
    expect(parseRatings(udata)[0]).toMatchObject({ user: 196, movie: 242, rating: 3 });
    expect(parseRatings(dat)[0]).toMatchObject({ user: 1, movie: 1193, rating: 5 });
  });

  it("parses movies.csv (quoted titles), u.item (genre flags) and movies.dat", () => {
    const csv = 'movieId,title,genres\n11,"American President, The (1995)",Comedy|Drama|Romance\n';
    expect(parseMovies(csv)).toEqual([
      { id: 11, title: "American President, The", year: 1995, genres: ["Comedy", "Drama", "Romance"] },
    ]);
    const item = "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n";
    expect(parseMovies(item)[0]).toEqual({
      id: 1,
      title: "Toy Story",
      year: 1995,
      genres: ["Animation", "Children's", "Comedy"],
    });
    expect(parseMovies("2::Jumanji (1995)::Adventure|Children's|Fantasy\n")[0].genres).toEqual([
      "Adventure",
      "Children's",
      "Fantasy",
    ]);
  });

  it("splits at random, reproducibly for a seed", () => {
    const ratings = Array.from({ length: 1000 }, (_, k) => ({ user: k % 10, movie: k, rating: 4, time: 0 }));
    const a = randomSplit(ratings, 0.8, 42);
    const b = randomSplit(ratings, 0.8, 42);
    expect(a.test.map((r) => r.movie)).toEqual(b.test.map((r) => r.movie));
    expect(a.train.length + a.test.length).toBe(1000);
    expect(a.train.length).toBeGreaterThan(750);
    expect(a.train.length).toBeLessThan(850);
  });
});

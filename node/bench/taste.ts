/**
 * `marquee bench taste`: taste groups at MovieLens-1M scale (a synthetic 6,040 users x 3,700 films x 1M ratings
 * with 8 latent tastes, node/eval/synthetic.ts): time of the SVD factors, of KMeans over the k range with the
 * sampled silhouette, the chosen k and its silhouette, and the silhouette of every k tried. In memory, no database.
 */
import { parseArgs } from "node:util";
import type { RatingTriples } from "../../functions/lib/recommend/neighbours";
import { clusterTaste, svdUserFactors } from "../../functions/lib/recommend/taste-groups";
import { generateSynthetic } from "../eval/synthetic";
import { fmt, table } from "./harness";
import type { BenchSuite } from "./index";

export const tasteBench: BenchSuite = {
  name: "taste",
  summary: "Taste groups at ML-1M scale: SVD and KMeans time, silhouette per k, the chosen k",
  help: [
    "options:",
    "  --ratings N   synthetic ratings (default 1000000)",
    "  --sample N    users in the silhouette sample (default 1000)",
    "  --factors N   SVD factors (default 16)",
  ].join("\n"),
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { ratings: { type: "string" }, sample: { type: "string" }, factors: { type: "string" } },
    });
    const ratings = Number(values.ratings ?? 1_000_000);
    const sample = Number(values.sample ?? 1000);
    const factors = Number(values.factors ?? 16);
    let started = performance.now();
    const data = generateSynthetic({ ratings });
    const users = new Map<number, number>();
    const films = new Map<number, number>();
    const triples: RatingTriples = {
      user: new Int32Array(data.ratings.length),
      film: new Int32Array(data.ratings.length),
      rating: new Float32Array(data.ratings.length),
      users: 0,
      films: 0,
    };
    data.ratings.forEach((r, i) => {
      if (!users.has(r.user)) users.set(r.user, users.size);
      if (!films.has(r.movie)) films.set(r.movie, films.size);
      triples.user[i] = users.get(r.user) as number;
      triples.film[i] = films.get(r.movie) as number;
      triples.rating[i] = r.rating;
    });
    triples.users = users.size;
    triples.films = films.size;
    console.log(
      `data: ${triples.users} users, ${triples.films} films, ${data.ratings.length} ratings (${fmt(performance.now() - started, 0)} ms to generate)`,
    );
    started = performance.now();
    svdUserFactors(triples, factors, 42, 5);
    const svdMs = performance.now() - started;
    started = performance.now();
    const result = clusterTaste(triples, { factors, silhouetteSample: sample });
    const totalMs = performance.now() - started;
    console.log(
      table(
        ["k", "silhouette (sample)", "inertia"],
        result.tried.map((t) => [String(t.k), fmt(t.silhouette, 3), fmt(t.inertia, 0)]),
      ),
    );
    console.log(
      `chosen k = ${result.k}, silhouette ${fmt(result.silhouette, 3)} over a sample of ${Math.min(sample, result.clustered)} of ${result.clustered} users`,
    );
    console.log(
      `time: SVD (${factors} factors) ${fmt(svdMs / 1000, 2)} s; whole clustering (SVD + KMeans k=2..8 x 3 restarts + silhouettes) ${fmt(totalMs / 1000, 2)} s; rss ${fmt(process.memoryUsage().rss / 2 ** 20, 0)} MiB`,
    );
    return 0;
  },
};

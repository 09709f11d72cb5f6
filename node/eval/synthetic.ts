/**
 * A synthetic ratings dataset shaped like MovieLens 1M (6,040 users, ~3,700 films, 1,000,000 ratings):
 * long-tailed film popularity (Zipf-like), long-tailed user activity (at least 20 ratings each, log-normal like
 * ML-1M), latent tastes (8 factors) that drive both which films a user watches and how they rate them, integer
 * stars 1..5, 1-3 genres per film correlated with its factors. Deterministic for a seed. Runtime-neutral.
 * Any shape: `bench recs --dataset ml-10m` asks it for MovieLens 10M's (69,878 users, 10,677 films, 10M ratings);
 * the cost is one pass over every film per user (O(users x films)), about 750M affinity products at that size,
 * and a native sort of each user's film keys (the comparator sort of every film per user took 332 s at ML-10M).
 */
import type { MlMovie, MlRating } from "./movielens";
import { seededRandom } from "./movielens";

export interface SyntheticOptions {
  users?: number;
  films?: number;
  ratings?: number;
  seed?: number;
  /** Ratings are spread over the `days` before this instant (Unix seconds). */
  now?: number;
  days?: number;
}

const GENRES = [
  "Action",
  "Adventure",
  "Animation",
  "Children's",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
];
const FACTORS = 8;

export function generateSynthetic(options: SyntheticOptions = {}): { movies: MlMovie[]; ratings: MlRating[] } {
  const users = options.users ?? 6040;
  const films = options.films ?? 3700;
  const target = options.ratings ?? 1_000_000;
  const random = seededRandom(options.seed ?? 7);
  const gauss = () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const span = (options.days ?? 3 * 365) * 86_400;

  // Films: latent vector, quality, Zipf popularity, genres from the strongest factors.
  const q = new Float64Array(films * FACTORS);
  const quality = new Float64Array(films);
  const popularity = new Float64Array(films);
  const genreOfFactor = (f: number, k: number) => GENRES[(f * 2 + k) % GENRES.length];
  const movies: MlMovie[] = [];
  for (let i = 0; i < films; i++) {
    for (let f = 0; f < FACTORS; f++) q[i * FACTORS + f] = gauss() * 0.6;
    quality[i] = gauss() * 0.45;
    popularity[i] = 1 / (i + 10) ** 1.1;
    const order = [...Array(FACTORS).keys()].sort((a, b) => q[i * FACTORS + b] - q[i * FACTORS + a]);
    const count = 1 + Math.floor(random() * 3);
    const genres = [...new Set(order.slice(0, count).map((f, k) => genreOfFactor(f, k % 2)))];
    movies.push({ id: i + 1, title: `Synthetic Film ${i + 1}`, year: 1930 + Math.floor(random() * 71), genres });
  }

  // Users: activity from a log-normal scaled to the target total, minimum 20 (as in ML-1M).
  const raw = Array.from({ length: users }, () => Math.exp(gauss() * 1.0));
  const rawSum = raw.reduce((s, v) => s + v, 0);
  const activity = raw.map((v) => Math.min(films - 1, Math.max(20, Math.round((v / rawSum) * target))));
  const ratings: MlRating[] = [];
  const keys = new Float64Array(films);
  const sorted = new Float64Array(films);
  for (let u = 0; u < users; u++) {
    const p = Array.from({ length: FACTORS }, () => gauss() * 0.6);
    const bias = gauss() * 0.35;
    // Which films: Efraimidis-Spirakis weighted sampling without replacement, weight = popularity * taste affinity.
    for (let i = 0; i < films; i++) {
      let dot = 0;
      for (let f = 0; f < FACTORS; f++) dot += p[f] * q[i * FACTORS + f];
      const weight = popularity[i] * Math.exp(1.5 * dot);
      keys[i] = Math.log(Math.max(random(), 1e-300)) / weight;
    }
    // The activity[u] largest keys, largest first (ties: lower index first, as a stable sort of all films gives):
    // the threshold from a native numeric sort of the keys, then a comparator sort of only the chosen few.
    sorted.set(keys);
    sorted.sort();
    const threshold = sorted[films - activity[u]];
    const above: number[] = [];
    const at: number[] = [];
    for (let i = 0; i < films; i++) {
      if (keys[i] > threshold) above.push(i);
      else if (keys[i] === threshold) at.push(i);
    }
    const chosen = above.concat(at.slice(0, activity[u] - above.length)).sort((a, b) => keys[b] - keys[a]);
    const start = now - Math.floor(random() * span);
    for (const i of chosen) {
      let dot = 0;
      for (let f = 0; f < FACTORS; f++) dot += p[f] * q[i * FACTORS + f];
      const stars = Math.min(5, Math.max(1, Math.round(3.6 + bias + quality[i] + 1.2 * dot + gauss() * 0.7)));
      ratings.push({ user: u + 1, movie: i + 1, rating: stars, time: start + Math.floor(random() * (now - start)) });
    }
  }
  return { movies, ratings };
}

/**
 * Synthetic demo users and star ratings drawn from a latent taste model, so that a fresh database has enough
 * collaborative signal for the recommendation engine to find (neighbours who share taste, films that are liked
 * together) instead of noise.
 *
 * Runtime-neutral (no Node APIs) and fully deterministic: every random draw comes from a seeded PRNG and every
 * timestamp is relative to a reference date the caller can pin, so the same inputs give byte-identical output.
 *
 * The model:
 * - each genre has a fixed embedding over a handful of taste clusters; a film's latent vector is the mean of its
 *   genres' embeddings plus a small per-film component, centred over the catalogue so that "not my kind of film"
 *   scores below zero rather than merely less above it;
 * - a film's quality term comes from its TMDB vote average;
 * - each user has one to three favourite clusters (which is what makes groups of users agree), a bias, and an
 *   activity level from a long-tailed distribution;
 * - beyond genres, each user is drawn to a few directors, actors and keywords (taken from a few "anchor" films
 *   they love within their clusters), to an era (a preferred decade) and, for some, to films not in English; so
 *   films that share people, themes, era or language are rated by the same people, as in real co-ratings;
 * - which films a user rates is weighted by the film's vote count damped to the power 0.5 (people rate what they
 *   have seen, but a blockbuster is not seen by everyone) and strongly by taste (people watch what they expect to
 *   like): Godfather fans do not all rate The Avengers;
 * - rating = clamp(mean + user bias + quality + k * affinity + noise) rounded to half stars;
 * - dates run up to the reference instant, denser towards it (a service that grows), so trending windows hold
 *   ratings on a fresh demo.
 */

/** The few facts about a film the model reads; the content facts are optional (a genre-only catalogue works). */
export interface TasteFilm {
  id: number;
  genres: readonly string[];
  voteAverage: number;
  voteCount: number;
  keywords?: readonly string[];
  cast?: readonly string[];
  director?: string | null;
  originalLanguage?: string | null;
  /** YYYY-MM-DD or YYYY. */
  releaseDate?: string | null;
}

export interface DemoUser {
  /** UUID v4-shaped, drawn from the seeded PRNG. */
  id: string;
  email: string;
  username: string;
  displayName: string;
  /** When the account was created (ISO 8601), before its first rating. */
  createdAt: string;
  /** The taste clusters this user favours: the model's ground truth, for tests and offline evaluation. */
  favouriteClusters: string[];
}

export interface DemoRating {
  userId: string;
  movieId: number;
  /** 0.5 to 5 in half steps. */
  rating: number;
  /** ISO 8601. */
  createdAt: string;
}

export interface DemoRatingsOptions {
  users?: number;
  seed?: number;
  /** Ratings fall in the two years before this instant (the demo loader passes the moment it loads). */
  referenceDate?: Date | string;
}

/**
 * The first user is the documented demo login: a science-fiction and fantasy fan with a few dozen ratings, so that
 * its profile reads at a glance and its recommendations are easy to judge.
 */
export const DEMO_PERSONA = { favouriteClusters: ["speculative"], ratings: 36 } as const;

export interface DemoRatings {
  users: DemoUser[];
  ratings: DemoRating[];
}

/**
 * Taste clusters and how strongly each genre belongs to them. A genre may sit in two clusters (a thriller pleases
 * both action fans and fans of dark films), which is what gives neighbouring clusters partial overlap.
 */
export const TASTE_CLUSTERS: Record<string, Record<string, number>> = {
  action: { Action: 1, Adventure: 0.8, War: 0.5, Western: 0.7, Thriller: 0.4 },
  speculative: { "Science Fiction": 1, Fantasy: 1, Adventure: 0.4 },
  family: { Animation: 1, Family: 1, Music: 0.5, Fantasy: 0.3 },
  romcom: { Comedy: 1, Romance: 1, Music: 0.4 },
  drama: { Drama: 1, History: 1, War: 0.6, Romance: 0.3, Music: 0.3 },
  dark: { Horror: 1, Thriller: 0.7, Mystery: 1, Crime: 0.8 },
};

const CLUSTER_NAMES = Object.keys(TASTE_CLUSTERS);
const DIMENSIONS = CLUSTER_NAMES.length;
/** How often each cluster is picked as a favourite: mainstream tastes are commoner than niche ones. */
const CLUSTER_POPULARITY = [1.4, 1.1, 0.7, 1.0, 1.2, 0.8];

// Below the ~3.5 of real rating sites on purpose: users mostly rate films they expected to like (selection by taste
// is strong here), which lifts the observed mean to about 3.6.
const GLOBAL_MEAN = 2.95;
const TASTE_WEIGHT = 1.6;
const QUALITY_WEIGHT = 0.55;
const USER_BIAS_SD = 0.35;
const NOISE_SD = 0.55;
/** How strongly expected enjoyment steers which films a user rates, on top of how widely seen they are. */
const SELECTION_TASTE = 2.6;
/** Exponent of the vote count in the selection weight: below 1 so that taste, not fame alone, picks the films. */
const SELECTION_POPULARITY = 0.5;
const ANCHORS_PER_CLUSTER = 3;
const WORLD_CINEMA_SHARE = 0.15;
const ACTIVITY_MEDIAN = 85;
const ACTIVITY_SIGMA = 0.85;
const MIN_RATINGS = 20;
const MAX_RATINGS = 900;
const DAY_MS = 86_400_000;
const SPAN_MS = 730 * DAY_MS;
const DEFAULT_REFERENCE = "2026-11-01T00:00:00.000Z";

/** sfc32: small, fast, and good enough statistically for synthetic data; seeded through splitmix32. */
export function createRng(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  // The first outputs of a freshly seeded sfc32 are correlated with the seed; the reference seeding discards 12.
  for (let k = 0; k < 12; k++) next();
  return next;
}

/** Derives an independent stream per purpose, so adding users never changes the earlier users' draws. */
function streamSeed(seed: number, stream: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let k = 0; k < stream.length; k++) h = Math.imul(h ^ stream.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

function gaussian(rng: () => number): number {
  // Box-Muller; 1 - u keeps the log argument in (0, 1].
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function uuidV4(rng: () => number): string {
  const bytes = new Array<number>(16);
  for (let k = 0; k < 16; k++) bytes[k] = Math.floor(rng() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function pickWeighted(rng: () => number, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  let r = rng() * total;
  for (let k = 0; k < weights.length; k++) {
    r -= weights[k];
    if (r < 0) return k;
  }
  return weights.length - 1;
}

const FIRST_NAMES =
  "Ada Bea Cal Dev Eli Fay Gus Hal Ida Jo Kai Lea Max Nia Oto Pia Quin Ravi Sol Tess Uma Vic Wen".split(" ");
const LAST_INITIALS = "ABCDEFGHIJKLMNOPRSTVWY";

function latentFilms(films: readonly TasteFilm[], seed: number): { vectors: Float64Array[]; quality: number[] } {
  const genreRng = createRng(streamSeed(seed, "genres"));
  const genreVectors = new Map<string, Float64Array>();
  const genreVector = (name: string): Float64Array => {
    let vector = genreVectors.get(name);
    if (!vector) {
      vector = new Float64Array(DIMENSIONS);
      for (let d = 0; d < DIMENSIONS; d++) {
        const cluster = TASTE_CLUSTERS[CLUSTER_NAMES[d]];
        vector[d] = (cluster[name] ?? 0) + 0.1 * gaussian(genreRng);
      }
      genreVectors.set(name, vector);
    }
    return vector;
  };
  // Genre embeddings are drawn in a fixed (sorted) order so that they do not depend on the order films arrive in.
  for (const name of [...new Set(films.flatMap((f) => f.genres))].sort()) genreVector(name);

  const filmRng = createRng(streamSeed(seed, "films"));
  const vectors = films.map((film) => {
    const v = new Float64Array(DIMENSIONS);
    for (const g of film.genres) {
      const gv = genreVector(g);
      for (let d = 0; d < DIMENSIONS; d++) v[d] += gv[d] / film.genres.length;
    }
    for (let d = 0; d < DIMENSIONS; d++) v[d] += 0.2 * gaussian(filmRng);
    return v;
  });
  const mean = new Float64Array(DIMENSIONS);
  for (const v of vectors) for (let d = 0; d < DIMENSIONS; d++) mean[d] += v[d];
  for (let d = 0; d < DIMENSIONS; d++) mean[d] /= Math.max(1, vectors.length);
  for (const v of vectors) for (let d = 0; d < DIMENSIONS; d++) v[d] -= mean[d];

  const averages = films.map((f) => f.voteAverage);
  const meanAverage = averages.reduce((s, x) => s + x, 0) / Math.max(1, averages.length);
  const quality = averages.map((a) => Math.max(-1.2, Math.min(1, QUALITY_WEIGHT * (a - meanAverage))));
  return { vectors, quality };
}

/** Each film's director, first five billed actors and keywords as numbers, so a user's taste reads as marks. */
interface ContentIndex {
  size: number;
  director: Int32Array;
  cast: Int32Array[];
  keywords: Int32Array[];
}

function indexContent(films: readonly TasteFilm[]): ContentIndex {
  const ids = new Map<string, number>();
  const id = (key: string) => {
    let n = ids.get(key);
    if (n === undefined) {
      n = ids.size;
      ids.set(key, n);
    }
    return n;
  };
  const director = Int32Array.from(films, (f) => (f.director ? id(`d:${f.director}`) : -1));
  const cast = films.map((f) => Int32Array.from((f.cast ?? []).slice(0, 5), (c) => id(`c:${c}`)));
  const keywords = films.map((f) => Int32Array.from(f.keywords ?? [], (k) => id(`k:${k}`)));
  return { size: ids.size, director, cast, keywords };
}

/**
 * A user's taste for people and themes: the directors, first two billed actors and first keywords of a few anchor
 * films they love, drawn (by fame) from the films closest to their favourite clusters. Returns a score per film.
 */
function contentLikes(
  films: readonly TasteFilm[],
  vectors: readonly Float64Array[],
  index: ContentIndex,
  favourites: readonly number[],
  rng: () => number,
): (film: number) => number {
  const liked = new Uint8Array(index.size);
  for (const c of favourites) {
    const weights = films.map((f, k) => (vectors[k][c] > 0.3 ? Math.sqrt(Math.max(1, f.voteCount)) : 0));
    if (!weights.some((w) => w > 0)) continue;
    for (let a = 0; a < ANCHORS_PER_CLUSTER; a++) {
      const anchor = pickWeighted(rng, weights);
      if (index.director[anchor] >= 0) liked[index.director[anchor]] = 1;
      for (const n of index.cast[anchor].subarray(0, 2)) liked[n] = 1;
      for (const n of index.keywords[anchor].subarray(0, 4)) liked[n] = 1;
    }
  }
  return (f) => {
    const s = index.director[f] >= 0 && liked[index.director[f]] ? 0.55 : 0;
    let actors = 0;
    for (const n of index.cast[f]) actors += liked[n];
    let themes = 0;
    for (const n of index.keywords[f]) themes += liked[n];
    return s + 0.3 * Math.min(actors, 2) + 0.12 * Math.min(themes, 3);
  };
}

/** Generates demo users and their ratings of `films`; see the module comment for the model. */
export function generateDemoRatings(films: readonly TasteFilm[], options: DemoRatingsOptions = {}): DemoRatings {
  const userCount = options.users ?? 400;
  const seed = options.seed ?? 20261122;
  const reference = new Date(options.referenceDate ?? DEFAULT_REFERENCE).getTime();
  if (!Number.isInteger(userCount) || userCount < 0) throw new Error(`users must be a whole number: ${userCount}`);
  if (Number.isNaN(reference)) throw new Error(`invalid reference date: ${String(options.referenceDate)}`);

  const { vectors, quality } = latentFilms(films, seed);
  const content = indexContent(films);
  const years = films.map((f) => (f.releaseDate ? Number(f.releaseDate.slice(0, 4)) : Number.NaN));
  const logVotes = films.map((f) => Math.log(Math.max(1, f.voteCount)));
  const maxRatings = Math.min(MAX_RATINGS, Math.floor(films.length * 0.6));
  const minRatings = Math.min(MIN_RATINGS, films.length);
  const width = Math.max(3, String(userCount).length);

  const users: DemoUser[] = [];
  const ratings: DemoRating[] = [];
  const taste = new Float64Array(DIMENSIONS);
  const affinity = new Float64Array(films.length);
  const keys = new Float64Array(films.length);
  const order = films.map((_, k) => k);

  for (let u = 0; u < userCount; u++) {
    const rng = createRng(streamSeed(seed, `user:${u}`));
    const id = uuidV4(rng);
    const number = String(u + 1).padStart(width, "0");
    const first = FIRST_NAMES[Math.floor(rng() * FIRST_NAMES.length)];
    const initial = LAST_INITIALS[Math.floor(rng() * LAST_INITIALS.length)];

    const favouriteCount = pickWeighted(rng, [0.4, 0.4, 0.2]) + 1;
    const favourites: number[] = [];
    const weights = [...CLUSTER_POPULARITY];
    for (let k = 0; k < favouriteCount; k++) {
      const c = pickWeighted(rng, weights);
      favourites.push(c);
      weights[c] = 0;
    }
    // Several favourites dilute each one a little: a broad taste is a weaker taste.
    const strength = 1 / Math.sqrt(favouriteCount);
    for (let d = 0; d < DIMENSIONS; d++) taste[d] = 0.15 * gaussian(rng);
    for (const c of favourites) taste[c] += strength * (0.8 + 0.4 * rng());
    const bias = USER_BIAS_SD * gaussian(rng);
    const activity = Math.round(ACTIVITY_MEDIAN * Math.exp(ACTIVITY_SIGMA * gaussian(rng)));
    const n = Math.max(minRatings, Math.min(maxRatings, activity));

    const isPersona = u === 0;
    if (isPersona) {
      favourites.length = 0;
      for (const name of DEMO_PERSONA.favouriteClusters) favourites.push(CLUSTER_NAMES.indexOf(name));
      for (let d = 0; d < DIMENSIONS; d++) taste[d] = 0.15 * gaussian(rng);
      for (const c of favourites) taste[c] += 1;
    }
    const count = isPersona ? Math.min(DEMO_PERSONA.ratings, films.length) : n;
    const likes = contentLikes(films, vectors, content, favourites, rng);
    const eraCentre = 1975 + 45 * rng();
    const eraWidth = 12 + 25 * rng();
    const worldCinema = rng() < WORLD_CINEMA_SHARE;

    // Joined at some point in the two years, early enough to have rated something since.
    const joined = reference - SPAN_MS + Math.floor(rng() * (SPAN_MS - 7 * DAY_MS));
    users.push({
      id,
      email: `demo-user-${number}@demo.marquee.dev`,
      username: `demo_user_${number}`,
      displayName: `${first} ${initial}.`,
      createdAt: new Date(joined).toISOString(),
      favouriteClusters: favourites.map((c) => CLUSTER_NAMES[c]),
    });

    // Weighted sampling without replacement (Efraimidis-Spirakis): the n smallest Exp(1)/weight keys.
    for (let f = 0; f < films.length; f++) {
      const v = vectors[f];
      let dot = 0;
      for (let d = 0; d < DIMENSIONS; d++) dot += taste[d] * v[d];
      const film = films[f];
      const year = years[f];
      const era = Number.isFinite(year) ? 0.25 * Math.exp(-(((year - eraCentre) / eraWidth) ** 2)) - 0.1 : 0;
      const foreign = film.originalLanguage && film.originalLanguage !== "en";
      const language = foreign ? (worldCinema ? 0.35 : -0.15) : 0;
      dot += likes(f) + era + language;
      affinity[f] = dot;
      keys[f] = -Math.log(1 - rng()) / Math.exp(SELECTION_POPULARITY * logVotes[f] + SELECTION_TASTE * dot);
    }
    order.sort((x, y) => keys[x] - keys[y] || x - y);

    for (let k = 0; k < count; k++) {
      const f = order[k];
      const raw = GLOBAL_MEAN + bias + quality[f] + TASTE_WEIGHT * affinity[f] + NOISE_SD * gaussian(rng);
      const rating = Math.min(5, Math.max(0.5, Math.round(raw * 2) / 2));
      // New users rate a burst of films they already know in their first days; the rest trickle in afterwards.
      // The rest lean towards the present (u^0.6), as on a service that is growing.
      const at =
        rng() < 0.4
          ? joined + Math.floor(rng() * 3 * DAY_MS)
          : joined + Math.floor(rng() ** 0.6 * (reference - joined));
      ratings.push({
        userId: id,
        movieId: films[f].id,
        rating,
        createdAt: new Date(Math.min(at, reference - 1)).toISOString(),
      });
    }
  }
  return { users, ratings };
}

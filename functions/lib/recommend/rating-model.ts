/**
 * Biased matrix factorisation for predicted stars (Koren, Bell & Volinsky 2009, "the SVD" of the Netflix Prize):
 *   r̂_ui = μ + b_u + b_i + p_u · q_i
 * fitted by stochastic gradient descent on the squared error with L2 penalties. Runtime-neutral, typed arrays.
 *
 * Nothing here is tuned to one dataset: the penalty and the number of epochs are chosen on a validation split
 * carved from the ratings it is given (each rating held out with probability `validation`, seeded), the model is
 * then refitted on every rating with the chosen settings. Learning rate, factor count and initial scale are the
 * usual published defaults.
 */
import type { RatingTriples } from "./neighbours";

/** mulberry32, the evaluation's PRNG (kept here so lib/ depends on nothing outside it). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RatingModelOptions {
  factors?: number;
  /** Penalties tried on the validation split. */
  penalties?: number[];
  maxEpochs?: number;
  learningRate?: number;
  validation?: number;
  seed?: number;
  /**
   * The penalty and epoch search runs on the ratings of a seeded sample of users holding about this many ratings
   * (all of them when there are fewer), so its cost stays bounded as the data grows; the final fit uses every
   * rating.
   */
  searchRatings?: number;
}

export interface RatingModel {
  mean: number;
  factors: number;
  userBias: Float32Array;
  filmBias: Float32Array;
  /** Row-major users × factors. */
  userFactors: Float32Array;
  filmFactors: Float32Array;
  penalty: number;
  epochs: number;
  validationRmse: number;
  /** Validation RMSE of the baseline μ + b_u + b_i alone, for comparison. */
  baselineRmse: number;
}

interface Params {
  mean: number;
  bu: Float32Array;
  bi: Float32Array;
  p: Float32Array;
  q: Float32Array;
}

function init(users: number, films: number, f: number, seed: number, mean: number): Params {
  const random = seededRandom(seed);
  const scale = 0.1;
  const gauss = () => {
    // Box-Muller: the factors start as small Gaussian noise so that SGD can break the symmetry.
    const a = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * random()) * scale;
  };
  const p = new Float32Array(users * f);
  const q = new Float32Array(films * f);
  for (let k = 0; k < p.length; k++) p[k] = gauss();
  for (let k = 0; k < q.length; k++) q[k] = gauss();
  return { mean, bu: new Float32Array(users), bi: new Float32Array(films), p, q };
}

function predict(m: Params, f: number, u: number, i: number): number {
  let s = m.mean + m.bu[u] + m.bi[i];
  const pu = u * f;
  const qi = i * f;
  for (let k = 0; k < f; k++) s += m.p[pu + k] * m.q[qi + k];
  return s;
}

function epoch(m: Params, f: number, data: RatingTriples, order: Int32Array, lr: number, reg: number) {
  for (let o = 0; o < order.length; o++) {
    const at = order[o];
    const u = data.user[at];
    const i = data.film[at];
    const e = data.rating[at] - predict(m, f, u, i);
    m.bu[u] += lr * (e - reg * m.bu[u]);
    m.bi[i] += lr * (e - reg * m.bi[i]);
    const pu = u * f;
    const qi = i * f;
    for (let k = 0; k < f; k++) {
      const a = m.p[pu + k];
      const b = m.q[qi + k];
      m.p[pu + k] += lr * (e * b - reg * a);
      m.q[qi + k] += lr * (e * a - reg * b);
    }
  }
}

function rmseOf(m: Params, f: number, data: RatingTriples, rows: Int32Array, clamp = true): number {
  let s = 0;
  for (let o = 0; o < rows.length; o++) {
    const at = rows[o];
    let p = predict(m, f, data.user[at], data.film[at]);
    if (clamp) p = Math.min(5, Math.max(0.5, p));
    const e = p - data.rating[at];
    s += e * e;
  }
  return Math.sqrt(s / Math.max(rows.length, 1));
}

function shuffle(rows: Int32Array, random: () => number) {
  for (let k = rows.length - 1; k > 0; k--) {
    const j = Math.floor(random() * (k + 1));
    const t = rows[k];
    rows[k] = rows[j];
    rows[j] = t;
  }
}

function meanOf(data: RatingTriples, rows: Int32Array): number {
  let s = 0;
  for (let o = 0; o < rows.length; o++) s += data.rating[rows[o]];
  return rows.length ? s / rows.length : 0;
}

/** Fits the model (see the file comment); deterministic for a given seed. */
export function fitRatingModel(data: RatingTriples, options: RatingModelOptions = {}): RatingModel {
  const f = options.factors ?? 50;
  const penalties = options.penalties ?? [0.05, 0.1, 0.2];
  const maxEpochs = options.maxEpochs ?? 60;
  const lr = options.learningRate ?? 0.01;
  const seed = options.seed ?? 7;
  const random = seededRandom(seed);
  const keepUser = new Uint8Array(data.users).fill(1);
  const searchRatings = options.searchRatings ?? 250_000;
  if (data.user.length > searchRatings) {
    const share = searchRatings / data.user.length;
    const pick = seededRandom(seed + 1);
    for (let u = 0; u < data.users; u++) keepUser[u] = pick() < share ? 1 : 0;
  }
  const train: number[] = [];
  const held: number[] = [];
  for (let at = 0; at < data.user.length; at++) {
    if (!keepUser[data.user[at]]) continue;
    (random() < (options.validation ?? 0.1) ? held : train).push(at);
  }
  const trainRows = Int32Array.from(train);
  const heldRows = Int32Array.from(held);
  const all = Int32Array.from({ length: data.user.length }, (_, k) => k);

  let best = { penalty: penalties[0], epochs: 1, rmse: Number.POSITIVE_INFINITY };
  let baselineRmse = Number.NaN;
  for (const reg of penalties) {
    const m = init(data.users, data.films, f, seed, meanOf(data, trainRows));
    const order = trainRows.slice();
    let worse = 0;
    let bestHere = Number.POSITIVE_INFINITY;
    for (let e = 1; e <= maxEpochs; e++) {
      shuffle(order, random);
      epoch(m, f, data, order, lr, reg);
      const v = rmseOf(m, f, data, heldRows);
      if (v < best.rmse) best = { penalty: reg, epochs: e, rmse: v };
      if (v < bestHere - 1e-5) {
        bestHere = v;
        worse = 0;
      } else if (++worse >= 3) break;
    }
  }
  {
    // The baseline alone (no factors), at the chosen penalty: what the factors add.
    const m = init(data.users, data.films, 0, seed, meanOf(data, trainRows));
    const order = trainRows.slice();
    for (let e = 0; e < best.epochs; e++) {
      shuffle(order, random);
      epoch(m, 0, data, order, lr, best.penalty);
    }
    baselineRmse = rmseOf(m, 0, data, heldRows);
  }
  const m = init(data.users, data.films, f, seed, meanOf(data, all));
  const order = all.slice();
  // The full data has 1/(1 - validation) times the ratings per epoch: the same number of epochs fits it as well.
  for (let e = 0; e < best.epochs; e++) {
    shuffle(order, random);
    epoch(m, f, data, order, lr, best.penalty);
  }
  return {
    mean: m.mean,
    factors: f,
    userBias: m.bu,
    filmBias: m.bi,
    userFactors: m.p,
    filmFactors: m.q,
    penalty: best.penalty,
    epochs: best.epochs,
    validationRmse: best.rmse,
    baselineRmse,
  };
}

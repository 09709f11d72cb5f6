/**
 * Reference baselines for the offline evaluation, computed in the same run on the same training ratings as the
 * strategies the API serves, so every table can say how far each strategy is from a textbook method:
 * - toppop: the films most rated in training, the same list for everyone (minus what they rated);
 * - ease:   EASE (Steck 2019) on the binary training matrix, dense over the `easeFilms` most-rated films.
 * Pure computation over the ratings; no database.
 */
import { easeScores, easeWeights, selectEaseFilms } from "../../functions/lib/recommend/ease";
import type { MlRating } from "./movielens";

export const BASELINES = ["toppop", "ease"] as const;
export type Baseline = (typeof BASELINES)[number];

export interface BaselineOptions {
  /** Films the dense EASE covers (the most rated); its cost is easeFilms³ flops. */
  easeFilms: number;
  lambda: number;
  onProgress?: (label: string, done: number, total: number) => void;
}

export interface BaselineRanker {
  /** Training ratings per film id (popularity for the percentile column). */
  counts: Map<number, number>;
  /** The k best films for a user, never one they rated in training. */
  rank(baseline: Baseline, user: number, k: number): number[];
  easeFilms: number;
  easeMs: number;
}

/** Keeps the k highest-scoring candidates (ties by id), skipping `skip`. */
function best(ids: ArrayLike<number>, score: (at: number) => number, k: number, skip: Set<number>): number[] {
  const picked: { id: number; s: number }[] = [];
  for (let at = 0; at < ids.length; at++) {
    const id = ids[at];
    if (skip.has(id)) continue;
    const s = score(at);
    if (picked.length < k) {
      picked.push({ id, s });
      picked.sort((a, b) => b.s - a.s || a.id - b.id);
    } else {
      const last = picked[k - 1];
      if (s > last.s || (s === last.s && id < last.id)) {
        picked[k - 1] = { id, s };
        picked.sort((a, b) => b.s - a.s || a.id - b.id);
      }
    }
  }
  return picked.map((p) => p.id);
}

export function buildBaselines(train: MlRating[], options: BaselineOptions): BaselineRanker {
  const counts = new Map<number, number>();
  const rated = new Map<number, Set<number>>();
  for (const r of train) {
    counts.set(r.movie, (counts.get(r.movie) ?? 0) + 1);
    let set = rated.get(r.user);
    if (!set) {
      set = new Set();
      rated.set(r.user, set);
    }
    set.add(r.movie);
  }
  const filmIds = [...counts.keys()].sort((a, b) => a - b);
  const countArray = Int32Array.from(filmIds, (id) => counts.get(id) ?? 0);
  const byPopularity = [...filmIds].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || a - b);

  const t = performance.now();
  const { modelOf, filmOf } = selectEaseFilms(countArray, options.easeFilms);
  const n = filmOf.length;
  const indexOfFilm = new Map(filmIds.map((id, k) => [id, k]));
  const users = [...rated.keys()].sort((a, b) => a - b);
  const userIndex = new Map(users.map((u, k) => [u, k]));
  const offsets = new Int32Array(users.length + 1);
  const lists = users.map((u) =>
    [...(rated.get(u) ?? [])]
      .map((m) => modelOf[indexOfFilm.get(m) ?? -1] ?? -1)
      .filter((m) => m >= 0)
      .sort((a, b) => a - b),
  );
  lists.forEach((l, k) => {
    offsets[k + 1] = offsets[k] + l.length;
  });
  const input = { offsets, films: Int32Array.from(lists.flat()), n };
  const weights = easeWeights(input, options.lambda, (d, total) => options.onProgress?.("ease", d, total));
  const easeIds = Int32Array.from(filmOf, (f) => filmIds[f]);
  const easeMs = performance.now() - t;
  const scores = new Float64Array(n);

  return {
    counts,
    easeFilms: n,
    easeMs,
    rank(baseline, user, k) {
      const skip = rated.get(user) ?? new Set<number>();
      if (baseline === "toppop") return best(byPopularity, (at) => -at, k, skip);
      const u = userIndex.get(user);
      if (u === undefined) return best(byPopularity, (at) => -at, k, skip);
      easeScores(input, weights, u, scores);
      return best(easeIds, (at) => scores[at], k, skip);
    },
  };
}

/**
 * Popularity percentile of each film among the catalogue (0 = the least rated, 100 = the most rated): the share of
 * catalogue films with fewer training ratings, plus half of those with as many (counts are integers).
 */
export function popularityPercentiles(catalogue: readonly number[], counts: Map<number, number>): Map<number, number> {
  const values = catalogue.map((id) => counts.get(id) ?? 0).sort((a, b) => a - b);
  const below = (v: number) => {
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const out = new Map<number, number>();
  for (const id of catalogue) {
    const v = counts.get(id) ?? 0;
    const less = below(v);
    const equal = below(v + 1) - less;
    out.set(id, (100 * (less + equal / 2)) / Math.max(values.length, 1));
  }
  return out;
}

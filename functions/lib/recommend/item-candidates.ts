/**
 * Each user's item-CF candidates, computed by the nightly job so that a request does not re-read
 * (signals x k) neighbour weights. Runtime-neutral (typed arrays only).
 *
 * The item source scores film j for a user as score(j) = sum over the user's films i with a non-zero signal of
 * weight(i) * similarity(i, j), over each i's top-k neighbours (recommend_items). That sum is linear in the
 * signals, so it can be computed once for the signals the user had at the nightly run (the snapshot) and
 * corrected at request time by the signals that changed since: score = stored(j) + sum over changed films i of
 * (weight_now(i) - weight_then(i)) * similarity(i, j). Only the changed films' neighbours are read, usually none
 * or one film's, however many films the user rated. The job keeps the best `depth` films per user (positive
 * scores, films the user rated or signalled at the snapshot left out), each with its evidence: the user's
 * positively weighted film contributing most (ties to the smaller film id, as recommend_items orders them).
 */

import type { NeighbourList } from "./neighbours";

/** One user's signals at the snapshot, by dense film index (films without neighbour rows are ignored). */
export interface UserSignals {
  films: Int32Array;
  weights: Float32Array;
}

export interface UserCandidates {
  films: Int32Array;
  scores: Float32Array;
  /** Dense index of the evidence film, or -1 when no positively weighted film contributed. */
  because: Int32Array;
}

/**
 * A reusable scorer over one neighbour list (the rows movie_similarities gets): `score(signals, skip)` returns the
 * best `depth` candidates, best first (score descending, then dense index of the film id order given by `order`).
 * `skip` marks films to leave out (the user's rated or signalled films), by dense index.
 */
export function itemCandidateScorer(list: NeighbourList, filmIds: ArrayLike<number>, depth: number) {
  const films = list.offsets.length - 1;
  const score = new Float64Array(films);
  const best = new Float64Array(films);
  const because = new Int32Array(films).fill(-1);
  const seen = new Uint8Array(films);
  const touched = new Int32Array(films);
  const values = new Float64Array(films);
  return (signals: UserSignals, skip: Uint8Array): UserCandidates => {
    let n = 0;
    for (let s = 0; s < signals.films.length; s++) {
      const i = signals.films[s];
      if (i < 0 || i >= films) continue;
      const w = signals.weights[s];
      for (let k = list.offsets[i]; k < list.offsets[i + 1]; k++) {
        const j = list.neighbour[k];
        if (!seen[j]) {
          seen[j] = 1;
          touched[n++] = j;
        }
        const c = Math.fround(w * list.similarity[k]);
        score[j] += c;
        if (w > 0) {
          const b = because[j];
          if (b < 0 || c > best[j] || (c === best[j] && filmIds[i] < filmIds[b])) {
            best[j] = c;
            because[j] = i;
          }
        }
      }
    }
    // The depth-th best score by selection over a copy, then a sort of the films at or above it only.
    let k = 0;
    for (let t = 0; t < n; t++) {
      const j = touched[t];
      if (score[j] > 0 && !skip[j]) values[k++] = score[j];
    }
    const cut = k > depth ? kthLargest(values, k, depth) : 0;
    const kept: number[] = [];
    for (let t = 0; t < n; t++) {
      const j = touched[t];
      if (score[j] > 0 && !skip[j] && score[j] >= cut) kept.push(j);
    }
    kept.sort((a, b) => score[b] - score[a] || filmIds[a] - filmIds[b]);
    const m = Math.min(depth, kept.length);
    const out: UserCandidates = {
      films: new Int32Array(m),
      scores: new Float32Array(m),
      because: new Int32Array(m),
    };
    for (let r = 0; r < m; r++) {
      const j = kept[r];
      out.films[r] = j;
      out.scores[r] = score[j];
      out.because[r] = because[j];
    }
    for (let t = 0; t < n; t++) {
      const j = touched[t];
      score[j] = 0;
      best[j] = 0;
      because[j] = -1;
      seen[j] = 0;
    }
    return out;
  };
}

/** The k-th largest of values[0..n) (1-based k <= n), by Hoare selection in place (the order is lost). */
export function kthLargest(values: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target];
  }
  return values[target];
}

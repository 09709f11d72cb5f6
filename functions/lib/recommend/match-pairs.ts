/**
 * Taste-matching candidates for the nightly job (user_match_candidates), on typed arrays. Runtime-neutral.
 *
 * The measure is the one supabase/schemas/09_matching.sql defines: each signal a value in -1..1 (in quarters here,
 * -4..4, so every sum is exact), over the n films two users both have a signal on with d = sum |value_a - value_b|,
 * similarity (n - d/2 + k/2) / (n + k). A pair is matched at n >= minOverlap and similarity >= threshold, near when
 * not matched but one more film of perfect agreement would match it (n + 1 >= minOverlap and
 * similarity(n + 1, d) >= threshold): only a near pair can become matched when the user likes one film.
 *
 * What is kept per user: the `depth` best matched users (by similarity) and the `depth` best near users (by
 * similarity(n + 1, d), how close one film would bring them), each with n, agreed films and d, whatever the other
 * user's opt-in (read live at serving). Ties are broken by the other user's id as text, as the SQL does.
 *
 * Cost: for each user, one pass over the raters of each film they have a signal on, so time is the sum over films
 * of (raters of the film)^2, the same pair accumulation as the user neighbours; memory is three counters per user
 * (reset through a touched list) and the output, at most 2 * depth pairs per user.
 */

/** Every user's signal values: user r's films at offsets[r]..offsets[r+1]-1, in quarters (-4..4). */
export interface MatchSignals {
  offsets: Int32Array;
  film: Int32Array;
  quarters: Int8Array;
  films: number;
}

export interface MatchSettings {
  threshold: number;
  minOverlap: number;
  shrinkage: number;
  /** Matched users kept per user, and as many near users. */
  depth: number;
}

export interface MatchCandidates {
  /** For user r: pairs at offsets[r]..offsets[r+1]-1, matched ones first (best first), then near ones. */
  offsets: Int32Array;
  other: Int32Array;
  shared: Int32Array;
  agreed: Int32Array;
  /** d, the summed value difference (not in quarters). */
  diffSum: Float32Array;
  /** For user r: how many of its pairs (the first ones) are matched. */
  matched: Int32Array;
}

/**
 * The similarity as PostgreSQL's match_similarity returns it (real, float4). Quarters keep n - d/2 + k/2 and n + k
 * exact, so the float4 rounding of the quotient is the only one, the same on both sides.
 */
export function matchSimilarity(shared: number, diffSum: number, shrinkage: number): number {
  const den = shared + shrinkage;
  return den === 0 ? Number.NaN : Math.fround((shared - diffSum / 2 + shrinkage / 2) / den);
}

/** The quarter value of a signal value in -1..1 (the SQL's (stars - 3) / 2 clamped, or +-1 for a like/dislike). */
export function toQuarters(value: number): number {
  return Math.max(-4, Math.min(4, Math.round(value * 4)));
}

/** Compressed rows from one row per user (film ids and values), with dense film indexes. */
export function matchSignals(
  users: { movieIds: ArrayLike<number>; values: ArrayLike<number> }[],
  filmIndex: (movieId: number) => number,
  films: number,
): MatchSignals {
  const offsets = new Int32Array(users.length + 1);
  for (const [r, u] of users.entries()) offsets[r + 1] = offsets[r] + u.movieIds.length;
  const film = new Int32Array(offsets[users.length]);
  const quarters = new Int8Array(offsets[users.length]);
  for (const [r, u] of users.entries()) {
    for (let k = 0; k < u.movieIds.length; k++) {
      film[offsets[r] + k] = filmIndex(Number(u.movieIds[k]));
      quarters[offsets[r] + k] = toQuarters(Number(u.values[k]));
    }
  }
  return { offsets, film, quarters, films };
}

/**
 * Every user's matched and near candidates. `order(a, b)` breaks similarity ties between other users a and b (the
 * job passes the comparison of their ids as text, PostgreSQL's uuid order).
 */
export function matchCandidates(
  signals: MatchSignals,
  settings: MatchSettings,
  order: (a: number, b: number) => number,
  onProgress?: (done: number, total: number) => void,
): MatchCandidates {
  const users = signals.offsets.length - 1;
  const { threshold, minOverlap, shrinkage, depth } = settings;
  const limit = Math.fround(threshold);
  // The inverted index: film -> (user, quarters).
  const byFilm = new Int32Array(signals.films + 1);
  for (let k = 0; k < signals.film.length; k++) byFilm[signals.film[k] + 1]++;
  for (let f = 0; f < signals.films; f++) byFilm[f + 1] += byFilm[f];
  const raterOf = new Int32Array(signals.film.length);
  const raterQ = new Int8Array(signals.film.length);
  const fill = byFilm.slice(0, signals.films);
  for (let u = 0; u < users; u++) {
    for (let k = signals.offsets[u]; k < signals.offsets[u + 1]; k++) {
      const at = fill[signals.film[k]]++;
      raterOf[at] = u;
      raterQ[at] = signals.quarters[k];
    }
  }
  const n = new Int32Array(users);
  const dq = new Int32Array(users);
  const agreed = new Int32Array(users);
  const touched = new Int32Array(users);
  const outOffsets = new Int32Array(users + 1);
  const matchedCount = new Int32Array(users);
  const other: number[] = [];
  const shared: number[] = [];
  const agreedOut: number[] = [];
  const diffs: number[] = [];
  const matched: { v: number; s: number }[] = [];
  const near: { v: number; s: number }[] = [];
  const best = (a: { v: number; s: number }, b: { v: number; s: number }) => b.s - a.s || order(a.v, b.v);
  for (let u = 0; u < users; u++) {
    let seen = 0;
    for (let k = signals.offsets[u]; k < signals.offsets[u + 1]; k++) {
      const f = signals.film[k];
      const q = signals.quarters[k];
      for (let j = byFilm[f]; j < byFilm[f + 1]; j++) {
        const v = raterOf[j];
        if (v === u) continue;
        if (n[v] === 0) touched[seen++] = v;
        n[v]++;
        const diff = Math.abs(q - raterQ[j]);
        dq[v] += diff;
        if (diff <= 2) agreed[v]++;
      }
    }
    matched.length = 0;
    near.length = 0;
    for (let t = 0; t < seen; t++) {
      const v = touched[t];
      const d = dq[v] / 4;
      if (n[v] + 1 >= minOverlap) {
        const s = matchSimilarity(n[v], d, shrinkage);
        if (n[v] >= minOverlap && s >= limit) matched.push({ v, s });
        else {
          const s1 = matchSimilarity(n[v] + 1, d, shrinkage);
          if (s1 >= limit) near.push({ v, s: s1 });
        }
      }
    }
    matched.sort(best);
    near.sort(best);
    matchedCount[u] = Math.min(depth, matched.length);
    for (const list of [matched, near]) {
      for (let i = 0; i < Math.min(depth, list.length); i++) {
        const v = list[i].v;
        other.push(v);
        shared.push(n[v]);
        agreedOut.push(agreed[v]);
        diffs.push(dq[v] / 4);
      }
    }
    outOffsets[u + 1] = other.length;
    for (let t = 0; t < seen; t++) {
      const v = touched[t];
      n[v] = 0;
      dq[v] = 0;
      agreed[v] = 0;
    }
    if (onProgress && (u % 500 === 0 || u === users - 1)) onProgress(u + 1, users);
  }
  return {
    offsets: outOffsets,
    other: Int32Array.from(other),
    shared: Int32Array.from(shared),
    agreed: Int32Array.from(agreedOut),
    diffSum: Float32Array.from(diffs),
    matched: matchedCount,
  };
}

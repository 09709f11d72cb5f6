/**
 * The best k of a set of candidates under an order, by a bounded heap whose root is the worst kept: O(n log k)
 * time and O(k) memory, where sorting everything would be O(n log n). Runtime-neutral; shared by the nightly
 * job's scorers (neighbours, co-reading, user-CF votes).
 */

/**
 * The best `k` of `candidates`, best first. `worse(a, b)` is true when a ranks below b; it must be a strict total
 * order (break ties, e.g. by id), so that the result is deterministic.
 */
export function bestK(candidates: Iterable<number>, k: number, worse: (a: number, b: number) => boolean): number[] {
  const heap: number[] = [];
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l], heap[m])) m = l;
      if (r < heap.length && worse(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  if (k <= 0) return heap;
  for (const c of candidates) {
    if (heap.length < k) {
      heap.push(c);
      for (let i = heap.length - 1; i > 0; ) {
        const p = (i - 1) >> 1;
        if (!worse(heap[i], heap[p])) break;
        [heap[i], heap[p]] = [heap[p], heap[i]];
        i = p;
      }
    } else if (worse(heap[0], c)) {
      heap[0] = c;
      down(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
}

/**
 * The embedder interface: text in, L2-normalised 384-dimensional vectors out, tagged with the model name stored
 * beside each film's vector. Queries and documents must come from the same model to be comparable, so the Worker
 * (queries) and the backfill (documents) build their embedder from the same configuration.
 */
export const DIMENSIONS = 384;

export interface Embedder {
  /** Stored in movies.embedding_model; vectors of different models are never compared. */
  readonly model: string;
  /** Most texts one call may take. */
  readonly maxBatch: number;
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}

export class EmbeddingError extends Error {
  override name = "EmbeddingError";
}

/** Scales a vector to unit length; throws on a zero, wrong-sized or non-finite vector. */
export function normalise(v: ArrayLike<number>): number[] {
  if (v.length !== DIMENSIONS) throw new EmbeddingError(`expected ${DIMENSIONS} dimensions, got ${v.length}`);
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new EmbeddingError("vector has a non-finite component");
    sum += v[i] * v[i];
  }
  if (sum === 0) throw new EmbeddingError("zero vector");
  const norm = Math.sqrt(sum);
  return Array.from(v, (x) => x / norm);
}

/** The pgvector text form, with enough digits for float4. */
export function toVectorLiteral(v: readonly number[]): string {
  return `[${v.map((x) => (Math.abs(x) < 1e-9 ? "0" : x.toPrecision(7))).join(",")}]`;
}

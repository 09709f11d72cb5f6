/**
 * The deterministic local embedder: no model, no network. Feature hashing of lexical features into 384 signed
 * dimensions, then L2 normalisation. Features: word unigrams (accents folded, stop words dropped, plural "s"
 * trimmed so "heists" meets "heist") and word bigrams.
 *
 * What it can do: find films sharing words with the query in their title, genres, keywords, cast, director or
 * overview ("heist twist" finds films keyworded heist and twist ending); rank films sharing many such words as
 * similar. What it cannot do: understand meaning. No synonyms ("sad" does not find "grief"), no paraphrase, no
 * language other than word overlap, no typo tolerance. With only 384 dimensions, unrelated words share
 * dimensions (hash collisions), so weak matches are noisy: short queries against short texts work best. Good for the offline demo and tests, not for production search.
 */
import { DIMENSIONS, type Embedder, EmbeddingError, normalise } from "./embedder";

export const LOCAL_MODEL = "marquee-local-hash-v3";

const STOP_WORDS = new Set(
  (
    "a an and are as at be by for from has have in into is it its of on or that the their them they this to was " +
    "were with about movie movies film films like some something any one where who what which when about me i my " +
    "want show find watch genres keywords directed starring"
  ).split(" "),
);

// Character trigrams were tried and dropped: a film's text yields ~200 of them, which in 384 dimensions made
// signed collisions cancel the word features that matter. Fewer features keep each word's own dimension readable.
const WEIGHTS = { word: 1, bigram: 0.3 };

/** FNV-1a, 32-bit. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function words(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0 && !STOP_WORDS.has(w))
    .map((w) => (w.length > 3 && w.endsWith("s") && !w.endsWith("ss") ? w.slice(0, -1) : w));
}

/** The raw (unnormalised) hashed feature vector; all zeros when the text has no usable word. */
export function hashedFeatures(text: string): Float64Array {
  const v = new Float64Array(DIMENSIONS);
  // Each feature lands in two dimensions (two seeds), so one collision with an opposite sign cannot erase it.
  const add = (feature: string, weight: number) => {
    for (const seed of ["a", "b"]) {
      const h = hash(`${seed}${feature}`);
      v[h % DIMENSIONS] += h & 0x80000000 ? -weight : weight;
    }
  };
  const ws = words(text);
  for (let i = 0; i < ws.length; i++) {
    add(`w:${ws[i]}`, WEIGHTS.word);
    if (i > 0) add(`b:${ws[i - 1]} ${ws[i]}`, WEIGHTS.bigram);
  }
  return v;
}

export class LocalEmbedder implements Embedder {
  readonly model = LOCAL_MODEL;
  readonly maxBatch = 1000;

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => {
      const v = hashedFeatures(text);
      if (v.every((x) => x === 0)) throw new EmbeddingError("text has no searchable words");
      return normalise(v);
    });
  }
}

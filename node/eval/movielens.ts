/**
 * MovieLens file readers, detected by content: ratings from `ratings.csv` (ml-latest*), `u.data` (ML-100K) or
 * `ratings.dat` (ML-1M); films from `movies.csv`, `u.item` or `movies.dat`. Pure functions over text.
 */

export interface MlRating {
  user: number;
  movie: number;
  rating: number;
  /** Unix seconds. */
  time: number;
}

export interface MlMovie {
  id: number;
  title: string;
  year: number | null;
  genres: string[];
}

export type RatingsFormat = "csv" | "u.data" | "dat";

export function detectRatingsFormat(text: string): RatingsFormat {
  const first = text.slice(0, text.indexOf("\n") >>> 0 || text.length);
  if (first.includes("::")) return "dat";
  if (first.includes("\t")) return "u.data";
  if (first.includes(",")) return "csv";
  throw new Error("unrecognised ratings file: expected ratings.csv, u.data or ratings.dat");
}

export function parseRatings(text: string): MlRating[] {
  const format = detectRatingsFormat(text);
  const separator = format === "dat" ? "::" : format === "u.data" ? "\t" : ",";
  const out: MlRating[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith("userId")) continue;
    const [u, m, r, t] = line.split(separator);
    const rating = Number(r);
    if (!Number.isFinite(rating)) throw new Error(`bad ratings line: ${line}`);
    out.push({ user: Number(u), movie: Number(m), rating, time: Number(t) || 0 });
  }
  return out;
}

/** Splits one CSV line, honouring double quotes. */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let current = "";
  let quoted = false;
  for (let k = 0; k < line.length; k++) {
    const ch = line[k];
    if (quoted) {
      if (ch === '"' && line[k + 1] === '"') {
        current += '"';
        k++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      fields.push(current);
      current = "";
    } else current += ch;
  }
  fields.push(current);
  return fields;
}

const U_ITEM_GENRES = [
  "unknown",
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

/** "Toy Story (1995)" -> title "Toy Story", year 1995. */
function splitTitle(raw: string): { title: string; year: number | null } {
  const match = /^(.*?)\s*\((\d{4})(?:[–-]\d{0,4})?\)\s*$/.exec(raw.trim());
  if (!match) return { title: raw.trim() || "Untitled", year: null };
  return { title: match[1] || raw.trim(), year: Number(match[2]) };
}

export function parseMovies(text: string): MlMovie[] {
  const lines = text.split(/\r?\n/).filter(Boolean);
  const out: MlMovie[] = [];
  for (const line of lines) {
    if (line.startsWith("movieId,")) continue;
    let id: number;
    let rawTitle: string;
    let genres: string[];
    if (line.includes("::")) {
      const [a, b, c] = line.split("::");
      id = Number(a);
      rawTitle = b;
      genres = (c ?? "").split("|");
    } else if (line.includes("|") && line.split("|").length >= 24) {
      const f = line.split("|");
      id = Number(f[0]);
      rawTitle = f[1];
      genres = U_ITEM_GENRES.filter((_, k) => f[5 + k] === "1");
    } else {
      const f = csvFields(line);
      id = Number(f[0]);
      rawTitle = f[1];
      genres = (f[2] ?? "").split("|");
    }
    if (!Number.isInteger(id)) throw new Error(`bad movies line: ${line}`);
    const { title, year } = splitTitle(rawTitle);
    out.push({
      id,
      title,
      year: year !== null && year >= 1870 && year <= 2200 ? year : null,
      genres: genres.filter((g) => g && g !== "(no genres listed)" && g !== "unknown"),
    });
  }
  return out;
}

/** A deterministic UUID for a MovieLens user id (so runs are comparable and the id is recognisable). */
export function mlUserUuid(user: number): string {
  return `00000000-0000-4000-8000-${user.toString(16).padStart(12, "0")}`;
}

/** mulberry32: a tiny seeded PRNG, enough for reproducible splits. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random split of ratings: each rating goes to training with probability `train`. */
export function randomSplit(ratings: MlRating[], train: number, seed: number): { train: MlRating[]; test: MlRating[] } {
  const random = seededRandom(seed);
  const out = { train: [] as MlRating[], test: [] as MlRating[] };
  for (const r of ratings) (random() < train ? out.train : out.test).push(r);
  return out;
}

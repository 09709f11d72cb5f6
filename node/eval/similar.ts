/**
 * The offline franchise check behind `marquee eval similar`: for every film of a hand-made franchise list
 * (node/eval/franchises.ts) that the catalogue holds, how many of its siblings reach its top k similar films
 * (get_similar_movies, the SQL function GET /v1/movies/{id}/similar serves). The list is the reference; the ranking
 * rule never reads it.
 *
 * Per film: hits = siblings among its top k, possible = min(siblings in the catalogue, k). A franchise's rate and
 * the overall rate are sums of hits over sums of possible (every sibling place counts once); beside it, the share
 * of films with at least one sibling in their top k.
 */
import type { SqlDatabase } from "../../functions/lib/db/port";
import type { Franchise } from "./franchises";

export interface FilmCheck {
  id: number;
  title: string;
  year: number | null;
  /** Siblings the catalogue holds. */
  siblings: number;
  hits: number;
  possible: number;
  /** The top k similar films, best first, with whether each is a sibling. */
  top: { id: number; title: string; sibling: boolean }[];
}

export interface FranchiseCheck {
  name: string;
  listed: number;
  /** Listed films the catalogue does not hold ("Title (year)"). */
  missing: string[];
  films: FilmCheck[];
  hits: number;
  possible: number;
  /** hits / possible; null when fewer than two of its films are in the catalogue. */
  rate: number | null;
  filmsWithSibling: number;
}

export interface SimilarCheck {
  k: number;
  franchises: FranchiseCheck[];
  /** Franchises counted (at least two films in the catalogue). */
  counted: number;
  films: number;
  hits: number;
  possible: number;
  rate: number | null;
  filmsWithSibling: number;
  ms: number;
}

export interface SimilarCheckOptions {
  /** How many similar films count (default 5). */
  k?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Finds each listed film in the catalogue: the same folded title (fold_title, on the title or the original title)
 * released within a year of the listed one, the nearest year and then the most voted first. Adult films never.
 */
export async function findFranchiseFilms(
  db: SqlDatabase,
  franchises: Franchise[],
): Promise<Map<string, { id: number; title: string; year: number | null }>> {
  const listed = franchises.flatMap((f) => f.films);
  const rows = await db.query<{ n: number; id: number; title: string; year: number | null }>(
    `with wanted as (
       select w.n::int as n, w.title, w.year, public.fold_title(w.title) as folded
       from unnest($1::text[], $2::int[]) with ordinality as w(title, year, n)
     ),
     found as (
       select w.n, w.year as wanted_year, m.id, m.title, m.release_year, m.vote_count
       from wanted w join public.movies m on public.fold_title(m.title) = w.folded
       union all
       select w.n, w.year, m.id, m.title, m.release_year, m.vote_count
       from wanted w join public.movies m on public.fold_title(m.original_title) = w.folded
     )
     select distinct on (f.n) f.n, f.id, f.title, f.release_year as year
     from found f join public.movies m on m.id = f.id
     where not m.adult and abs(coalesce(f.release_year, f.wanted_year) - f.wanted_year) <= 1
     order by f.n, abs(coalesce(f.release_year, f.wanted_year) - f.wanted_year), f.vote_count desc, f.id`,
    [listed.map((x) => x.title), listed.map((x) => x.year)],
  );
  const found = new Map<string, { id: number; title: string; year: number | null }>();
  for (const r of rows) {
    const film = listed[Number(r.n) - 1];
    found.set(filmKey(film), { id: Number(r.id), title: r.title, year: r.year === null ? null : Number(r.year) });
  }
  return found;
}

const filmKey = (film: { title: string; year: number }) => `${film.title} (${film.year})`;

export async function checkFranchises(
  db: SqlDatabase,
  franchises: Franchise[],
  options: SimilarCheckOptions = {},
): Promise<SimilarCheck> {
  const k = options.k ?? 5;
  const started = performance.now();
  const found = await findFranchiseFilms(db, franchises);
  const plan = franchises.map((franchise) => {
    const members = franchise.films.flatMap((film) => {
      const hit = found.get(filmKey(film));
      return hit ? [hit] : [];
    });
    const unique = [...new Map(members.map((m) => [m.id, m])).values()];
    return {
      franchise,
      members: unique.length >= 2 ? unique : [],
      missing: franchise.films.filter((film) => !found.has(filmKey(film))).map(filmKey),
    };
  });
  const total = plan.reduce((n, p) => n + p.members.length, 0);
  let done = 0;
  const results: FranchiseCheck[] = [];
  for (const { franchise, members, missing } of plan) {
    const ids = new Set(members.map((m) => m.id));
    const films: FilmCheck[] = [];
    for (const member of members) {
      const rows = await db.rpc("get_similar_movies", { p_movie_id: member.id, p_limit: k });
      const top = rows.map((r) => {
        const id = Number(r.movie?.id);
        return { id, title: r.movie?.title ?? `#${id}`, sibling: id !== member.id && ids.has(id) };
      });
      const siblings = ids.size - 1;
      films.push({
        ...member,
        siblings,
        hits: top.filter((t) => t.sibling).length,
        possible: Math.min(siblings, k),
        top,
      });
      options.onProgress?.(++done, total);
    }
    const hits = sum(films.map((x) => x.hits));
    const possible = sum(films.map((x) => x.possible));
    results.push({
      name: franchise.name,
      listed: franchise.films.length,
      missing,
      films,
      hits,
      possible,
      rate: possible > 0 ? hits / possible : null,
      filmsWithSibling: films.filter((x) => x.hits > 0).length,
    });
  }
  const counted = results.filter((r) => r.rate !== null);
  const hits = sum(counted.map((r) => r.hits));
  const possible = sum(counted.map((r) => r.possible));
  return {
    k,
    franchises: results,
    counted: counted.length,
    films: sum(counted.map((r) => r.films.length)),
    hits,
    possible,
    rate: possible > 0 ? hits / possible : null,
    filmsWithSibling: sum(counted.map((r) => r.filmsWithSibling)),
    ms: Math.round(performance.now() - started),
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)}%`);

/** A table per franchise, then the overall figures; `verbose` adds every film's top k with its siblings marked. */
export function formatSimilarCheck(c: SimilarCheck, options: { verbose?: boolean } = {}): string {
  const header = ["franchise", "films", `siblings in top ${c.k}`, "rate", "films with one"];
  const rows = c.franchises.map((f) =>
    f.rate === null
      ? [f.name, `${f.films.length}/${f.listed}`, "not in the catalogue", "-", "-"]
      : [f.name, `${f.films.length}/${f.listed}`, `${f.hits}/${f.possible}`, pct(f.rate), `${f.filmsWithSibling}`],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
  if (options.verbose) {
    out.push("");
    for (const f of c.franchises) {
      for (const film of f.films) {
        const top = film.top.map((t) => (t.sibling ? `*${t.title}` : t.title)).join(" | ");
        out.push(`${film.title} (${film.year ?? "?"}) ${film.hits}/${film.possible}: ${top}`);
      }
    }
    out.push("(* a sibling)");
  }
  out.push(
    "",
    `siblings in the top ${c.k}: ${c.hits} of ${c.possible} places (${pct(c.rate)}) over ${c.films} films of ${c.counted} franchises`,
    `films with at least one sibling in the top ${c.k}: ${c.filmsWithSibling} of ${c.films} (${pct(c.films ? c.filmsWithSibling / c.films : null)})`,
    `checked in ${(c.ms / 1000).toFixed(1)} s`,
  );
  return out.join("\n");
}

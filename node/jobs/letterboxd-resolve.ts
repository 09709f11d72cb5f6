/**
 * The background step that resolves imported Letterboxd films the catalogue did not have: each one is looked up
 * through TMDB search (/search/movie with its year, then ±1 year), the candidate whose folded title or original
 * title equals the row's (fold_title, the matcher's own rule) is fetched and stored by the TMDB sync's own code
 * (`syncTmdb` in ids mode), and the signals kept for it are applied (resolve_letterboxd_film). Never inside an
 * upload request. Safe to re-run: a resolved film leaves the pending list; a film TMDB does not know stays
 * unmatched and is tried again by the next run.
 */
import type { SqlDatabase } from "../../functions/lib/db/port";
import type { TmdbClient } from "../../functions/lib/tmdb/client";
import { type SyncOptions, syncTmdb } from "./tmdb-sync";

export interface ResolveSummary {
  pending: number;
  searched: number;
  found: number;
  fetched: number;
  resolved: number;
  applied: number;
}

async function folded(db: SqlDatabase, titles: string[]): Promise<string[]> {
  const rows = await db.query<{ t: string | null }>(
    "select public.fold_title(x) as t from unnest($1::text[]) with ordinality as u(x, n) order by n",
    [titles],
  );
  return rows.map((r) => r.t ?? "");
}

export async function resolveLetterboxdFilms(
  db: SqlDatabase,
  client: TmdbClient,
  options: { limit?: number; sync: SyncOptions },
): Promise<ResolveSummary> {
  const pending = await db.rpc("list_pending_letterboxd_films", { p_limit: options.limit ?? 500 });
  const summary: ResolveSummary = {
    pending: pending.length,
    searched: 0,
    found: 0,
    fetched: 0,
    resolved: 0,
    applied: 0,
  };
  // One search per distinct film, however many users imported it.
  const films = new Map<string, { name: string; year: number | null; tmdbId?: number }>();
  for (const p of pending) {
    const key = String(p.film_key);
    if (!films.has(key)) films.set(key, { name: String(p.name), year: p.year === null ? null : Number(p.year) });
  }
  for (const film of films.values()) {
    const [wanted] = await folded(db, [film.name]);
    const attempts = film.year ? [film.year, film.year - 1, film.year + 1] : [null];
    for (const year of attempts) {
      summary.searched++;
      const results = await client.searchMovie(film.name, year);
      const names = await folded(
        db,
        results.flatMap((r) => [r.title ?? "", r.original_title ?? ""]),
      );
      const hit = results.find((_, i) => names[2 * i] === wanted || names[2 * i + 1] === wanted);
      if (hit) {
        film.tmdbId = hit.id;
        summary.found++;
        break;
      }
    }
  }
  const ids = [...new Set([...films.values()].flatMap((f) => (f.tmdbId ? [f.tmdbId] : [])))];
  const held = new Set(
    (await db.query<{ id: number }>("select id from public.movies where id = any($1::int[])", [ids])).map((r) => r.id),
  );
  const missing = ids.filter((id) => !held.has(id));
  if (missing.length > 0) {
    const runs = await syncTmdb(db, client, { mode: "ids", ids: missing }, options.sync);
    summary.fetched = runs.reduce((n, r) => n + r.inserted + r.updated + r.unchanged, 0);
  }
  const stored = new Set(
    (await db.query<{ id: number }>("select id from public.movies where id = any($1::int[]) and not adult", [ids])).map(
      (r) => r.id,
    ),
  );
  for (const p of pending) {
    const id = films.get(String(p.film_key))?.tmdbId;
    if (!id || !stored.has(id)) continue;
    const [r] = await db.rpc("resolve_letterboxd_film", {
      p_import_id: String(p.import_id),
      p_film_key: String(p.film_key),
      p_movie_id: id,
    });
    if (r?.resolved) summary.resolved++;
    summary.applied += Number(r?.applied ?? 0);
  }
  return summary;
}

/**
 * `marquee jobs trending`: refreshes movie_trending_stats (per-film rating counts and means over the last 7, 30 and
 * 365 days) and then movie_popularity (the scored lists popular reads) between nightly runs, so the trending windows
 * end minutes ago rather than at the last nightly refresh.
 * Concurrent refresh: trending keeps reading the previous contents while the new ones are computed. Cheap (one
 * aggregate over the last year of ratings), safe to re-run, and independent of the nightly job's tables.
 */
import type { SqlDatabase } from "../../functions/lib/db/port";

export interface TrendingSummary {
  /** Films with ratings in each window, after the refresh. */
  windows: { days: number; films: number; ratings: number }[];
  refreshedAt: string;
  ms: number;
}

export async function refreshTrending(db: SqlDatabase): Promise<TrendingSummary> {
  const started = performance.now();
  await db.exec("refresh materialized view concurrently public.movie_trending_stats");
  // The scored lists read the windows: refreshed after them, so popular serves the new windows at once.
  await db.exec("refresh materialized view concurrently public.movie_popularity");
  const rows = await db.query<{ days: number; films: number; ratings: number; at: string | null }>(
    `select w.days, count(t.movie_id)::int as films, coalesce(sum(t.rating_count), 0)::int as ratings,
            max(t.refreshed_at)::text as at
     from (values (7), (30), (365)) w(days)
     left join public.movie_trending_stats t on t.window_days = w.days
     group by w.days order by w.days`,
  );
  const [now] = await db.query<{ at: string }>("select now()::text as at");
  return {
    windows: rows.map((r) => ({ days: Number(r.days), films: Number(r.films), ratings: Number(r.ratings) })),
    refreshedAt: rows.find((r) => r.at)?.at ?? now.at,
    ms: Math.round(performance.now() - started),
  };
}

export function formatTrendingSummary(s: TrendingSummary): string {
  const windows = s.windows.map((w) => `${w.days} days ${w.films} films (${w.ratings} ratings)`).join(", ");
  return `trending: ${windows}; refreshed at ${s.refreshedAt} in ${s.ms} ms`;
}

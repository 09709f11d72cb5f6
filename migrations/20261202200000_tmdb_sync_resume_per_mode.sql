-- TMDB sync, issue 10: runs resume exactly where they stopped, and one run per mode may be unfinished at a time.
-- * tmdb_sync_runs.listing_total_pages: the page count of the list (or changes window) being walked, saved with
--   each page, so a resumed run knows how far the window goes (before, a resumed window ran zero pages).
-- * tmdb_sync_runs.error: why a run failed or stopped, for the operator.
-- * One unfinished run per mode (was: one in all). Each run owns its queue rows, so an unfinished initial load and
--   a daily changes run cannot take each other's films: the queue key becomes (run_id, movie_id).
-- * tmdb_queue_movies replaces tmdb_enqueue_movies: it returns the ids it queued, so the job can start fetching
--   them while later pages are still being listed.

alter table public.tmdb_sync_runs
  add column listing_total_pages integer check (listing_total_pages >= 0),
  add column error text;
comment on column public.tmdb_sync_runs.listing_total_pages is 'Page count of the list (initial) or current changes window, capped at 500 and at the run''s limit; saved with each listed page so a resumed run walks the rest of the window. Null until the first page of the window is listed.';
comment on column public.tmdb_sync_runs.error is 'Why the run failed or last stopped unfinished (e.g. HTTP 401, a list page that kept failing, the time budget). Null when it succeeded.';
comment on table public.tmdb_sync_runs is 'One row per TMDB sync run. At most one run per mode is running; an invocation of that mode resumes it. A run that failed before any progress (e.g. HTTP 401) is closed as failed.';

drop index public.tmdb_sync_runs_one_running_idx;
-- One unfinished run per mode: initial, changes and ids runs are independent (own queue rows, own cursor).
create unique index tmdb_sync_runs_one_running_per_mode_idx on public.tmdb_sync_runs (mode) where status = 'running';

alter table public.tmdb_sync_queue drop constraint tmdb_sync_queue_pkey;
alter table public.tmdb_sync_queue add primary key (run_id, movie_id);
comment on table public.tmdb_sync_queue is 'Film ids a TMDB sync run must fetch, with the outcome of each. One row per run and film: listing the same id twice in a run cannot duplicate work, and runs of different modes never share a row.';
create index tmdb_sync_queue_movie_idx on public.tmdb_sync_queue (movie_id);

drop function public.tmdb_enqueue_movies(bigint, integer[]);

-- tmdb_queue_movies: adds film ids to a run's queue.
--   p_run_id   the run
--   p_ids      TMDB ids; ids the run already holds (pending or finished) are left as they are
-- Returns the ids newly queued (pending), in ascending order. Security: invoker (jobs only).
create or replace function public.tmdb_queue_movies(p_run_id bigint, p_ids integer[])
returns table (movie_id integer)
language sql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  insert into public.tmdb_sync_queue as q (movie_id, run_id)
  select distinct i, p_run_id from unnest(p_ids) as i where i > 0
  order by 1
  on conflict (run_id, movie_id) do nothing
  returning q.movie_id
$$;
comment on function public.tmdb_queue_movies is 'Queues film ids for a TMDB sync run (idempotent); returns the ids newly queued.';

-- tmdb_start_run_queue: hands the new run the films earlier finished runs could not fetch (failed, attempts < p_max_attempts)
-- and clears the queue rows of finished runs (their outcome is history). Rows of unfinished runs of other modes
-- are left alone.
--   p_run_id        the new run
--   p_max_attempts  films that failed this many runs are given up
-- Returns the number of films carried over. Security: invoker (jobs only).
create or replace function public.tmdb_start_run_queue(p_run_id bigint, p_max_attempts integer)
returns table (carried integer)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_carried integer;
begin
  insert into public.tmdb_sync_queue (movie_id, run_id, attempts)
  select distinct on (q.movie_id) q.movie_id, p_run_id, q.attempts
  from public.tmdb_sync_queue q join public.tmdb_sync_runs r on r.id = q.run_id
  where r.status <> 'running' and q.status = 'failed' and q.attempts < p_max_attempts
  order by q.movie_id, q.attempts desc
  on conflict (run_id, movie_id) do nothing;
  get diagnostics v_carried = row_count;
  delete from public.tmdb_sync_queue q using public.tmdb_sync_runs r where r.id = q.run_id and r.status <> 'running';
  return query select v_carried;
end
$$;
comment on function public.tmdb_start_run_queue is 'Carries failed films of finished TMDB sync runs into a new run and clears finished runs'' queue rows.';

revoke execute on function public.tmdb_queue_movies, public.tmdb_start_run_queue from public;
grant execute on function public.tmdb_queue_movies, public.tmdb_start_run_queue to service_role;

-- TMDB sync: the job's state, runs and queue, and the functions the daily sync writes the catalogue through.
--
-- The current definition of these objects (declared schema). Change them here, then run
-- `npx marquee schema diff <name>` to write the migration; `git log -p` on this file is their history.

create table public.tmdb_sync_state (
  key text primary key,
  value text not null,
  updated_at timestamptz not null default now()
);

comment on table public.tmdb_sync_state is 'Key/value state of the TMDB sync job. changes_cursor: the date (YYYY-MM-DD) up to which /movie/changes has been fully applied.';

comment on column public.tmdb_sync_state.updated_at is 'When the value last changed.';

comment on column public.tmdb_sync_state.value is 'State value, as text.';

comment on column public.tmdb_sync_state.key is 'State name (for example changes_cursor).';

create table public.tmdb_sync_runs (
  id bigint generated always as identity primary key,
  mode text not null check (mode in ('initial', 'changes', 'ids')),
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
  params jsonb not null default '{}',
  listing_done boolean not null default false,
  listing_window_start date,
  listing_page integer not null default 0 check (listing_page >= 0),
  changes_until date,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  listing_total_pages integer check (listing_total_pages >= 0),
  error text
);

comment on table public.tmdb_sync_runs is 'One row per TMDB sync run. At most one run per mode is running; an invocation of that mode resumes it. A run that failed before any progress (e.g. HTTP 401) is closed as failed.';

comment on column public.tmdb_sync_runs.listing_total_pages is 'Page count of the list (initial) or current changes window, capped at 500 and at the run''s limit; saved with each listed page so a resumed run walks the rest of the window. Null until the first page of the window is listed.';

comment on column public.tmdb_sync_runs.error is 'Why the run failed or last stopped unfinished (e.g. HTTP 401, a list page that kept failing, the time budget). Null when it succeeded.';

comment on column public.tmdb_sync_runs.finished_at is 'When the run ended; null while running.';

comment on column public.tmdb_sync_runs.started_at is 'When the run started.';

comment on column public.tmdb_sync_runs.status is 'running, succeeded or failed.';

comment on column public.tmdb_sync_runs.mode is 'initial (whole catalogue), changes (TMDB''s change lists since the cursor) or ids (given films).';

comment on column public.tmdb_sync_runs.id is 'Run id (identity).';

comment on column public.tmdb_sync_runs.params is 'What the run was asked to do (limit, source, ids, since), so a resumed run does the same work.';

comment on column public.tmdb_sync_runs.listing_done is 'True once every id the run must fetch is in tmdb_sync_queue.';

comment on column public.tmdb_sync_runs.listing_window_start is 'changes mode: start date of the 14-day window being listed.';

comment on column public.tmdb_sync_runs.listing_page is 'Last list page (of the current window) whose ids are already queued; listing resumes after it.';

comment on column public.tmdb_sync_runs.changes_until is 'changes mode: the end date; becomes tmdb_sync_state.changes_cursor when the run succeeds.';

-- One unfinished run per mode: initial, changes and ids runs are independent (own queue rows, own cursor).
create unique index tmdb_sync_runs_one_running_per_mode_idx on public.tmdb_sync_runs (mode) where status = 'running';

create table public.tmdb_sync_queue (
  movie_id integer not null check (movie_id > 0),
  run_id bigint not null references public.tmdb_sync_runs (id) on delete cascade,
  status text not null default 'pending'
    check (status in ('pending', 'inserted', 'updated', 'unchanged', 'skipped', 'failed')),
  attempts integer not null default 0,
  detail text,
  updated_at timestamptz not null default now(),
  primary key (run_id, movie_id)
);

comment on table public.tmdb_sync_queue is 'Film ids a TMDB sync run must fetch, with the outcome of each. One row per run and film: listing the same id twice in a run cannot duplicate work, and runs of different modes never share a row.';

comment on column public.tmdb_sync_queue.updated_at is 'Last change of the queue entry.';

comment on column public.tmdb_sync_queue.run_id is 'The sync run that queued it (tmdb_sync_runs.id).';

comment on column public.tmdb_sync_queue.movie_id is 'TMDB film id to fetch.';

comment on column public.tmdb_sync_queue.status is 'pending (to fetch), inserted, updated, unchanged, skipped (adult or gone from TMDB), failed (see detail; retried by later runs).';

comment on column public.tmdb_sync_queue.attempts is 'Failed attempts so far; later runs retry failed ids while attempts < 3.';

comment on column public.tmdb_sync_queue.detail is 'Why a film was skipped or failed (HTTP status, malformed body, adult, deleted).';

create index tmdb_sync_queue_run_idx on public.tmdb_sync_queue (run_id, status, movie_id);

create index tmdb_sync_queue_movie_idx on public.tmdb_sync_queue (movie_id);

alter table public.tmdb_sync_state enable row level security;

alter table public.tmdb_sync_runs enable row level security;

alter table public.tmdb_sync_queue enable row level security;

grant all on public.tmdb_sync_state, public.tmdb_sync_runs, public.tmdb_sync_queue to service_role;

grant usage, select on sequence public.tmdb_sync_runs_id_seq to service_role;

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

-- tmdb_upsert_genres: inserts or renames genres from /genre/movie/list ([{"id":28,"name":"Action"}, ...]).
-- Returns how many rows changed. Security: invoker (jobs only).
create or replace function public.tmdb_upsert_genres(p_genres jsonb)
returns table (changed integer)
language sql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  with upserted as (
    insert into public.genres as g (id, name)
    select (x ->> 'id')::integer, x ->> 'name' from jsonb_array_elements(p_genres) as x
    on conflict (id) do update set name = excluded.name where g.name <> excluded.name
    returning 1
  )
  select count(*)::integer from upserted
$$;

comment on function public.tmdb_upsert_genres is 'Upserts the TMDB genre list (TMDB sync).';

-- tmdb_upsert_movie: writes one film fetched from TMDB and records the outcome in the queue, atomically.
--   p_run_id  the run whose queue row is completed
--   p_movie   the mapped film (keys are movies column names; see functions/lib/tmdb/map.ts)
-- Adult films are never inserted; a film we hold that TMDB now marks adult is flagged adult (hidden from every
-- API read) rather than deleted, so users' ratings of it survive. A film whose fields all equal what we hold is
-- left untouched ('unchanged'), so updated_at and caches stay put.
-- Returns the outcome: inserted | updated | unchanged | skipped. Security: invoker (jobs only).
create or replace function public.tmdb_upsert_movie(p_run_id bigint, p_movie jsonb)
returns table (outcome text)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_id integer := (p_movie ->> 'id')::integer;
  v_outcome text;
  v_inserted boolean;
begin
  if coalesce((p_movie ->> 'adult')::boolean, false) then
    update public.movies set adult = true, tmdb_synced_at = now() where id = v_id and not adult;
    v_outcome := 'skipped';
  else
    insert into public.movies as m (
      id, title, original_title, release_date, release_year, runtime, original_language, genres, keywords,
      cast_names, director, overview, popularity, vote_average, vote_count, poster_path, imdb_id, adult,
      tmdb_synced_at, collection_id, collection_name
    )
    select r.id, r.title, r.original_title, r.release_date, extract(year from r.release_date)::smallint, r.runtime,
           r.original_language, r.genres, r.keywords, r.cast_names, r.director, r.overview, r.popularity,
           r.vote_average, r.vote_count, r.poster_path, r.imdb_id, false, now(), r.collection_id, r.collection_name
    from jsonb_to_record(p_movie) as r(
      id integer, title text, original_title text, release_date date, runtime smallint, original_language text,
      genres text[], keywords text[], cast_names text[], director text, overview text, popularity real,
      vote_average real, vote_count integer, poster_path text, imdb_id text, collection_id integer,
      collection_name text
    )
    on conflict (id) do update set
      title = excluded.title, original_title = excluded.original_title, release_date = excluded.release_date,
      release_year = excluded.release_year, runtime = excluded.runtime,
      original_language = excluded.original_language, genres = excluded.genres, keywords = excluded.keywords,
      cast_names = excluded.cast_names, director = excluded.director, overview = excluded.overview,
      popularity = excluded.popularity, vote_average = excluded.vote_average, vote_count = excluded.vote_count,
      poster_path = excluded.poster_path, imdb_id = excluded.imdb_id, adult = false,
      tmdb_synced_at = excluded.tmdb_synced_at, collection_id = excluded.collection_id,
      collection_name = excluded.collection_name
    where (m.title, m.original_title, m.release_date, m.runtime, m.original_language, m.genres, m.keywords,
           m.cast_names, m.director, m.overview, m.popularity, m.vote_average, m.vote_count, m.poster_path,
           m.imdb_id, m.adult, m.collection_id, m.collection_name)
      is distinct from
          (excluded.title, excluded.original_title, excluded.release_date, excluded.runtime,
           excluded.original_language, excluded.genres, excluded.keywords, excluded.cast_names, excluded.director,
           excluded.overview, excluded.popularity, excluded.vote_average, excluded.vote_count, excluded.poster_path,
           excluded.imdb_id, false, excluded.collection_id, excluded.collection_name)
    returning (xmax = 0) into v_inserted;
    v_outcome := case when v_inserted is null then 'unchanged' when v_inserted then 'inserted' else 'updated' end;
  end if;
  update public.tmdb_sync_queue
     set status = v_outcome, detail = case when v_outcome = 'skipped' then 'adult' end, updated_at = now()
   where movie_id = v_id and run_id = p_run_id;
  return query select v_outcome;
end
$$;

comment on function public.tmdb_upsert_movie is 'Writes one TMDB film and completes its queue row in one statement (TMDB sync).';

-- tmdb_forget_movie: TMDB answered 404 for a film (deleted or merged). The film is removed from the catalogue
-- unless users have rated or interacted with it; then it is kept as it was, so no user data is lost.
-- Returns 'deleted', 'kept' or 'absent'; the queue row becomes skipped with that reason. Security: invoker (jobs only).
create or replace function public.tmdb_forget_movie(p_run_id bigint, p_movie_id integer)
returns table (outcome text)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_outcome text;
begin
  if not exists (select 1 from public.movies where id = p_movie_id) then
    v_outcome := 'absent';
  elsif exists (select 1 from public.ratings where movie_id = p_movie_id)
     or exists (select 1 from public.interactions where movie_id = p_movie_id) then
    v_outcome := 'kept';
  else
    delete from public.movies where id = p_movie_id;
    v_outcome := 'deleted';
  end if;
  update public.tmdb_sync_queue
     set status = 'skipped', detail = 'not found on TMDB (' || v_outcome || ')', updated_at = now()
   where movie_id = p_movie_id and run_id = p_run_id;
  return query select v_outcome;
end
$$;

comment on function public.tmdb_forget_movie is 'Handles a film TMDB no longer has (404): delete unless users hold data about it.';

-- tmdb_fail_movie: records a failed fetch (after retries) or a malformed body; the id stays queued as failed and
-- later runs retry it while attempts < 3. Security: invoker (jobs only).
create or replace function public.tmdb_fail_movie(p_run_id bigint, p_movie_id integer, p_detail text)
returns table (attempts integer)
language sql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  update public.tmdb_sync_queue
     set status = 'failed', attempts = tmdb_sync_queue.attempts + 1, detail = left(p_detail, 500), updated_at = now()
   where movie_id = p_movie_id and run_id = p_run_id
  returning tmdb_sync_queue.attempts
$$;

comment on function public.tmdb_fail_movie is 'Records a film the TMDB sync could not fetch or parse.';

-- tmdb_sync_counts: outcome counts of one run's queue, for progress and the summary line. Security: invoker.
create or replace function public.tmdb_sync_counts(p_run_id bigint)
returns table (pending integer, inserted integer, updated integer, unchanged integer, skipped integer, failed integer)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select count(*) filter (where status = 'pending')::integer,
         count(*) filter (where status = 'inserted')::integer,
         count(*) filter (where status = 'updated')::integer,
         count(*) filter (where status = 'unchanged')::integer,
         count(*) filter (where status = 'skipped')::integer,
         count(*) filter (where status = 'failed')::integer
  from public.tmdb_sync_queue where run_id = p_run_id
$$;

comment on function public.tmdb_sync_counts is 'Per-outcome counts of a TMDB sync run.';

revoke execute on function public.tmdb_upsert_genres, public.tmdb_upsert_movie,
  public.tmdb_forget_movie, public.tmdb_fail_movie, public.tmdb_sync_counts from public;

grant execute on function public.tmdb_upsert_genres, public.tmdb_upsert_movie,
  public.tmdb_forget_movie, public.tmdb_fail_movie, public.tmdb_sync_counts to service_role;

-- Letterboxd users: title folding and film matching, the import record (letterboxd_imports and its films), the
-- watch history that diary entries fill, public profiles reachable by username, and taste groups.
--
-- The current definition of these objects (declared schema). Change them here, then run
-- `npx marquee schema diff <name>` to write the migration; `git log -p` on this file is their history.

-- match_letterboxd_films: the catalogue film of each Letterboxd row (name, year), matched set-wise so that a
-- batch of an export costs one plan. For each row, the first rule that finds a film wins: the folded title with
-- the same year; the folded original title with the same year; either with the year one off (festival premiere
-- against release); among several, the most voted. A row without a year matches only a title that is unique in
-- the catalogue. Adult films never match. Rows with no match are left out.
--   p_names, p_years   parallel arrays; n in the result is the 1-based position
--   match   exact | original_title | year_window | title_only
create or replace function public.match_letterboxd_films(p_names text[], p_years integer[])
returns table (n integer, movie_id integer, match text)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  with input as (
    select x.n::integer as n, public.fold_title(x.name) as t, x.year as y
    from unnest(p_names, p_years) with ordinality as x(name, year, n)
  ), candidates as (
    select i.n, m.id, 1 as pass, m.vote_count
    from input i join public.movies m on m.folded_title = i.t and m.release_year = i.y
    where not m.adult
    union all
    select i.n, m.id, 2, m.vote_count
    from input i join public.movies m on m.folded_original_title = i.t and m.release_year = i.y
    where not m.adult
    union all
    select i.n, m.id, 3, m.vote_count
    from input i join public.movies m on m.folded_title = i.t
      and m.release_year between i.y - 1 and i.y + 1 and m.release_year <> i.y
    where not m.adult
    union all
    select i.n, m.id, 3, m.vote_count
    from input i join public.movies m on m.folded_original_title = i.t
      and m.release_year between i.y - 1 and i.y + 1 and m.release_year <> i.y
    where not m.adult
    union all
    select i.n, min(m.id), 4, 0
    from input i join public.movies m on m.folded_title = i.t
    where i.y is null and not m.adult
    group by i.n
    having count(*) = 1
  )
  select distinct on (c.n) c.n, c.id,
    case c.pass when 1 then 'exact' when 2 then 'original_title' when 3 then 'year_window' else 'title_only' end
  from candidates c
  order by c.n, c.pass, c.vote_count desc, c.id
$$;

comment on function public.match_letterboxd_films is 'The catalogue films of a batch of Letterboxd rows by folded title (or original title) and year, ±1 year (Letterboxd import).';

revoke execute on function public.match_letterboxd_films(text[], integer[]) from public;

grant execute on function public.match_letterboxd_films(text[], integer[]) to authenticated, service_role;

create table public.letterboxd_imports (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  status text not null default 'running' check (status in ('running', 'done', 'failed')),
  files text[] not null default '{}',
  rows_read integer not null default 0 check (rows_read >= 0),
  error text check (length(error) <= 500),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);

comment on table public.letterboxd_imports is 'One Letterboxd export import (POST /v1/imports/letterboxd, marquee import letterboxd). Its films are in letterboxd_import_films; the counts are computed from them. Each user sees only their own.';

comment on column public.letterboxd_imports.id is 'Import id (GET /v1/imports/{id}).';

comment on column public.letterboxd_imports.user_id is 'Whose export it is (users.id).';

comment on column public.letterboxd_imports.status is 'running (rows are being applied), done, or failed (see error); a running import left by a crash is finished by importing the same export again.';

comment on column public.letterboxd_imports.files is 'The export files read (ratings.csv, likes/films.csv, ...).';

comment on column public.letterboxd_imports.rows_read is 'CSV data rows read from the export.';

comment on column public.letterboxd_imports.error is 'Why the import failed (a message fit for the user).';

comment on column public.letterboxd_imports.created_at is 'When the import started.';

comment on column public.letterboxd_imports.updated_at is 'Last progress.';

comment on column public.letterboxd_imports.finished_at is 'When it finished (done or failed).';

create index letterboxd_imports_user_idx on public.letterboxd_imports (user_id, created_at desc);

create trigger letterboxd_imports_touch_updated_at before update on public.letterboxd_imports
  for each row execute function public.touch_updated_at();

create table public.letterboxd_import_films (
  import_id uuid not null references public.letterboxd_imports (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  film_key text not null check (length(film_key) <= 600),
  name text not null check (length(name) <= 500),
  year smallint,
  letterboxd_uri text check (length(letterboxd_uri) <= 200),
  movie_id integer references public.movies (id) on delete set null,
  match text not null check (match in ('exact', 'original_title', 'year_window', 'title_only', 'tmdb', 'unmatched')),
  pending jsonb not null default '[]' check (jsonb_typeof(pending) = 'array'),
  primary key (import_id, film_key)
);

comment on table public.letterboxd_import_films is 'Each distinct film of an import, how it was matched, and, while unmatched, the signals waiting for it (applied when the TMDB resolution step adds the film). Each user sees only their own.';

comment on column public.letterboxd_import_films.import_id is 'The import (letterboxd_imports.id).';

comment on column public.letterboxd_import_films.user_id is 'Whose export it is (users.id).';

comment on column public.letterboxd_import_films.film_key is 'fold_title(name) || ''|'' || year: one film across the export''s files (diary and review URIs name entries, not films).';

comment on column public.letterboxd_import_films.name is 'Title as Letterboxd wrote it.';

comment on column public.letterboxd_import_films.year is 'Year as Letterboxd wrote it (null when blank).';

comment on column public.letterboxd_import_films.letterboxd_uri is 'A film URI from ratings, watched, watchlist or likes (https://boxd.it/...), when one was seen.';

comment on column public.letterboxd_import_films.movie_id is 'The catalogue film it matched (movies.id); null while unmatched.';

comment on column public.letterboxd_import_films.match is 'How: exact, original_title, year_window (±1 year), title_only (no year, unique title), tmdb (added by the resolution step) or unmatched.';

comment on column public.letterboxd_import_films.pending is 'Signals of an unmatched film, kept so that the resolution step can apply them: [{kind, date, rating, watched_date, rewatch, ref}].';

create index letterboxd_import_films_unmatched_idx on public.letterboxd_import_films (import_id)
  where movie_id is null;

create table public.watch_history (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  movie_id integer not null references public.movies (id) on delete cascade,
  watched_on date not null,
  rewatch boolean not null default false,
  source text not null default 'marquee' check (source in ('marquee', 'letterboxd')),
  source_ref text check (length(source_ref) <= 200),
  created_at timestamptz not null default now()
);

comment on table public.watch_history is 'Every viewing with its date, rewatches included (Letterboxd diary entries). The seen interaction says only that a film was seen, once. Each user sees only their own.';

comment on column public.watch_history.id is 'Row id (identity).';

comment on column public.watch_history.user_id is 'Who watched (users.id).';

comment on column public.watch_history.movie_id is 'The film watched (movies.id).';

comment on column public.watch_history.watched_on is 'The day it was watched (Letterboxd "Watched Date").';

comment on column public.watch_history.rewatch is 'A rewatch, as the diary says.';

comment on column public.watch_history.source is 'Where the entry came from: marquee or letterboxd.';

comment on column public.watch_history.source_ref is 'The Letterboxd diary entry URI: one row per entry, so re-importing adds nothing.';

comment on column public.watch_history.created_at is 'When the row was written.';

create unique index watch_history_source_ref_key on public.watch_history (user_id, source_ref)
  where source_ref is not null;

create index watch_history_user_idx on public.watch_history (user_id, watched_on desc);

create table public.taste_groups (
  id integer primary key,
  label text not null check (length(label) between 1 and 200),
  size integer not null check (size >= 0),
  top_genres text[] not null default '{}',
  top_decades text[] not null default '{}',
  top_directors text[] not null default '{}',
  characteristic_movie_ids integer[] not null default '{}',
  silhouette real,
  k integer not null check (k >= 1),
  factors text not null check (factors in ('learned', 'svd')),
  computed_at timestamptz not null default now()
);

comment on table public.taste_groups is 'Taste groups: KMeans clusters of users over latent factors, k chosen by silhouette; replaced as a whole by the nightly job. Aggregates only, readable by anyone.';

comment on column public.taste_groups.id is 'Group number, 1..k (GET /v1/taste-groups/{id}).';

comment on column public.taste_groups.label is 'Generated from the group''s most over-represented decades, genres and directors ("1970s crime and drama").';

comment on column public.taste_groups.size is 'Users in the group.';

comment on column public.taste_groups.top_genres is 'Genres most over-represented in the group''s liked films (lift over all users).';

comment on column public.taste_groups.top_decades is 'Decades most over-represented ("1970s").';

comment on column public.taste_groups.top_directors is 'Directors most over-represented.';

comment on column public.taste_groups.characteristic_movie_ids is 'Films the group likes far more than everyone (lift, with a minimum support), best first.';

comment on column public.taste_groups.silhouette is 'Mean silhouette of the chosen clustering on the sample it was chosen on (-1..1; higher is better separated).';

comment on column public.taste_groups.k is 'Number of groups chosen.';

comment on column public.taste_groups.factors is 'What users were clustered on: learned factors, or svd of the centred ratings.';

comment on column public.taste_groups.computed_at is 'When the nightly job computed it.';

create table public.user_taste_groups (
  user_id uuid primary key references public.users (id) on delete cascade,
  group_id integer not null references public.taste_groups (id) on delete cascade,
  distance real not null,
  computed_at timestamptz not null default now()
);

comment on table public.user_taste_groups is 'Each clustered user''s taste group. Each user sees only their own.';

comment on column public.user_taste_groups.user_id is 'The user (users.id).';

comment on column public.user_taste_groups.group_id is 'Their group (taste_groups.id).';

comment on column public.user_taste_groups.distance is 'Distance to the group''s centroid in factor space.';

comment on column public.user_taste_groups.computed_at is 'When it was assigned.';

alter table public.letterboxd_imports enable row level security;

alter table public.letterboxd_import_films enable row level security;

alter table public.watch_history enable row level security;

alter table public.taste_groups enable row level security;

alter table public.user_taste_groups enable row level security;

create policy "Users can read their own imports" on public.letterboxd_imports
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Users can read their own imported films" on public.letterboxd_import_films
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Users can read their own watch history" on public.watch_history
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Anyone can read taste groups" on public.taste_groups for select to anon, authenticated using (true);

create policy "Users can read their own taste group" on public.user_taste_groups
  for select to authenticated using (user_id = (select auth.uid()));

grant select on public.letterboxd_imports, public.letterboxd_import_films, public.watch_history,
  public.user_taste_groups to authenticated;

grant select on public.taste_groups to anon, authenticated;

grant all on public.letterboxd_imports, public.letterboxd_import_films, public.watch_history, public.taste_groups,
  public.user_taste_groups to service_role;

grant usage, select on sequence public.watch_history_id_seq to service_role;

-- Account deletion (delete_account) walks personal_data_columns, which the account-lifecycle work adds; list this
-- file's user-id columns there when it exists. Every one also cascades from public.users.
do $$
begin
  if to_regclass('public.personal_data_columns') is not null then
    insert into public.personal_data_columns (table_name, column_name, match, note) values
      ('letterboxd_imports', 'user_id', 'equals', 'the user''s Letterboxd imports'),
      ('letterboxd_import_films', 'user_id', 'equals', 'the films of the user''s imports, with signals kept for unmatched ones'),
      ('watch_history', 'user_id', 'equals', 'the user''s dated viewings (diary entries)'),
      ('user_taste_groups', 'user_id', 'equals', 'the user''s taste group')
    on conflict do nothing;
  end if;
end
$$;

-- import_caller_check: raises 42501 when a JWT user acts for someone else. Direct connections (the edge, the
-- CLI) carry no JWT and pass; the edge has authorised the call and passes the user id.
create or replace function public.import_caller_check(p_user_id uuid)
returns void
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
begin
  if p_user_id is null then
    raise exception 'a user id is required' using errcode = '22023';
  end if;
  if auth.uid() is not null and auth.uid() <> p_user_id and coalesce(auth.role(), '') <> 'service_role' then
    raise exception 'cannot act for another user' using errcode = '42501';
  end if;
end
$$;

comment on function public.import_caller_check is 'Raises unless the caller may act for p_user_id (same user, service role, or a direct connection).';

-- begin_letterboxd_import: opens an import for a user, and sets their public username and profile visibility
-- when given (null leaves them as they are). A username another live account holds raises 23505.
--   p_files   the export files that will be read
-- Returns the import id and start time. Security definer (writes the profile's public fields); its own caller check.
create or replace function public.begin_letterboxd_import(
  p_user_id uuid,
  p_files text[],
  p_username text default null,
  p_public_profile boolean default null
)
returns table (id uuid, created_at timestamptz)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
begin
  perform public.import_caller_check(p_user_id);
  if p_username is not null and exists (
    select 1 from public.users u
    where lower(u.username) = lower(p_username) and u.deleted_at is null and u.id <> p_user_id
  ) then
    raise exception 'username taken' using errcode = '23505', detail = 'this username is taken';
  end if;
  if p_username is not null or p_public_profile is not null then
    update public.users u set
      username = coalesce(p_username, u.username),
      public_profile = coalesce(p_public_profile, u.public_profile)
    where u.id = p_user_id and u.deleted_at is null;
  end if;
  return query
    insert into public.letterboxd_imports as i (user_id, files) values (p_user_id, p_files) returning i.id, i.created_at;
end
$$;

comment on function public.begin_letterboxd_import is 'Opens a Letterboxd import and sets the public username when given (POST /v1/imports/letterboxd).';

-- apply_letterboxd_signals: applies signals of films already matched. Each element of p_signals:
--   {movie_id, kind: rating|like|watchlist|watched|diary, date, rating, watched_date, rewatch, ref}
-- Idempotent, and the newest timestamp wins against what the user did in Marquee:
--   rating      inserted dated by the export; an existing rating changes only if the export's date is newer than
--               its last change (several rows of one film: the newest date wins)
--   like        added unless a like, superlike or dislike newer than the export's date exists; an older dislike
--               is replaced
--   watchlist, watched   watchlist / seen, once per film (the state signals' unique index)
--   diary       one watch_history row per diary entry (ref) with its watched date and rewatch flag, plus seen
-- Returns how many signals changed something. Security definer (interactions and watch history are written as
-- the user); its own caller check.
create or replace function public.apply_letterboxd_signals(p_user_id uuid, p_signals jsonb)
returns table (applied integer)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_applied integer := 0;
  v_n integer;
begin
  perform public.import_caller_check(p_user_id);
  insert into public.ratings as r (user_id, movie_id, rating, created_at, updated_at)
  select distinct on (s.movie_id) p_user_id, s.movie_id, s.rating, s.date::timestamptz, s.date::timestamptz
  from (
    select s.movie_id, s.kind, s.date, s.rating, s.watched_date, coalesce(s.rewatch, false) as rewatch, s.ref
    from jsonb_to_recordset(p_signals) as s(
      movie_id integer, kind text, date date, rating numeric, watched_date date, rewatch boolean, ref text)
    join public.movies m on m.id = s.movie_id and not m.adult
  ) s
  where s.rating is not null and s.date is not null
  order by s.movie_id, s.date desc, s.kind = 'rating' desc
  on conflict on constraint ratings_pkey do update set rating = excluded.rating
  where r.updated_at < excluded.updated_at and r.rating <> excluded.rating;
  get diagnostics v_n = row_count;
  v_applied := v_applied + v_n;

  delete from public.interactions i
  using (select s.movie_id, max(s.date) as date from jsonb_to_recordset(p_signals) as s(movie_id integer, kind text, date date)
    where s.kind = 'like' group by 1) l
  where i.user_id = p_user_id and i.movie_id = l.movie_id and i.type = 'dislike'
    and i.created_at < coalesce(l.date::timestamptz, 'infinity');
  insert into public.interactions (user_id, movie_id, type, created_at)
  select p_user_id, l.movie_id, l.type, coalesce(l.date::timestamptz, now())
  from (
    select s.movie_id, case s.kind when 'like' then 'like' when 'watchlist' then 'watchlist' else 'seen' end as type,
           max(s.date) as date
    from (
      select s.movie_id, s.kind, s.date, s.rating, s.watched_date, coalesce(s.rewatch, false) as rewatch, s.ref
      from jsonb_to_recordset(p_signals) as s(
        movie_id integer, kind text, date date, rating numeric, watched_date date, rewatch boolean, ref text)
      join public.movies m on m.id = s.movie_id and not m.adult
    ) s
    where s.kind in ('like', 'watchlist', 'watched', 'diary')
    group by 1, 2
  ) l
  where not (l.type = 'like' and exists (
    select 1 from public.interactions i
    where i.user_id = p_user_id and i.movie_id = l.movie_id and i.type in ('superlike', 'dislike')
  ))
  on conflict (user_id, movie_id, type)
    where type in ('like', 'superlike', 'dislike', 'seen', 'hide', 'watchlist')
    do nothing;
  get diagnostics v_n = row_count;
  v_applied := v_applied + v_n;

  insert into public.watch_history (user_id, movie_id, watched_on, rewatch, source, source_ref)
  select distinct on (s.ref) p_user_id, s.movie_id, coalesce(s.watched_date, s.date), s.rewatch, 'letterboxd', s.ref
  from (
    select s.movie_id, s.kind, s.date, s.rating, s.watched_date, coalesce(s.rewatch, false) as rewatch, s.ref
    from jsonb_to_recordset(p_signals) as s(
      movie_id integer, kind text, date date, rating numeric, watched_date date, rewatch boolean, ref text)
    join public.movies m on m.id = s.movie_id and not m.adult
  ) s
  where s.kind = 'diary' and coalesce(s.watched_date, s.date) is not null and s.ref is not null
  order by s.ref
  on conflict (user_id, source_ref) where source_ref is not null do nothing;
  get diagnostics v_n = row_count;
  v_applied := v_applied + v_n;

  return query select v_applied;
end
$$;

comment on function public.apply_letterboxd_signals is 'Applies imported Letterboxd signals of matched films, idempotently, newest timestamp winning (import and TMDB resolution).';

-- import_letterboxd_rows: one batch of an export's rows (at most 2,000). Each element of p_rows:
--   {kind, name, year, uri, date, rating, watched_date, rewatch}
-- Every row is matched (match_letterboxd_films) and its film recorded once per import (letterboxd_import_films);
-- matched rows' signals are applied (apply_letterboxd_signals), unmatched ones kept as pending. Safe to repeat.
-- Returns the batch's matched and unmatched rows and the signals that changed something.
-- Security definer; its own caller check; the import must be the caller's.
create or replace function public.import_letterboxd_rows(p_user_id uuid, p_import_id uuid, p_rows jsonb)
returns table (matched integer, unmatched integer, applied integer)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_rows jsonb;
  v_applied integer;
begin
  perform public.import_caller_check(p_user_id);
  if not exists (select 1 from public.letterboxd_imports i where i.id = p_import_id and i.user_id = p_user_id) then
    raise exception 'import % not found', p_import_id using errcode = 'P0002';
  end if;
  if jsonb_typeof(p_rows) <> 'array' or jsonb_array_length(p_rows) > 2000 then
    raise exception 'rows must be an array of at most 2000' using errcode = '22023';
  end if;
  with input as (
    select r.value, r.n::integer as n from jsonb_array_elements(p_rows) with ordinality as r(value, n)
  )
  select coalesce(jsonb_agg(i.value || jsonb_build_object(
           'movie_id', mm.movie_id, 'match', coalesce(mm.match, 'unmatched'), 'ref', i.value ->> 'uri',
           'film_key', coalesce(public.fold_title(i.value ->> 'name'), '') || '|' || coalesce(i.value ->> 'year', ''))),
         '[]')
  into v_rows
  from input i
  left join public.match_letterboxd_films(
    (select array_agg(i2.value ->> 'name' order by i2.n) from input i2),
    (select array_agg((i2.value ->> 'year')::integer order by i2.n) from input i2)) mm on mm.n = i.n;

  insert into public.letterboxd_import_films as f (import_id, user_id, film_key, name, year, letterboxd_uri, movie_id, match, pending)
  select p_import_id, p_user_id, x.film_key, min(x.name), min(x.year),
         min(x.uri) filter (where x.kind in ('rating', 'like', 'watchlist', 'watched')),
         min(x.movie_id), min(x.match),
         case when min(x.movie_id) is null
           then jsonb_agg(jsonb_build_object('kind', x.kind, 'date', x.date, 'rating', x.rating,
                  'watched_date', x.watched_date, 'rewatch', x.rewatch, 'ref', x.uri))
           else '[]'::jsonb end
  from jsonb_to_recordset(v_rows) as x(
    film_key text, name text, year smallint, uri text, kind text, date date, rating numeric, watched_date date,
    rewatch boolean, movie_id integer, match text)
  group by x.film_key
  on conflict (import_id, film_key) do update set
    movie_id = coalesce(f.movie_id, excluded.movie_id),
    match = case when f.movie_id is null then excluded.match else f.match end,
    letterboxd_uri = coalesce(f.letterboxd_uri, excluded.letterboxd_uri),
    pending = case when f.movie_id is null
      then (select coalesce(jsonb_agg(distinct e), '[]') from jsonb_array_elements(f.pending || excluded.pending) e)
      else '[]'::jsonb end;

  select a.applied into v_applied
  from public.apply_letterboxd_signals(p_user_id, (
    select coalesce(jsonb_agg(e), '[]') from jsonb_array_elements(v_rows) e where e ->> 'movie_id' is not null
  )) a;

  update public.letterboxd_imports i set rows_read = i.rows_read + jsonb_array_length(p_rows) where i.id = p_import_id;

  return query select
    (select count(*)::integer from jsonb_array_elements(v_rows) e where e ->> 'movie_id' is not null),
    (select count(*)::integer from jsonb_array_elements(v_rows) e where e ->> 'movie_id' is null),
    v_applied;
end
$$;

comment on function public.import_letterboxd_rows is 'Matches and applies one batch of Letterboxd export rows (POST /v1/imports/letterboxd, marquee import letterboxd).';

-- finish_letterboxd_import: closes an import as done, or failed with a message. Returns nothing.
create or replace function public.finish_letterboxd_import(p_user_id uuid, p_import_id uuid, p_error text default null)
returns void
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
begin
  perform public.import_caller_check(p_user_id);
  update public.letterboxd_imports i
  set status = case when p_error is null then 'done' else 'failed' end, error = left(p_error, 500), finished_at = now()
  where i.id = p_import_id and i.user_id = p_user_id;
end
$$;

comment on function public.finish_letterboxd_import is 'Closes a Letterboxd import as done or failed.';

-- get_letterboxd_import: one of the user's imports with its counts (distinct films: matched from the catalogue,
-- added by the TMDB resolution step, still unmatched) and up to p_limit unmatched films (name, then year).
-- No row for an unknown import or someone else's (the edge answers 404 for both).
create or replace function public.get_letterboxd_import(p_user_id uuid, p_import_id uuid, p_limit integer default 200)
returns table (
  id uuid,
  status text,
  files text[],
  rows_read integer,
  matched integer,
  added integer,
  unmatched integer,
  unmatched_films jsonb,
  error text,
  created_at timestamptz,
  finished_at timestamptz
)
language sql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select i.id, i.status, i.files, i.rows_read,
    (select count(*)::integer from public.letterboxd_import_films f
      where f.import_id = i.id and f.movie_id is not null and f.match <> 'tmdb'),
    (select count(*)::integer from public.letterboxd_import_films f where f.import_id = i.id and f.match = 'tmdb'),
    (select count(*)::integer from public.letterboxd_import_films f where f.import_id = i.id and f.movie_id is null),
    (select coalesce(jsonb_agg(jsonb_build_object('name', u.name, 'year', u.year, 'letterboxdUri', u.letterboxd_uri)
              order by u.name, u.year), '[]')
       from (select f.name, f.year, f.letterboxd_uri from public.letterboxd_import_films f
             where f.import_id = i.id and f.movie_id is null
             order by f.name, f.year limit greatest(least(p_limit, 10000), 0)) u),
    i.error, i.created_at, i.finished_at
  from public.letterboxd_imports i
  where i.id = p_import_id and i.user_id = p_user_id
    and (auth.uid() is null or auth.uid() = p_user_id or coalesce(auth.role(), '') = 'service_role')
$$;

comment on function public.get_letterboxd_import is 'One Letterboxd import with matched / added / unmatched counts and the unmatched films (GET /v1/imports/{id}).';

-- list_pending_letterboxd_films: unmatched films of every import, for the TMDB resolution step, oldest import
-- first. Service role only.
create or replace function public.list_pending_letterboxd_films(p_limit integer default 500)
returns table (import_id uuid, user_id uuid, film_key text, name text, year smallint)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select f.import_id, f.user_id, f.film_key, f.name, f.year
  from public.letterboxd_import_films f
  join public.letterboxd_imports i on i.id = f.import_id
  where f.movie_id is null
  order by i.created_at, f.film_key
  limit p_limit
$$;

comment on function public.list_pending_letterboxd_films is 'Unmatched imported films for the TMDB resolution step (marquee import resolve).';

-- resolve_letterboxd_film: records that an unmatched film is catalogue film p_movie_id (added from TMDB by the
-- resolution step) and applies the signals kept for it. Returns whether it was still unmatched (false: another
-- run resolved it first) and the signals that changed something.
create or replace function public.resolve_letterboxd_film(p_import_id uuid, p_film_key text, p_movie_id integer)
returns table (resolved boolean, applied integer)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_film public.letterboxd_import_films%rowtype;
begin
  update public.letterboxd_import_films f set movie_id = p_movie_id, match = 'tmdb', pending = '[]'
  from public.letterboxd_import_films old
  where f.import_id = p_import_id and f.film_key = p_film_key and f.movie_id is null
    and old.import_id = f.import_id and old.film_key = f.film_key
  returning old.* into v_film;
  if v_film.import_id is null then
    return query select false, 0;
    return;
  end if;
  return query select true, a.applied from public.apply_letterboxd_signals(v_film.user_id, (
    select coalesce(jsonb_agg(e || jsonb_build_object('movie_id', p_movie_id)), '[]')
    from jsonb_array_elements(v_film.pending) e)) a;
end
$$;

comment on function public.resolve_letterboxd_film is 'Links an unmatched imported film to the film the TMDB step added, and applies its kept signals.';

revoke execute on function public.import_caller_check(uuid), public.begin_letterboxd_import(uuid, text[], text, boolean),
  public.apply_letterboxd_signals(uuid, jsonb), public.import_letterboxd_rows(uuid, uuid, jsonb),
  public.finish_letterboxd_import(uuid, uuid, text), public.get_letterboxd_import(uuid, uuid, integer),
  public.list_pending_letterboxd_films(integer), public.resolve_letterboxd_film(uuid, text, integer)
from public, anon;

grant execute on function public.import_caller_check(uuid), public.begin_letterboxd_import(uuid, text[], text, boolean),
  public.apply_letterboxd_signals(uuid, jsonb), public.import_letterboxd_rows(uuid, uuid, jsonb),
  public.finish_letterboxd_import(uuid, uuid, text), public.get_letterboxd_import(uuid, uuid, integer)
to authenticated, service_role;

grant execute on function public.list_pending_letterboxd_films(integer), public.resolve_letterboxd_film(uuid, text, integer)
to service_role;

-- find_public_user: the live account whose username is p_username (any case) and who made their profile public;
-- no row otherwise, so a private account and an unknown name look the same. Returns only public fields.
-- Security definer (anonymous callers cannot read users); exposes nothing a public profile does not show.
create or replace function public.find_public_user(p_username text)
returns table (user_id uuid, username text, display_name text)
language sql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select u.id, u.username, u.display_name
  from public.users u
  where lower(u.username) = lower(p_username) and u.username is not null and u.public_profile and u.deleted_at is null
$$;

comment on function public.find_public_user is 'A public profile by username, any case; no row for unknown or private ones (GET /api/...).';

-- recommendation_cache_state: whether p_user_id's list for p_strategy and p_weights (null: the fitted blend, as get_recommendations uses) is in recommendation_cache
-- and still fresh (its fingerprint matches), and when it was computed. Says nothing about the films.
-- Security definer (the cache is not readable by API roles).
create or replace function public.recommendation_cache_state(
  p_user_id uuid,
  p_strategy text default 'hybrid',
  p_weights real[] default null
)
returns table (cached boolean, computed_at timestamptz)
language sql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  -- The same weights get_recommendations keys its cache by: the caller's, else the fitted blend.
  select coalesce(bool_or(c.fingerprint = public.recommendation_fingerprint(
           p_user_id, coalesce(p_weights, public.recommendation_weights()))), false),
         max(c.computed_at)
  from public.recommendation_cache c
  where c.user_id = p_user_id and c.strategy = p_strategy and c.rank = 1
$$;

comment on function public.recommendation_cache_state is 'Whether a user''s cached recommendation list is fresh, and when it was computed (username endpoints).';

-- list_preload_users: public profiles with the most ratings and interactions, the ones worth warming first.
--   p_limit  1..1000
create or replace function public.list_preload_users(p_limit integer default 50)
returns table (user_id uuid, username text, signals bigint)
language sql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select u.id, u.username,
    (select count(*) from public.ratings r where r.user_id = u.id)
      + (select count(*) from public.interactions i where i.user_id = u.id) as signals
  from public.users u
  where u.public_profile and u.username is not null and u.deleted_at is null
  order by 3 desc, u.id
  limit least(greatest(p_limit, 1), 1000)
$$;

comment on function public.list_preload_users is 'Public profiles ordered by how many signals they have (GET /api/preload by an operator).';

-- get_cache_counts: how many users have a cached list, cached rows, clustered users and groups. Counts only.
create or replace function public.get_cache_counts()
returns table (cached_users bigint, cached_rows bigint, cached_neighbour_users bigint, taste_groups bigint, clustered_users bigint)
language sql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select (select count(distinct c.user_id) from public.recommendation_cache c),
         (select count(*) from public.recommendation_cache c),
         (select count(*) from public.user_neighbour_cache n),
         (select count(*) from public.taste_groups g),
         (select count(*) from public.user_taste_groups t)
$$;

comment on function public.get_cache_counts is 'Cache and taste-group counts, no personal data (GET /api/memory).';

-- get_taste_profile: what the engine sees of a user: counts of ratings, signals by type and viewings, the
-- average rating, top genres, decades and directors of the films they rated 3.5+ or liked (by how many), their
-- taste group, their nightly neighbours (count and mean similarity, never who), and when the nightly job and their
-- cached list were last computed. Security definer; a JWT caller may only ask for themself.
create or replace function public.get_taste_profile(p_user_id uuid)
returns table (
  ratings integer,
  average_rating real,
  interactions jsonb,
  viewings integer,
  top_genres text[],
  top_decades text[],
  top_directors text[],
  taste_group_id integer,
  taste_group_label text,
  neighbours integer,
  neighbour_mean_similarity real,
  nightly_at timestamptz,
  cached_at timestamptz
)
language plpgsql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
begin
  perform public.import_caller_check(p_user_id);
  return query
  with liked as (
    select m.* from public.movies m
    where m.id in (
      select r.movie_id from public.ratings r where r.user_id = p_user_id and r.rating >= 3.5
      union
      select i.movie_id from public.interactions i
      where i.user_id = p_user_id and i.type in ('like', 'superlike') and i.movie_id is not null)
  )
  select
    (select count(*)::integer from public.ratings r where r.user_id = p_user_id),
    (select avg(r.rating)::real from public.ratings r where r.user_id = p_user_id),
    (select coalesce(jsonb_object_agg(t.type, t.n), '{}') from (
       select i.type, count(*) as n from public.interactions i where i.user_id = p_user_id group by 1) t),
    (select count(*)::integer from public.watch_history w where w.user_id = p_user_id),
    (select coalesce(array_agg(g.genre order by g.n desc, g.genre), '{}') from (
       select x.genre, count(*) as n from liked l, unnest(l.genres) as x(genre) group by 1 order by 2 desc, 1 limit 5) g),
    (select coalesce(array_agg(d.decade order by d.n desc, d.decade), '{}') from (
       select (l.release_year / 10 * 10)::text || 's' as decade, count(*) as n from liked l
       where l.release_year is not null group by 1 order by 2 desc, 1 limit 3) d),
    (select coalesce(array_agg(d.director order by d.n desc, d.director), '{}') from (
       select l.director, count(*) as n from liked l where l.director is not null group by 1 order by 2 desc, 1 limit 5) d),
    g.id, g.label,
    (select count(*)::integer from public.user_similarities s where s.user_id = p_user_id),
    (select avg(s.similarity)::real from public.user_similarities s where s.user_id = p_user_id),
    (select max(j.finished_at) from public.recommendation_job_runs j where j.job = 'nightly'),
    (select max(c.computed_at) from public.recommendation_cache c where c.user_id = p_user_id)
  from (select 1) one
  left join public.user_taste_groups t on t.user_id = p_user_id
  left join public.taste_groups g on g.id = t.group_id;
end
$$;

comment on function public.get_taste_profile is 'A user''s stats and taste as the engine sees them: counts, average rating, top genres/decades/directors, taste group, neighbours (GET /v1/auth/me/taste, GET /api/debug/{username}).';

-- get_taste_group: one taste group and its characteristic films (movie_card), best first. No row when unknown.
create or replace function public.get_taste_group(p_group_id integer)
returns table (
  id integer,
  label text,
  size integer,
  top_genres text[],
  top_decades text[],
  top_directors text[],
  silhouette real,
  k integer,
  computed_at timestamptz,
  films public.movie_card[]
)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select g.id, g.label, g.size, g.top_genres, g.top_decades, g.top_directors, g.silhouette, g.k, g.computed_at,
    coalesce((select array_agg(public.to_movie_card(m) order by x.n)
              from unnest(g.characteristic_movie_ids) with ordinality as x(movie_id, n)
              join public.movies m on m.id = x.movie_id and not m.adult), '{}')
  from public.taste_groups g
  where g.id = p_group_id
$$;

comment on function public.get_taste_group is 'A taste group with its characteristic films (GET /v1/taste-groups/{id}).';

revoke execute on function public.find_public_user(text), public.recommendation_cache_state(uuid, text, real[]),
  public.list_preload_users(integer), public.get_cache_counts(), public.get_taste_profile(uuid),
  public.get_taste_group(integer)
from public;

grant execute on function public.find_public_user(text), public.recommendation_cache_state(uuid, text, real[]),
  public.get_taste_group(integer), public.get_cache_counts()
to anon, authenticated, service_role;

grant execute on function public.get_taste_profile(uuid) to authenticated, service_role;

grant execute on function public.list_preload_users(integer) to service_role;

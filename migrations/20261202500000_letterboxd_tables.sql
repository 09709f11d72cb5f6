-- Letterboxd users (issue 14): public profiles, title folding, the import record, watch history, taste groups.
-- Tables, indexes and policies by hand; the functions follow in 20261202500100_letterboxd_functions.sql.

alter table public.users add column public_profile boolean not null default false;

comment on column public.users.public_profile is 'The user made their username public: the username endpoints (/api/...) may find them. Off by default; everyone else answers 404 there.';

-- fold_title: the form titles are compared in when matching exports to the catalogue. Case, accents (NFKD with
-- the combining marks removed, plus the letters NFKD leaves whole: ø æ œ ł đ ß), punctuation and spacing are
-- folded, "&" reads "and", and a leading or trailing "The" ("Matrix, The") is dropped. Null for a title that
-- folds to nothing. Immutable, so the catalogue can be indexed on it.
create or replace function public.fold_title(p_title text)
returns text
language sql
immutable
parallel safe
set search_path = public, extensions
as $$
  with marks as (
    select regexp_replace(lower(normalize(p_title, NFKD)), '[\u0300-\u036f]', '', 'g') as t
  ), letters as (
    select replace(replace(replace(replace(translate(marks.t, 'øłđ', 'old'), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'),
                   '&', ' and ') as t
    from marks
  ), words as (
    select btrim(regexp_replace(letters.t, '[^a-z0-9]+', ' ', 'g')) as t from letters
  )
  select nullif(regexp_replace(regexp_replace(words.t, '^the ', ''), ' the$', ''), '') from words
$$;

comment on function public.fold_title is 'A title folded for matching: case, accents, punctuation, & and a leading or trailing "The" (Letterboxd import).';

revoke execute on function public.fold_title(text) from public;

grant execute on function public.fold_title(text) to anon, authenticated, service_role;

alter table public.movies
  add column folded_title text generated always as (public.fold_title(title)) stored,
  add column folded_original_title text generated always as (public.fold_title(original_title)) stored;

comment on column public.movies.folded_title is 'fold_title(title): the title as imports match it (case, accents, punctuation, "The" folded).';

comment on column public.movies.folded_original_title is 'fold_title(original_title), for matching imports by original title.';

create index movies_folded_title_idx on public.movies (folded_title, release_year);

create index movies_folded_original_title_idx on public.movies (folded_original_title, release_year)
  where folded_original_title is not null;

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

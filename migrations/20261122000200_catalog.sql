-- The catalogue (movies, genres) and the user-owned signal tables (users, ratings, interactions) that the
-- recommendation engine reads. Catalogue rows are public; user rows are private to their owner (policies in
-- the accounts migration). RLS is enabled on every table: a table with RLS and no policy is reachable only by
-- the table owner and service_role, which is what we want for anything not explicitly opened.

create table public.genres (
  id integer primary key,
  name text not null unique
);
comment on table public.genres is 'TMDB movie genres (from /genre/movie/list). Public, read-only for API roles.';
comment on column public.genres.id is 'TMDB genre id.';
comment on column public.genres.name is 'English genre name as TMDB spells it; movies.genres holds these names.';

create table public.movies (
  id integer primary key,
  title text not null check (length(title) between 1 and 500),
  original_title text,
  release_date date,
  release_year smallint check (release_year between 1870 and 2200),
  runtime smallint check (runtime >= 0),
  original_language text check (original_language ~ '^[a-z]{2,3}$'),
  genres text[] not null default '{}',
  keywords text[] not null default '{}',
  cast_names text[] not null default '{}',
  director text,
  overview text,
  popularity real not null default 0 check (popularity >= 0),
  vote_average real not null default 0 check (vote_average between 0 and 10),
  vote_count integer not null default 0 check (vote_count >= 0),
  -- Bayesian average of the TMDB vote: a film with 3 votes of 10 must not outrank one with 20,000 votes of 8.4.
  -- Shrinks towards 6.0 with the weight of 250 votes; stored so that sort=rating can walk an index.
  weighted_rating real generated always as (
    (vote_average * vote_count + 6.0 * 250) / (vote_count + 250)
  ) stored,
  poster_path text,
  imdb_id text check (imdb_id ~ '^tt[0-9]+$'),
  adult boolean not null default false,
  embedding vector(384),
  embedding_model text,
  content_hash text,
  embedded_at timestamptz,
  tmdb_synced_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.movies is 'The film catalogue, one row per TMDB film, kept fresh by the daily TMDB sync job. Public, read-only for API roles.';
comment on column public.movies.id is 'TMDB movie id (https://www.themoviedb.org/movie/<id>).';
comment on column public.movies.title is 'Title in English as TMDB lists it.';
comment on column public.movies.original_title is 'Title in the original language.';
comment on column public.movies.release_date is 'Primary release date; null when TMDB has none.';
comment on column public.movies.release_year is 'Year of release_date, or the year alone when only the year is known. Used by year-range filters.';
comment on column public.movies.runtime is 'Running time in minutes.';
comment on column public.movies.original_language is 'ISO 639-1 code of the original language (for example en, fr, ja).';
comment on column public.movies.genres is 'Genre names (genres.name), in TMDB order.';
comment on column public.movies.keywords is 'TMDB keywords, lower case.';
comment on column public.movies.cast_names is 'Main cast names in billing order (at most 10).';
comment on column public.movies.director is 'Director name(s), comma separated when several.';
comment on column public.movies.overview is 'Plot summary from TMDB, when synced (used for embeddings); demo data has none.';
comment on column public.movies.popularity is 'TMDB popularity score (a daily activity measure, not a rating).';
comment on column public.movies.vote_average is 'TMDB vote average, 0 to 10.';
comment on column public.movies.vote_count is 'Number of TMDB votes behind vote_average.';
comment on column public.movies.weighted_rating is 'Bayesian vote average: (vote_average * vote_count + 6.0 * 250) / (vote_count + 250). What sort=rating orders by.';
comment on column public.movies.poster_path is 'TMDB image path, to be prefixed with an image base URL and size (for example https://image.tmdb.org/t/p/w500).';
comment on column public.movies.imdb_id is 'IMDb id (tt...), from TMDB external ids.';
comment on column public.movies.adult is 'TMDB adult flag. Adult films are never served by the API.';
comment on column public.movies.embedding is 'L2-normalised 384-dimensional text embedding of the film (see embedding_model); null until the backfill job runs.';
comment on column public.movies.embedding_model is 'Name of the model that produced embedding; the backfill re-embeds rows whose model differs from the configured one.';
comment on column public.movies.content_hash is 'SHA-256 of the text that was embedded; the backfill re-embeds rows whose text changed.';
comment on column public.movies.embedded_at is 'When embedding was last written.';
comment on column public.movies.tmdb_synced_at is 'When the TMDB sync last wrote this row.';

create or replace function public.touch_updated_at() returns trigger
language plpgsql
set search_path = public
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function public.touch_updated_at() is 'Trigger function: sets updated_at to now() on every update.';

create trigger movies_touch_updated_at before update on public.movies
  for each row execute function public.touch_updated_at();

-- GET /v1/movies default order (popularity desc, id desc as the keyset tie-break).
create index movies_popularity_idx on public.movies (popularity, id) where not adult;
-- GET /v1/movies?sort=rating (weighted rating, keyset on id).
create index movies_rating_idx on public.movies (weighted_rating, id) where not adult;
-- GET /v1/movies?sort=release_date and the year-range filters; nulls sort as -infinity.
create index movies_release_idx on public.movies ((coalesce(release_date, '-infinity'::date)), id) where not adult;
create index movies_year_idx on public.movies (release_year) where not adult;
-- GET /v1/movies?sort=title.
create index movies_title_sort_idx on public.movies (lower(title), id) where not adult;
-- GET /v1/movies?q=... (substring match on title and original title, any case).
create index movies_title_trgm_idx on public.movies using gin (title gin_trgm_ops);
create index movies_original_title_trgm_idx on public.movies using gin (original_title gin_trgm_ops);
-- GET /v1/movies?genre=... (array containment).
create index movies_genres_idx on public.movies using gin (genres);

create table public.users (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  username text,
  display_name text not null check (length(display_name) between 1 and 100),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
comment on table public.users is 'Marquee accounts (profile only; credentials live in user_credentials). Each user sees only their own row.';
comment on column public.users.id is 'User id; the sub claim of the user''s JWT.';
comment on column public.users.email is 'Login email, normalised (trimmed, lower case). Unique among live accounts.';
comment on column public.users.username is 'Optional public handle, unique case-insensitively.';
comment on column public.users.display_name is 'Name shown in the app.';
comment on column public.users.deleted_at is 'Set when the account is deleted; a deleted user''s tokens are rejected.';
create unique index users_email_key on public.users (email) where deleted_at is null;
create unique index users_username_key on public.users (lower(username)) where deleted_at is null and username is not null;
create trigger users_touch_updated_at before update on public.users
  for each row execute function public.touch_updated_at();

create table public.ratings (
  user_id uuid not null references public.users (id) on delete cascade,
  movie_id integer not null references public.movies (id) on delete cascade,
  rating numeric(2, 1) not null check (rating between 0.5 and 5.0 and rating * 2 = trunc(rating * 2)),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (user_id, movie_id)
);
comment on table public.ratings is 'Explicit star ratings, one per user and film (0.5 to 5.0 in half steps). Each user sees and changes only their own.';
comment on column public.ratings.rating is 'Stars, 0.5 to 5.0 in steps of 0.5.';
comment on column public.ratings.updated_at is 'Last change; GET /v1/ratings/me lists newest first by this.';
-- Per-film aggregates (popularity, item neighbours) scan ratings by film.
create index ratings_movie_idx on public.ratings (movie_id, rating);
-- GET /v1/ratings/me (newest first).
create index ratings_user_recent_idx on public.ratings (user_id, updated_at desc, movie_id);
create trigger ratings_touch_updated_at before update on public.ratings
  for each row execute function public.touch_updated_at();

create table public.signal_weights (
  type text primary key check (type ~ '^[a-z_]+$'),
  weight real not null,
  description text not null
);
comment on table public.signal_weights is 'How much each interaction type counts as taste evidence for the recommendation engine. Edit a weight here to retune the engine; no deploy needed.';
comment on column public.signal_weights.weight is 'Signed weight: positive means the user likes the film, negative dislikes it, 0 records the signal without using it.';

insert into public.signal_weights (type, weight, description) values
  ('superlike', 3, 'Strongest positive signal, a super like.'),
  ('like', 2, 'A like.'),
  ('watchlist', 1, 'Added to the watchlist: intent to watch.'),
  ('seen', 0.5, 'Marked as seen without a rating.'),
  ('dislike', -2, 'A dislike.'),
  ('hide', -3, 'Hidden: never show this film again.'),
  ('view', 0, 'Opened the film''s page (implicit, recorded only).'),
  ('click', 0, 'Clicked the film in a list (implicit, recorded only).'),
  ('search', 0, 'Ran a search (implicit, recorded only).'),
  ('rate', 0, 'A rating, recorded as an interaction; its weight comes from rating_weights.')
on conflict (type) do nothing;

create table public.rating_weights (
  rating numeric(2, 1) primary key check (rating between 0.5 and 5.0 and rating * 2 = trunc(rating * 2)),
  weight real not null
);
comment on table public.rating_weights is 'Signal weight of each star rating (5 stars +3, 4 +2, 3 +1, 2 -1, 1 -2, half stars in between) used where ratings and interactions are blended.';

insert into public.rating_weights (rating, weight) values
  (0.5, -2.5), (1.0, -2), (1.5, -1.5), (2.0, -1), (2.5, 0), (3.0, 1), (3.5, 1.5), (4.0, 2), (4.5, 2.5), (5.0, 3)
on conflict (rating) do nothing;

create table public.interactions (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  movie_id integer references public.movies (id) on delete cascade,
  type text not null references public.signal_weights (type),
  query text check (length(query) <= 500),
  rating numeric(2, 1) check (rating between 0.5 and 5.0 and rating * 2 = trunc(rating * 2)),
  created_at timestamptz not null default now(),
  check (type = 'search' or movie_id is not null),
  check (type <> 'search' or query is not null),
  check (type <> 'rate' or rating is not null)
);
comment on table public.interactions is 'Interaction signals (likes, hides, watchlist, views, searches...), an append-only log per user. Each user sees only their own.';
comment on column public.interactions.type is 'Signal type; its weight is signal_weights.weight.';
comment on column public.interactions.query is 'The search text, for type = search.';
comment on column public.interactions.rating is 'The stars given, for type = rate.';
-- GET /v1/interactions/me (newest first, optional type filter) and the engine's per-user signal read.
create index interactions_user_recent_idx on public.interactions (user_id, created_at desc, id desc);
create index interactions_user_type_idx on public.interactions (user_id, type, movie_id);
create index interactions_movie_idx on public.interactions (movie_id) where movie_id is not null;

alter table public.genres enable row level security;
alter table public.movies enable row level security;
alter table public.users enable row level security;
alter table public.ratings enable row level security;
alter table public.signal_weights enable row level security;
alter table public.rating_weights enable row level security;
alter table public.interactions enable row level security;

create policy "Anyone can read genres" on public.genres for select to anon, authenticated using (true);
create policy "Anyone can read non-adult movies" on public.movies for select to anon, authenticated using (not adult);
create policy "Anyone can read signal weights" on public.signal_weights for select to anon, authenticated using (true);
create policy "Anyone can read rating weights" on public.rating_weights for select to anon, authenticated using (true);

grant select on public.genres, public.movies, public.signal_weights, public.rating_weights to anon, authenticated;
grant all on all tables in schema public to service_role;
grant usage, select on all sequences in schema public to service_role;

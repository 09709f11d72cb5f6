-- The neighbour tables carry no foreign keys on purpose: they are rewritten wholesale every night (300k+ rows at
-- MovieLens-1M scale, where per-row FK checks tripled the write time), and a row naming a deleted user or film is
-- harmless (serving joins it to ratings and movies, which no longer have it) until the next night replaces it.
--
-- The recommendation engine's precomputed state: neighbour tables written by the nightly job, materialised views
-- it refreshes, and the cache of on-request neighbours. None of it is exposed to API roles directly: the
-- recommendation SQL functions (next migration) read it as security definer with their own caller check.

create table public.user_similarities (
  user_id uuid not null,
  neighbour_id uuid not null,
  similarity real not null,
  correlation real not null,
  common_count integer not null,
  neighbour_mean real not null,
  primary key (user_id, neighbour_id)
);
comment on table public.user_similarities is 'Each user''s top-k most similar users (user-based CF), recomputed by `marquee jobs nightly`. Only pairs with at least 3 films in common and a Pearson correlation above 0.3 are kept.';
comment on column public.user_similarities.correlation is 'Pearson correlation of the two users'' ratings over the films both rated (what reasons quote).';
comment on column public.user_similarities.similarity is 'correlation * min(common_count, 50) / 50 (significance weighting): the weight a neighbour gets in a prediction, and what ranks neighbours.';
comment on column public.user_similarities.common_count is 'Number of films both users rated.';
comment on column public.user_similarities.neighbour_mean is 'The neighbour''s mean rating over all their ratings when computed (predictions centre on it).';

create table public.movie_similarities (
  movie_id integer not null,
  neighbour_id integer not null,
  similarity real not null,
  support integer not null,
  primary key (movie_id, neighbour_id)
);
comment on table public.movie_similarities is 'Each film''s top-k neighbours by co-rating (item-based CF), recomputed by `marquee jobs nightly`. See functions/lib/recommend/neighbours.ts for the similarity and its shrinkage.';
comment on column public.movie_similarities.similarity is 'Shrunk cosine similarity of the two films'' user vectors: cosine * support / (support + shrinkage).';
comment on column public.movie_similarities.support is 'Number of users with a signal on both films.';
-- Evidence lookups go from a recommended film back to the user's films that pointed at it.
create index movie_similarities_neighbour_idx on public.movie_similarities (neighbour_id, movie_id) include (similarity);

create table public.user_neighbour_cache (
  user_id uuid primary key references public.users (id) on delete cascade,
  fingerprint text not null,
  neighbour_ids uuid[] not null,
  similarities real[] not null,
  correlations real[] not null,
  common_counts integer[] not null,
  neighbour_means real[] not null,
  computed_at timestamptz not null default now(),
  expires_at timestamptz not null
);
comment on table public.user_neighbour_cache is 'Neighbours computed on request (Pearson over the whole ratings table) for users the nightly job has not covered yet. Valid while the user''s ratings are unchanged (fingerprint) and until expires_at; `marquee jobs nightly` deletes expired rows and rows of users it now covers.';
comment on column public.user_neighbour_cache.fingerprint is 'Number of the user''s ratings and their latest updated_at when computed; any rating change makes the row stale.';
create index user_neighbour_cache_expiry_idx on public.user_neighbour_cache (expires_at);

create table public.recommendation_job_runs (
  id bigint generated always as identity primary key,
  job text not null,
  started_at timestamptz not null,
  finished_at timestamptz not null default now(),
  duration_ms integer not null,
  summary jsonb not null default '{}'
);
comment on table public.recommendation_job_runs is 'One row per successful `marquee jobs nightly` run, with its counts (for operators; not exposed by the API).';

-- Trending popularity reads the ratings of the last N days.
create index ratings_created_idx on public.ratings (created_at) include (movie_id, rating);

-- Per-film rating counts and means (popularity). Refreshed nightly; popularity falls back to a live aggregate
-- while it has never been refreshed, and trending is always live.
create materialized view public.movie_rating_stats as
  select r.movie_id, count(*)::integer as rating_count, avg(r.rating)::real as rating_mean
  from public.ratings r
  group by r.movie_id;
create unique index movie_rating_stats_movie_idx on public.movie_rating_stats (movie_id);
comment on materialized view public.movie_rating_stats is 'Per-film rating count and mean, for Bayesian popularity. Refreshed by `marquee jobs nightly`.';

-- Content features of each film with TF-IDF weights, L2-normalised per film, so that the dot product of two
-- films' feature vectors is their cosine similarity. Only features shared by at least two films are kept (a
-- feature unique to one film can never make two films similar).
create materialized view public.movie_features as
  with raw as (
    select m.id as movie_id, 'genre:' || g as feature from public.movies m, unnest(m.genres) g where not m.adult
    union
    select m.id, 'keyword:' || k from public.movies m, unnest(m.keywords) k where not m.adult
    union
    select m.id, 'cast:' || c from public.movies m, unnest(m.cast_names[1:5]) c where not m.adult
    union
    select m.id, 'director:' || trim(d)
    from public.movies m, unnest(string_to_array(m.director, ',')) d
    where not m.adult and m.director is not null and trim(d) <> ''
  ),
  df as (select feature, count(*) as n from raw group by feature having count(*) >= 2),
  total as (select greatest(count(*), 1)::real as n from public.movies where not adult),
  weighted as (
    select raw.movie_id, raw.feature, ln(total.n / df.n)::real as idf
    from raw join df using (feature) cross join total
  )
  select w.movie_id, w.feature,
         (w.idf / nullif(sqrt(sum(w.idf * w.idf) over (partition by w.movie_id)), 0))::real as weight
  from weighted w
  where w.idf > 0;
create unique index movie_features_movie_feature_idx on public.movie_features (movie_id, feature) include (weight);
create index movie_features_feature_idx on public.movie_features (feature, movie_id) include (weight);
comment on materialized view public.movie_features is 'TF-IDF weighted content features per film (genre:, keyword:, cast: (top 5 billed), director:), L2-normalised. Content-based recommendations for films without embeddings. Refreshed by `marquee jobs nightly`.';

alter table public.user_similarities enable row level security;
alter table public.movie_similarities enable row level security;
alter table public.user_neighbour_cache enable row level security;
alter table public.recommendation_job_runs enable row level security;

revoke all on public.movie_rating_stats, public.movie_features from anon, authenticated;
grant all on public.user_similarities, public.movie_similarities, public.user_neighbour_cache,
  public.recommendation_job_runs to service_role;
grant select on public.movie_rating_stats, public.movie_features to service_role;

-- Recommendations: the nightly neighbour tables, the rating and feature views, each recommendation source
-- (popularity, user CF, item CF, content), the hybrid blend, the per-user cache, and the functions behind
-- /v1/recommendations, /v1/recommendations/popular and /v1/movies/{id}/similar.
--
-- The current definition of these objects (declared schema). Change them here, then run
-- `npx marquee schema diff <name>` to write the migration; `git log -p` on this file is their history.

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

comment on column public.user_similarities.neighbour_id is 'One of their nearest users (users.id).';

comment on column public.user_similarities.user_id is 'The user (users.id).';

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

comment on column public.movie_similarities.neighbour_id is 'One of its nearest films by co-rating (movies.id).';

comment on column public.movie_similarities.movie_id is 'The film (movies.id).';

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

comment on column public.user_neighbour_cache.expires_at is 'When they must be recomputed (also when the user''s ratings change).';

comment on column public.user_neighbour_cache.computed_at is 'When they were computed.';

comment on column public.user_neighbour_cache.neighbour_means is 'Each neighbour''s mean rating, same order.';

comment on column public.user_neighbour_cache.common_counts is 'Films rated in common with each neighbour, same order.';

comment on column public.user_neighbour_cache.correlations is 'Raw Pearson correlation of each neighbour, same order.';

comment on column public.user_neighbour_cache.similarities is 'Shrunk similarity of each neighbour, same order.';

comment on column public.user_neighbour_cache.neighbour_ids is 'Their neighbours, best first (users.id).';

comment on column public.user_neighbour_cache.user_id is 'The user the neighbours were computed for (users.id).';

comment on column public.user_neighbour_cache.fingerprint is 'Number of the user''s ratings and their latest updated_at when computed; any rating change makes the row stale.';

create index user_neighbour_cache_expiry_idx on public.user_neighbour_cache (expires_at);

create table public.user_item_candidates (
  user_id uuid primary key references public.users (id) on delete cascade,
  computed_at timestamptz not null default now(),
  signal_ids integer[] not null,
  signal_weights real[] not null,
  movie_ids integer[] not null,
  scores real[] not null,
  because_ids integer[] not null
);

comment on table public.user_item_candidates is 'Each user''s item-CF candidates as of the last `marquee jobs nightly` run (functions/lib/recommend/item-candidates.ts): the best films by sum(signal weight * movie_similarities.similarity) over the signals the user had then, which recommend_items corrects by the signals changed since instead of re-reading every signal''s neighbours. Written with movie_similarities, in the same transaction.';

comment on column public.user_item_candidates.user_id is 'The user (users.id).';

comment on column public.user_item_candidates.computed_at is 'When the nightly run computed the row.';

comment on column public.user_item_candidates.signal_ids is 'The films the user had a non-zero signal on at the run (user_signals), ascending; the snapshot that request-time corrections start from.';

comment on column public.user_item_candidates.signal_weights is 'Their signal weights at the run, same order.';

comment on column public.user_item_candidates.movie_ids is 'Candidate films, best first (positive scores only; films the user had rated at the run are left out).';

comment on column public.user_item_candidates.scores is 'Each candidate''s item-CF score at the run, same order.';

comment on column public.user_item_candidates.because_ids is 'Each candidate''s evidence at the run: the user''s positively weighted film contributing most (null when none did), same order.';

create table public.user_cf_candidates (
  user_id uuid primary key references public.users (id) on delete cascade,
  computed_at timestamptz not null default now(),
  total_similarity real not null,
  complete boolean not null,
  movie_ids integer[] not null,
  neighbour_counts integer[] not null,
  weighted real[] not null,
  deviations real[] not null,
  similarity_sums real[] not null,
  absolute_sums real[] not null,
  mean_correlations real[] not null,
  mean_ratings real[] not null
);

comment on table public.user_cf_candidates is 'Each user''s user-based CF votes as of the last `marquee jobs nightly` run (functions/lib/recommend/cf-candidates.ts): over the nightly neighbours (user_similarities, written in the same transaction) and their ratings then, the best films by weighted vote, which recommend_user_cf serves instead of aggregating every neighbour''s ratings per request. Arrays in rank order.';

comment on column public.user_cf_candidates.user_id is 'The user (users.id).';

comment on column public.user_cf_candidates.computed_at is 'When the nightly run computed the row.';

comment on column public.user_cf_candidates.total_similarity is 'Sum of the user''s neighbours'' similarities (the denominator of the normalised score).';

comment on column public.user_cf_candidates.complete is 'True when the row holds every film the neighbours rated (fewer than the depth kept): no film beyond it can rank.';

comment on column public.user_cf_candidates.movie_ids is 'Candidate films, best first: weighted descending, then film id (films the user had rated at the run left out).';

comment on column public.user_cf_candidates.neighbour_counts is 'Neighbours who rated each film, same order.';

comment on column public.user_cf_candidates.weighted is 'Sum of similarity x stars over those neighbours (the rank key), same order.';

comment on column public.user_cf_candidates.deviations is 'Sum of similarity x (stars - the neighbour''s mean), for the predicted rating, same order.';

comment on column public.user_cf_candidates.similarity_sums is 'Sum of the similarities of those neighbours, same order.';

comment on column public.user_cf_candidates.absolute_sums is 'Sum of the absolute similarities of those neighbours, same order.';

comment on column public.user_cf_candidates.mean_correlations is 'Mean raw correlation of those neighbours with the user, for the reason, same order.';

comment on column public.user_cf_candidates.mean_ratings is 'Mean stars those neighbours gave the film, for the reason, same order.';

alter table public.user_cf_candidates enable row level security;

revoke all on public.user_cf_candidates from anon, authenticated;

grant all on public.user_cf_candidates to service_role;

insert into public.personal_data_columns (table_name, column_name, match, note) values
  ('user_cf_candidates', 'user_id', 'equals', 'the user''s nightly user-CF votes')
on conflict do nothing;

create table public.recommendation_job_runs (
  id bigint generated always as identity primary key,
  job text not null,
  started_at timestamptz not null,
  finished_at timestamptz not null default now(),
  duration_ms integer not null,
  summary jsonb not null default '{}'
);

comment on table public.recommendation_job_runs is 'One row per successful `marquee jobs nightly` run, with its counts (for operators; not exposed by the API).';

comment on column public.recommendation_job_runs.summary is 'What the run computed (counts, timings per step), as JSON.';

comment on column public.recommendation_job_runs.duration_ms is 'Wall time of the run in milliseconds.';

comment on column public.recommendation_job_runs.finished_at is 'When the run finished.';

comment on column public.recommendation_job_runs.started_at is 'When the run started.';

comment on column public.recommendation_job_runs.job is 'Which job ran: nightly.';

comment on column public.recommendation_job_runs.id is 'Run id (identity); part of every recommendation cache fingerprint.';

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

comment on column public.movie_rating_stats.rating_mean is 'Their mean, in stars.';

comment on column public.movie_rating_stats.rating_count is 'Marquee ratings of the film at the last refresh.';

comment on column public.movie_rating_stats.movie_id is 'The film (movies.id).';

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

comment on column public.movie_features.weight is 'TF-IDF weight of the feature for the film, L2-normalised per film.';

comment on column public.movie_features.feature is 'A content feature: genre:<name>, keyword:<word>, cast:<name> or director:<name>.';

comment on column public.movie_features.movie_id is 'The film (movies.id).';

alter table public.user_similarities enable row level security;

alter table public.movie_similarities enable row level security;

alter table public.user_neighbour_cache enable row level security;

alter table public.recommendation_job_runs enable row level security;

alter table public.user_item_candidates enable row level security;

revoke all on public.movie_rating_stats, public.movie_features from anon, authenticated;

grant all on public.user_similarities, public.movie_similarities, public.user_neighbour_cache,
  public.recommendation_job_runs, public.user_item_candidates to service_role;

grant select on public.movie_rating_stats, public.movie_features to service_role;

-- The evidence behind one recommended film, declared once: what recommend_hybrid's blend found, as
-- get_recommendations returns it and recommendation_cache stores it. Catalogue-neutral: the film itself travels
-- beside it as a movie_card (a book would travel as its own card with the same evidence).
create type public.recommendation_row as (
  score real,
  predicted_rating real,
  sources text[],
  item_because_id integer,
  item_because_rating numeric,
  item_because_signal text,
  item_similarity real,
  cf_neighbours integer,
  cf_correlation real,
  cf_neighbour_mean real,
  content_method text,
  content_because_id integer,
  content_features text[],
  popular_count integer,
  popular_mean real
);

comment on type public.recommendation_row is 'Why one film is recommended: blended score, predicted stars and each source''s evidence.';
comment on column public.recommendation_row.score is 'Blended score, higher is better (comparable within one list only).';
comment on column public.recommendation_row.predicted_rating is 'Predicted stars (0.5-5) where the rating model has one.';
comment on column public.recommendation_row.sources is 'Sources that scored the film: item, cf, content, popular.';
comment on column public.recommendation_row.item_because_id is 'Item CF: the user''s film that contributes most (movies.id).';
comment on column public.recommendation_row.item_because_rating is 'Item CF: the user''s stars for item_because_id, when rated.';
comment on column public.recommendation_row.item_because_signal is 'Item CF: the strongest interaction on item_because_id (like, superlike...).';
comment on column public.recommendation_row.item_similarity is 'Item CF: similarity of the film to item_because_id.';
comment on column public.recommendation_row.cf_neighbours is 'User CF: neighbours who rated the film.';
comment on column public.recommendation_row.cf_correlation is 'User CF: mean similarity of those neighbours to the user.';
comment on column public.recommendation_row.cf_neighbour_mean is 'User CF: those neighbours'' mean rating of the film.';
comment on column public.recommendation_row.content_method is 'Content: embedding or features (TF-IDF of genres, keywords, people).';
comment on column public.recommendation_row.content_because_id is 'Content: the liked film it is closest to (movies.id).';
comment on column public.recommendation_row.content_features is 'Content: the features it shares with the user''s profile, most telling first.';
comment on column public.recommendation_row.popular_count is 'Popularity: Marquee ratings behind the Bayesian average.';
comment on column public.recommendation_row.popular_mean is 'Popularity: mean of those ratings.';

-- Which strategy serves a request and why, declared once: plan_recommendations decides it, get_recommendations
-- reports it on every row, and the edge reads it even when the list is empty.
create type public.recommendation_strategy as (
  requested text,
  served text,
  cold_start text,
  reason text,
  rated_count integer,
  liked_count integer
);

comment on type public.recommendation_strategy is 'The strategy a recommendation request asked for, the one that served, and why they differ.';
comment on column public.recommendation_strategy.requested is 'Strategy asked for: hybrid, cf, item, content or popular.';
comment on column public.recommendation_strategy.served is 'Strategy that produced the list: the requested one, cold_start (popularity blended with content) or popular.';
comment on column public.recommendation_strategy.cold_start is 'no_signals (nothing rated or liked) or few_ratings (fewer than 3 ratings); null otherwise.';
comment on column public.recommendation_strategy.reason is 'Why served differs from requested: no_signals, few_ratings, no_liked_films, source_empty; null when it does not.';
comment on column public.recommendation_strategy.rated_count is 'The user''s ratings when the list was planned.';
comment on column public.recommendation_strategy.liked_count is 'Films with a positive signal (rating of 3 or more stars, like, superlike, watchlist...) when planned.';

-- One row of a recommendation list, declared once for get_recommendations and get_recommendations_live: the film,
-- why it is recommended, the titles that evidence quotes, and the strategy that served the list.
create type public.recommended_movie as (
  movie public.movie_card,
  recommendation public.recommendation_row,
  item_because_title text,
  content_because_title text,
  strategy public.recommendation_strategy,
  book_because_id integer,
  book_because_title text,
  book_because_readers integer
);

comment on type public.recommended_movie is 'One recommended film with its evidence and the strategy that served it (get_recommendations).';
comment on column public.recommended_movie.movie is 'The film (movie_card).';
comment on column public.recommended_movie.recommendation is 'Score and evidence (recommendation_row).';
comment on column public.recommended_movie.item_because_title is 'Title of recommendation.item_because_id, for the item-based reason.';
comment on column public.recommended_movie.content_because_title is 'Title of recommendation.content_because_id, for the content reason.';
comment on column public.recommended_movie.strategy is 'The strategy that served the list and why (recommendation_strategy).';
comment on column public.recommended_movie.book_because_id is 'A book the user loved whose readers loved this film (film_book_evidence), for the cross-catalogue reason; null when none.';
comment on column public.recommended_movie.book_because_title is 'Title of book_because_id.';
comment on column public.recommended_movie.book_because_readers is 'People who loved both that book and this film (4 stars or more).';

-- recommendation_caller_check: raises 42501 when a JWT user asks for someone else's recommendations, 22023 when
-- no user is given. Direct connections (the edge, jobs) carry no JWT and pass.
create or replace function public.recommendation_caller_check(p_user_id uuid)
returns void
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = auto
as $$
begin
  if p_user_id is null then
    raise exception 'a user id is required' using errcode = '22023';
  end if;
  if auth.uid() is not null and auth.uid() <> p_user_id and coalesce(auth.role(), '') <> 'service_role' then
    raise exception 'cannot read another user''s recommendations' using errcode = '42501';
  end if;
end
$$;

comment on function public.recommendation_caller_check is 'Raises unless the caller may read p_user_id''s recommendations (same user, service role, or a direct connection).';

-- resolve_genre: a genre name in any case, or a TMDB genre id, to the canonical name; null stays null.
-- Unknown genres raise 22023 (the edge answers 400).
create or replace function public.resolve_genre(p_genre text)
returns text
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_name text;
begin
  if p_genre is null then
    return null;
  end if;
  select g.name into v_name from public.genres g
  where lower(g.name) = lower(p_genre) or (p_genre ~ '^[0-9]{1,9}$' and g.id = p_genre::integer);
  if v_name is null then
    raise exception 'unknown genre: %', p_genre using errcode = '22023';
  end if;
  return v_name;
end
$$;

comment on function public.resolve_genre is 'Genre name (any case) or TMDB id -> canonical genre name; unknown -> SQLSTATE 22023.';

-- user_signals: the user's taste evidence per film, read live. weight = rating_weights(rating) + the sum of the
-- weights of the distinct interaction types on the film (a like recorded twice counts once). rating is the
-- user's stars (null if unrated); signal is the strongest non-zero interaction type (null if none).
create or replace function public.user_signals(p_user_id uuid)
returns table (movie_id integer, weight real, rating numeric, signal text)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
rows 100
as $$
  with r as (
    select r.movie_id, rw.weight, r.rating
    from public.ratings r join public.rating_weights rw on rw.rating = r.rating
    where r.user_id = p_user_id
  ),
  i as (
    select t.movie_id, sum(t.weight)::real as weight,
           (array_agg(t.type order by abs(t.weight) desc, t.type))[1] as signal
    from (
      select distinct i.movie_id, i.type, sw.weight
      from public.interactions i join public.signal_weights sw on sw.type = i.type
      where i.user_id = p_user_id and i.movie_id is not null and sw.weight <> 0
    ) t
    group by t.movie_id
  )
  select coalesce(r.movie_id, i.movie_id), (coalesce(r.weight, 0) + coalesce(i.weight, 0))::real, r.rating, i.signal
  from r full join i on i.movie_id = r.movie_id
$$;

comment on function public.user_signals is 'A user''s live taste evidence per film: signed weight from ratings and interactions, stars, strongest interaction.';

-- user_signal_snapshot: every user's non-zero signals, one row per user (films ascending, weights in the same
-- order), by the formula of user_signals (rating_weights of the stars + the weights of the distinct interaction
-- types on the film), set-based for the nightly job: it reads the ratings and interactions tables once instead of
-- calling user_signals per user. test/recommend/item-candidates.test.ts checks that the two agree.
create or replace function public.user_signal_snapshot()
returns table (user_id uuid, movie_ids integer[], weights real[])
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  with r as (
    select r.user_id, r.movie_id, rw.weight
    from public.ratings r join public.rating_weights rw on rw.rating = r.rating
  ),
  i as (
    select t.user_id, t.movie_id, sum(t.weight)::real as weight
    from (
      select distinct i.user_id, i.movie_id, i.type, sw.weight
      from public.interactions i join public.signal_weights sw on sw.type = i.type
      where i.movie_id is not null and sw.weight <> 0
    ) t
    group by t.user_id, t.movie_id
  ),
  s as (
    select coalesce(r.user_id, i.user_id) as user_id, coalesce(r.movie_id, i.movie_id) as movie_id,
           (coalesce(r.weight, 0) + coalesce(i.weight, 0))::real as weight
    from r full join i on i.user_id = r.user_id and i.movie_id = r.movie_id
  )
  select s.user_id, array_agg(s.movie_id order by s.movie_id), array_agg(s.weight order by s.movie_id)
  from s where s.weight <> 0
  group by s.user_id
$$;

comment on function public.user_signal_snapshot is 'Every user''s non-zero signals (user_signals'' formula), one row per user, for the nightly item candidates.';

revoke execute on function public.user_signal_snapshot from public;

grant execute on function public.user_signal_snapshot to service_role;

-- excluded_movies: the user's films to leave out of recommendations. p_exclude lists any of rated, hidden,
-- disliked, seen, watchlist (a film the user means to watch is already found: recommending it again wastes a slot);
-- an unknown word raises 22023.
create or replace function public.excluded_movies(
  p_user_id uuid,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen', 'watchlist']
)
returns table (movie_id integer)
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = auto
rows 100
as $$
declare
  v_types text[];
begin
  if exists (select 1 from unnest(coalesce(p_exclude, '{}')) e
             where e not in ('rated', 'hidden', 'disliked', 'seen', 'watchlist')) then
    raise exception 'exclude must be any of rated, hidden, disliked, seen, watchlist' using errcode = '22023';
  end if;
  v_types := array_remove(array[
    case when 'hidden' = any (p_exclude) then 'hide' end,
    case when 'disliked' = any (p_exclude) then 'dislike' end,
    case when 'seen' = any (p_exclude) then 'seen' end,
    case when 'watchlist' = any (p_exclude) then 'watchlist' end
  ], null);
  return query
    select r.movie_id from public.ratings r where r.user_id = p_user_id and 'rated' = any (p_exclude)
    union
    select i.movie_id from public.interactions i
    where i.user_id = p_user_id and i.movie_id is not null and i.type = any (v_types);
end
$$;

comment on function public.excluded_movies is 'Films a user''s recommendations leave out: rated, hidden, disliked, seen and/or watchlisted (configurable).';

-- user_neighbours: the user's most similar users for user-based CF, best first (contract in
-- 20261122002100_recommendation_functions.sql); correlation is the agreement for a user whose ratings are all equal.
create or replace function public.user_neighbours(p_user_id uuid, p_live boolean default false, p_k integer default 50)
returns table (neighbour_id uuid, similarity real, correlation real, common_count integer, neighbour_mean real)
language plpgsql
volatile
rows 50
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_fingerprint text;
  v_cache public.user_neighbour_cache;
begin
  perform public.recommendation_caller_check(p_user_id);
  if not p_live then
    return query
      select s.neighbour_id, s.similarity, s.correlation, s.common_count, s.neighbour_mean
      from public.user_similarities s where s.user_id = p_user_id
      order by s.similarity desc, s.neighbour_id limit p_k;
    if found then
      return;
    end if;
    select count(*)::text || '@' || coalesce(max(r.updated_at)::text, '-') into v_fingerprint
    from public.ratings r where r.user_id = p_user_id;
    select * into v_cache from public.user_neighbour_cache c
    where c.user_id = p_user_id and c.fingerprint = v_fingerprint and c.expires_at > now();
    if found then
      return query
        select u.n, u.s, u.c, u.k, u.m
        from unnest(v_cache.neighbour_ids, v_cache.similarities, v_cache.correlations, v_cache.common_counts,
                    v_cache.neighbour_means) as u(n, s, c, k, m)
        limit p_k;
      return;
    end if;
  end if;

  with me as (select r.movie_id, r.rating::real as rating from public.ratings r where r.user_id = p_user_id),
  flat as (select count(distinct me.rating) = 1 as yes from me),
  pairs as (
    select o.user_id, count(*)::integer as n,
           case when (select flat.yes from flat)
                then (1 - avg(abs(me.rating - o.rating::real)) / 4.5)::real
                else corr(me.rating, o.rating::real)::real
           end as c
    from me join public.ratings o on o.movie_id = me.movie_id and o.user_id <> p_user_id
    group by o.user_id
    having count(*) >= 3
  ),
  best as (
    select p.user_id, (p.c * least(p.n, 50) / 50.0)::real as s, p.c, p.n
    from pairs p where p.c > 0.3
    order by 2 desc, 1
    limit p_k
  ),
  means as (
    select b.*, (select avg(r.rating)::real from public.ratings r where r.user_id = b.user_id) as m from best b
  )
  select coalesce(array_agg(b.user_id order by b.s desc, b.user_id), '{}'),
         coalesce(array_agg(b.s order by b.s desc, b.user_id), '{}'),
         coalesce(array_agg(b.c order by b.s desc, b.user_id), '{}'),
         coalesce(array_agg(b.n order by b.s desc, b.user_id), '{}'),
         coalesce(array_agg(b.m order by b.s desc, b.user_id), '{}')
  into v_cache.neighbour_ids, v_cache.similarities, v_cache.correlations, v_cache.common_counts,
       v_cache.neighbour_means
  from means b;

  if not p_live and exists (select 1 from public.users u where u.id = p_user_id) then
    insert into public.user_neighbour_cache as c
      (user_id, fingerprint, neighbour_ids, similarities, correlations, common_counts, neighbour_means,
       computed_at, expires_at)
    values (p_user_id, v_fingerprint, v_cache.neighbour_ids, v_cache.similarities, v_cache.correlations,
            v_cache.common_counts, v_cache.neighbour_means, now(), now() + interval '24 hours')
    on conflict (user_id) do update set
      fingerprint = excluded.fingerprint, neighbour_ids = excluded.neighbour_ids,
      similarities = excluded.similarities, correlations = excluded.correlations,
      common_counts = excluded.common_counts, neighbour_means = excluded.neighbour_means, computed_at = excluded.computed_at, expires_at = excluded.expires_at;
  end if;
  return query
    select u.n, u.s, u.c, u.k, u.m
    from unnest(v_cache.neighbour_ids, v_cache.similarities, v_cache.correlations, v_cache.common_counts,
                v_cache.neighbour_means) as u(n, s, c, k, m);
end
$$;

comment on function public.user_neighbours is 'A user''s CF neighbours: nightly rows, or computed on request (Pearson; agreement for a user whose ratings are all equal) and cached until their ratings change.';

-- recommend_items: item-based CF. score(j) = sum over the user's films i with a non-zero signal of
-- weight(i) * similarity(i, j), over each i's nightly top-k neighbours (movie_similarities); negative signals
-- (dislikes, hides, low ratings) push their neighbours down. Only films with a positive score are returned.
-- Evidence: the user's film contributing most to each recommendation, with its stars/signal and the similarity.
-- Served from user_item_candidates when the nightly job wrote the user a row and no filter is given: the stored
-- scores, plus (weight now - weight then) * similarity over the neighbours of the films whose signal changed since
-- the run, so a request reads one row and the changed films' neighbours instead of every signal's. The sum is
-- linear, so this equals the live sum for every stored film and for every film a changed signal reaches; a film
-- outside the stored best 300 that no changed signal reaches is not offered (its score was below all of them at the
-- run; films the user had rated are not stored, so this path needs 'rated' among the exclusions). Stored evidence
-- holds for a film no changed signal reaches; the others' evidence is read live. With a genre, year or language
-- filter, rated films allowed, or without a stored row (a new user), the whole sum is computed live.
create or replace function public.recommend_items(
  p_user_id uuid,
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen'],
  p_limit integer default 20
)
returns table (
  movie_id integer, score real, because_movie_id integer, because_rating numeric, because_signal text,
  because_similarity real
)
language plpgsql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
rows 200
as $$
declare
  v_stored public.user_item_candidates;
begin
  perform public.recommendation_caller_check(p_user_id);
  if p_genre is null and p_year_from is null and p_year_to is null and p_language is null
     and 'rated' = any (p_exclude) then
    select * into v_stored from public.user_item_candidates c where c.user_id = p_user_id;
  end if;
  if v_stored.user_id is not null then
    return query
      with sig as materialized (select s.* from public.user_signals(p_user_id) s where s.weight <> 0),
      snap as (select u.m, u.w from unnest(v_stored.signal_ids, v_stored.signal_weights) as u(m, w)),
      changed as materialized (
        select coalesce(sig.movie_id, snap.m) as movie_id, coalesce(sig.weight, 0) - coalesce(snap.w, 0) as dw,
               sig.weight as w_now
        from sig full join snap on snap.m = sig.movie_id
        where coalesce(sig.weight, 0) <> coalesce(snap.w, 0)
      ),
      -- Each changed film's contribution to each of its neighbours: the score correction, and (weight now > 0)
      -- its claim to be the evidence.
      dd as materialized (
        select s.neighbour_id as movie_id, ch.movie_id as from_id, ch.dw * s.similarity as d,
               case when ch.w_now > 0 then ch.w_now * s.similarity end as c, s.similarity
        from changed ch join public.movie_similarities s on s.movie_id = ch.movie_id
      ),
      -- The changed films themselves too: one whose rating was deleted is a candidate again.
      delta as (
        select x.movie_id, sum(x.d) as d, bool_or(x.own) as own
        from (select dd.movie_id, dd.d, false as own from dd union all select ch.movie_id, 0, true from changed ch) x
        group by x.movie_id
      ),
      ex as materialized (select e.movie_id from public.excluded_movies(p_user_id, p_exclude) e),
      base as (
        select u.m as movie_id, u.s as score, u.b as because_id
        from unnest(v_stored.movie_ids, v_stored.scores, v_stored.because_ids) as u(m, s, b)
      ),
      scored as (
        select coalesce(b.movie_id, d.movie_id) as movie_id, coalesce(b.score, 0) + coalesce(d.d, 0) as score,
               b.movie_id is not null as stored, b.because_id, d.movie_id is not null as touched,
               coalesce(d.own, false) and b.movie_id is null as came_back
        from base b full join delta d on d.movie_id = b.movie_id
      ),
      -- Twice the films asked for, by provisional score (a film not stored counts its correction only), and every
      -- changed film not stored (its rating deleted: a candidate again, with no correction of its own) ...
      cand as materialized (
        select c.*
        from scored c join public.movies m on m.id = c.movie_id
        where (c.score > 0 or c.came_back)
          and not m.adult
          and c.movie_id not in (select ex.movie_id from ex)
        order by c.came_back desc, c.score desc, c.movie_id
        limit 2 * p_limit + (select count(*) from changed)
      ),
      -- ... then a film not stored gets its exact sum over every signal (its score at the run was unknown).
      fix as (
        select t.movie_id, sum(sig.weight * s.similarity) as score
        from cand t
        join public.movie_similarities s on s.neighbour_id = t.movie_id
        join sig on sig.movie_id = s.movie_id
        where not t.stored
        group by t.movie_id
      ),
      top as materialized (
        select x.* from (
          select t.movie_id, (case when t.stored then t.score else coalesce(f.score, 0) end)::real as score,
                 t.stored, t.touched, t.because_id
          from cand t left join fix f on f.movie_id = t.movie_id
        ) x
        where x.score > 0
        order by x.score desc, x.movie_id
        limit p_limit
      ),
      -- Evidence: the stored one while its film's signal is unchanged, against the changed films' claims; read
      -- live for a film not stored or whose stored evidence film changed.
      claims as (
        select dd.movie_id, dd.from_id, dd.c, dd.similarity
        from dd join top on top.movie_id = dd.movie_id
        where dd.c is not null
        union all
        select t.movie_id, t.because_id, bs.weight * bm.similarity, bm.similarity
        from top t
        join sig bs on bs.movie_id = t.because_id
        join public.movie_similarities bm on bm.movie_id = t.because_id and bm.neighbour_id = t.movie_id
        where t.stored and t.because_id not in (select changed.movie_id from changed)
        union all
        select s.neighbour_id, sig.movie_id, sig.weight * s.similarity, s.similarity
        from top t
        join public.movie_similarities s on s.neighbour_id = t.movie_id
        join sig on sig.movie_id = s.movie_id
        where sig.weight > 0
          and (not t.stored or (t.touched and t.because_id in (select changed.movie_id from changed)))
      ),
      evidence as (
        select distinct on (cl.movie_id) cl.movie_id, cl.from_id, cl.similarity
        from claims cl
        order by cl.movie_id, cl.c desc, cl.from_id
      )
      select t.movie_id, t.score, e.from_id, es.rating, es.signal, e.similarity
      from top t
      left join evidence e on e.movie_id = t.movie_id
      left join sig es on es.movie_id = e.from_id
      order by t.score desc, t.movie_id;
    return;
  end if;
  return query
    with sig as materialized (select s.* from public.user_signals(p_user_id) s where s.weight <> 0),
    ex as materialized (select e.movie_id from public.excluded_movies(p_user_id, p_exclude) e),
    scored as (
      select s.neighbour_id, sum(sig.weight * s.similarity) as score
      from sig join public.movie_similarities s on s.movie_id = sig.movie_id
      group by s.neighbour_id
    ),
    top as materialized (
      select c.neighbour_id as movie_id, c.score::real as score
      from scored c join public.movies m on m.id = c.neighbour_id
      where c.score > 0
        and not m.adult
        and (p_genre is null or m.genres @> array[p_genre])
        and (p_year_from is null or m.release_year >= p_year_from)
        and (p_year_to is null or m.release_year <= p_year_to)
        and (p_language is null or m.original_language = p_language)
        and c.neighbour_id not in (select ex.movie_id from ex)
      order by c.score desc, c.neighbour_id
      limit p_limit
    ),
    evidence as (
      select distinct on (s.neighbour_id) s.neighbour_id, sig.movie_id, sig.rating, sig.signal, s.similarity
      from top join public.movie_similarities s on s.neighbour_id = top.movie_id
      join sig on sig.movie_id = s.movie_id
      where sig.weight > 0
      order by s.neighbour_id, sig.weight * s.similarity desc, sig.movie_id
    )
    select t.movie_id, t.score, e.movie_id, e.rating, e.signal, e.similarity
    from top t left join evidence e on e.neighbour_id = t.movie_id
    order by t.score desc, t.movie_id;
end
$$;

comment on function public.recommend_items is 'Item-based CF over the nightly top-k film neighbours and the user''s live signals, with the strongest contributing film as evidence.';

-- content_evidence: why each given film is close in content to what the user liked (the embedding method of
-- recommend_content): because_movie_id = the liked film (rated 4 stars or more, liked or superliked) nearest by
-- embedding, when its cosine is at least the nightly calibrated threshold (recommendation_job_runs' newest
-- contentThreshold) and the two share a feature; shared_features = the up to 3 features the film shares with that
-- film, else the up to 3 it shares with any liked film (by TF-IDF weight products). Films without an embedding
-- get no row. Called for the films actually served (recommend_hybrid's final rows), not for every candidate.
create or replace function public.content_evidence(p_user_id uuid, p_movie_ids integer[])
returns table (movie_id integer, because_movie_id integer, shared_features text[])
language plpgsql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
rows 100
as $$
declare
  v_threshold real;
begin
  perform public.recommendation_caller_check(p_user_id);
  if coalesce(cardinality(p_movie_ids), 0) = 0 then
    return;
  end if;
  select (j.summary ->> 'contentThreshold')::real into v_threshold
  from public.recommendation_job_runs j where j.job = 'nightly' order by j.id desc limit 1;
  return query
    with liked as materialized (
      select s.movie_id, m.embedding
      from public.user_signals(p_user_id) s join public.movies m on m.id = s.movie_id
      where m.embedding is not null and (s.rating >= 4 or s.signal in ('like', 'superlike'))
    ),
    -- Each feature of the liked films with its largest weight among them, once (the weights are non-negative,
    -- so max(w1 * w2) over liked films = w1 * this).
    liked_features as materialized (
      select f.feature, max(f.weight) as weight
      from liked l join public.movie_features f on f.movie_id = l.movie_id
      group by f.feature
    ),
    films as (
      select m.id, m.embedding from unnest(p_movie_ids) as w(id) join public.movies m on m.id = w.id
      where m.embedding is not null
    )
    select t.id,
           case when b.similarity >= v_threshold and cardinality(b.features) > 0 then b.movie_id end,
           case when b.similarity >= v_threshold and cardinality(b.features) > 0 then b.features else p.features end
    from films t
    left join lateral (
      select l.movie_id, (1 - (l.embedding <=> t.embedding))::real as similarity,
             array(
               select f1.feature
               from public.movie_features f1
               join public.movie_features f2 on f2.feature = f1.feature and f2.movie_id = l.movie_id
               where f1.movie_id = t.id
               order by f1.weight * f2.weight desc, f1.feature
               limit 3
             ) as features
      from liked l
      order by l.embedding <=> t.embedding, l.movie_id
      limit 1
    ) b on true
    left join lateral (
      select array(
        select f1.feature
        from public.movie_features f1
        join liked_features lf on lf.feature = f1.feature
        where f1.movie_id = t.id
        order by f1.weight * lf.weight desc, f1.feature
        limit 3
      ) as features
    ) p on true;
end
$$;

comment on function public.content_evidence is 'The content reason for given films: the nearest liked film above the calibrated similarity with the features both share, else the features shared with any liked film.';

-- recommend_content: content-based recommendations (contract in 20261122002100_recommendation_functions.sql);
-- for method 'embedding', because_movie_id and shared_features are content_evidence's (above), or null and empty
-- with p_evidence false (recommend_hybrid asks content_evidence for the films it serves only).
create or replace function public.recommend_content(
  p_user_id uuid,
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen'],
  p_limit integer default 20,
  p_evidence boolean default true
)
returns table (
  movie_id integer, score real, method text, because_movie_id integer, shared_features text[]
)
language plpgsql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
set hnsw.ef_search = 200
set hnsw.iterative_scan = relaxed_order
rows 200
as $$
declare
  v_profile vector;
begin
  perform public.recommendation_caller_check(p_user_id);
  select avg(m.embedding) into v_profile
  from public.user_signals(p_user_id) s join public.movies m on m.id = s.movie_id
  where s.weight > 0 and m.embedding is not null;

  if v_profile is not null then
    return query
      with ex as materialized (select e.movie_id from public.excluded_movies(p_user_id, p_exclude) e),
      -- By the HNSW index on a large catalogue (the planner's choice; ef_search 200 and iterative scans so that a
      -- filter or the exclusions cannot starve the limit), re-sorted exactly below.
      near as materialized (
        select m.id, m.embedding <=> v_profile as distance
        from public.movies m
        where m.embedding is not null
          and not m.adult
          and (p_genre is null or m.genres @> array[p_genre])
          and (p_year_from is null or m.release_year >= p_year_from)
          and (p_year_to is null or m.release_year <= p_year_to)
          and (p_language is null or m.original_language = p_language)
          and m.id not in (select ex.movie_id from ex)
        order by m.embedding <=> v_profile
        limit p_limit
      ),
      top as materialized (
        select n.id, (1 - n.distance)::real as score from near n order by n.distance, n.id
      ),
      evidence as materialized (
        select e.* from public.content_evidence(p_user_id, array(select t.id from top t)) e where p_evidence
      )
      select t.id, t.score, 'embedding'::text, e.because_movie_id, coalesce(e.shared_features, '{}')
      from top t left join evidence e on e.movie_id = t.id
      order by t.score desc, t.id;
    return;
  end if;

  return query
    with ex as materialized (select e.movie_id from public.excluded_movies(p_user_id, p_exclude) e),
    sig as materialized (select s.movie_id, s.weight from public.user_signals(p_user_id) s where s.weight <> 0),
    profile as materialized (
      select f.feature, sum(s.weight * f.weight) as pw
      from sig s join public.movie_features f on f.movie_id = s.movie_id
      group by f.feature
      having sum(s.weight * f.weight) > 0
    ),
    norm as (select sqrt(sum(p.pw * p.pw)) as n from profile p),
    scored as (
      select f.movie_id, sum(p.pw * f.weight) / max(norm.n) as score
      from profile p join public.movie_features f on f.feature = p.feature cross join norm
      group by f.movie_id
    ),
    top as materialized (
      select c.movie_id, c.score::real as score
      from scored c join public.movies m on m.id = c.movie_id
      where not m.adult
        and (p_genre is null or m.genres @> array[p_genre])
        and (p_year_from is null or m.release_year >= p_year_from)
        and (p_year_to is null or m.release_year <= p_year_to)
        and (p_language is null or m.original_language = p_language)
        and c.movie_id not in (select ex.movie_id from ex)
      order by c.score desc, c.movie_id
      limit p_limit
    ),
    shared as (
      select t.movie_id, (array_agg(p.feature order by p.pw * f.weight desc, p.feature))[1:3] as features
      from top t join public.movie_features f on f.movie_id = t.movie_id
      join profile p on p.feature = f.feature
      group by t.movie_id
    )
    select t.movie_id, t.score, 'features'::text, null::integer, coalesce(sh.features, '{}')
    from top t left join shared sh on sh.movie_id = t.movie_id
    order by t.score desc, t.movie_id;
end
$$;

comment on function public.recommend_content is 'Content-based: cosine similarity to the user''s liked films, by embedding where present (evidence: a liked film above the calibrated similarity, with the features both share), else by TF-IDF genres/keywords/cast/director.';

-- Per-film rating counts and means over the trending windows the API offers (7, 30 and 365 days), as of the last
-- refresh: trending reads this instead of aggregating the ratings table per request. Refreshed by
-- `marquee jobs nightly` (and `marquee jobs trending` for a shorter cadence); recommend_popular aggregates live
-- when it is older than 36 hours or the window is another length.
create materialized view public.movie_trending_stats as
  select w.days as window_days, r.movie_id, count(*)::integer as rating_count, avg(r.rating)::real as rating_mean,
         now() as refreshed_at
  from (values (7), (30), (365)) as w(days)
  join public.ratings r on r.created_at >= now() - make_interval(days => w.days)
  group by w.days, r.movie_id;

create unique index movie_trending_stats_window_movie_idx on public.movie_trending_stats (window_days, movie_id);

comment on materialized view public.movie_trending_stats is 'Per-film rating count and mean over the last 7, 30 and 365 days as of the last refresh (trending). Refreshed by `marquee jobs nightly` and `marquee jobs trending`.';

comment on column public.movie_trending_stats.window_days is 'Window length in days: 7, 30 or 365.';

comment on column public.movie_trending_stats.movie_id is 'The film (movies.id).';

comment on column public.movie_trending_stats.rating_count is 'Ratings of the film created in the window.';

comment on column public.movie_trending_stats.rating_mean is 'Their mean, in stars.';

comment on column public.movie_trending_stats.refreshed_at is 'When the view was refreshed (the end of every window).';

revoke all on public.movie_trending_stats from anon, authenticated;

grant select on public.movie_trending_stats to service_role;

-- The public popularity lists, scored and ordered ahead of time: every film of movie_rating_stats (window_days 0,
-- all time) and of movie_trending_stats (7, 30, 365) with its Bayesian score at the API's prior weight (25) and
-- C, the all-time mean of all ratings. get_popular_movies reads it in score order and stops at the limit, where
-- scoring every rated film per request made popular cost three catalogue list reads. Each row also carries the
-- film's card and the filter columns (genres, year, language) as of the refresh, so that the public list is one
-- index scan of this view with no join: it then costs less than a catalogue page. Adult films are left out, and a
-- film flagged adult since the refresh is still checked live (movies_adult_idx). Refreshed after the two views it
-- reads, by `marquee jobs nightly` and `marquee jobs trending` (hourly), so a renamed film's card is at most that
-- old here.
create materialized view public.movie_popularity as
  with prior as (
    select (sum(s.rating_count * s.rating_mean) / nullif(sum(s.rating_count), 0))::real as c
    from public.movie_rating_stats s
  ),
  stats as (
    select 0 as window_days, s.movie_id, s.rating_count, s.rating_mean, null::timestamptz as refreshed_at
    from public.movie_rating_stats s
    union all
    select t.window_days, t.movie_id, t.rating_count, t.rating_mean, t.refreshed_at
    from public.movie_trending_stats t
  )
  select st.window_days, st.movie_id, st.rating_count, st.rating_mean,
         ((st.rating_count * st.rating_mean + 25 * p.c) / (st.rating_count + 25))::real as score,
         p.c as prior, st.refreshed_at,
         public.to_movie_card(m) as card, m.genres, m.release_year, m.original_language
  from stats st cross join prior p
  join public.movies m on m.id = st.movie_id and not m.adult
  where p.c is not null;

create unique index movie_popularity_window_movie_idx on public.movie_popularity (window_days, movie_id);

create index movie_popularity_rank_idx on public.movie_popularity (window_days, score desc, rating_count desc, movie_id);

comment on materialized view public.movie_popularity is 'Popularity lists scored ahead of time: all time (window_days 0) and the trending windows, Bayesian score at prior weight 25. Refreshed by `marquee jobs nightly` and `marquee jobs trending`, after movie_rating_stats and movie_trending_stats.';

comment on column public.movie_popularity.window_days is '0 = all time; 7, 30 or 365 = the trending window.';

comment on column public.movie_popularity.movie_id is 'The film (movies.id).';

comment on column public.movie_popularity.rating_count is 'Ratings of the film (in the window).';

comment on column public.movie_popularity.rating_mean is 'Their mean, in stars.';

comment on column public.movie_popularity.score is '(n * mean + 25 * prior) / (n + 25).';

comment on column public.movie_popularity.prior is 'C: the all-time mean of all ratings, as of the refresh.';

comment on column public.movie_popularity.refreshed_at is 'When the trending window was refreshed; null for all time.';

comment on column public.movie_popularity.card is 'The film''s card (to_movie_card) as of the refresh: what the public list serves.';

comment on column public.movie_popularity.genres is 'The film''s genres as of the refresh (the genre filter).';

comment on column public.movie_popularity.release_year is 'The film''s year as of the refresh (the year filters).';

comment on column public.movie_popularity.original_language is 'The film''s original language as of the refresh (the language filter).';

revoke all on public.movie_popularity from anon, authenticated;

grant select on public.movie_popularity to service_role;

-- recommend_popular: Bayesian-average popularity over Marquee ratings.
--   score = (n * mean + p_prior_weight * C) / (n + p_prior_weight), C = the all-time mean of all ratings (never the
--   window's own mean: a window of bad ratings must not set its own bar)
-- Films with fewer than p_min_ratings ratings are left out. p_window_days null = all time (the nightly
-- movie_rating_stats view, or a live aggregate while it has never been refreshed); a number = trending over the
-- last N days, from movie_trending_stats for 7, 30 and 365 days while it is under 36 hours old, else live. A
-- trending film must also score at least C: a film rated below the average is not "popular this week", however
-- few films the window holds. p_user_id is optional: when given, that user's excluded films are left out.
-- At the API's prior weight (25) the scores come from movie_popularity (scored at the refresh), read in score
-- order up to the limit; the same numbers, without scoring every rated film per request.
create or replace function public.recommend_popular(
  p_user_id uuid default null,
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen'],
  p_limit integer default 20,
  p_window_days integer default null,
  p_min_ratings integer default 5,
  p_prior_weight real default 25
)
returns table (movie_id integer, score real, rating_count integer, rating_mean real)
language plpgsql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
rows 200
as $$
declare
  v_mode text;
  v_prior real;
begin
  if p_user_id is not null then
    perform public.recommendation_caller_check(p_user_id);
  end if;
  if p_window_days is not null and (p_window_days < 1 or p_window_days > 3650) then
    raise exception 'window must be between 1 and 3650 days' using errcode = '22023';
  end if;
  if p_min_ratings is null or p_min_ratings < 1 or p_prior_weight is null or p_prior_weight < 0 then
    raise exception 'min ratings must be >= 1 and prior weight >= 0' using errcode = '22023';
  end if;
  -- The API's prior weight on a list movie_popularity holds (scored at the same refresh as the views below, with
  -- the same prior; a trending window refreshed in the last 36 hours): read in score order and stop at the limit,
  -- instead of scoring every rated film. Anything else is scored here.
  -- Held and fresh: read from the window's first row by the unique index, as get_popular_movies does.
  if p_prior_weight = 25 and (p_window_days is null or p_window_days in (7, 30, 365))
     and exists (
       select 1 from (
         select p.refreshed_at from public.movie_popularity p
         where p.window_days = coalesce(p_window_days, 0) order by p.window_days, p.movie_id limit 1
       ) w
       where p_window_days is null or w.refreshed_at > now() - interval '36 hours'
     ) then
    return query
      with ex as materialized (
        select e.movie_id from public.excluded_movies(p_user_id, p_exclude) e where p_user_id is not null
      )
      select p.movie_id, p.score, p.rating_count, p.rating_mean
      from public.movie_popularity p
      join public.movies m on m.id = p.movie_id
      where p.window_days = coalesce(p_window_days, 0)
        and p.rating_count >= p_min_ratings
        and (p_window_days is null or p.score >= p.prior)
        and not m.adult
        and (p_genre is null or m.genres @> array[p_genre])
        and (p_year_from is null or m.release_year >= p_year_from)
        and (p_year_to is null or m.release_year <= p_year_to)
        and (p_language is null or m.original_language = p_language)
        and p.movie_id not in (select ex.movie_id from ex)
      order by p.score desc, p.rating_count desc, p.movie_id
      limit p_limit;
    return;
  end if;
  v_mode := case when exists (select 1 from public.movie_rating_stats) then 'nightly' else 'live' end;
  if p_window_days is not null then
    v_mode := case
      when p_window_days in (7, 30, 365) and exists (
        select 1 from public.movie_trending_stats t
        where t.window_days = p_window_days and t.refreshed_at > now() - interval '36 hours'
      ) then 'trending'
      else 'window' end;
  end if;
  if exists (select 1 from public.movie_rating_stats) then
    select (sum(s.rating_count * s.rating_mean) / nullif(sum(s.rating_count), 0))::real into v_prior
    from public.movie_rating_stats s;
  else
    select avg(r.rating)::real into v_prior from public.ratings r;
  end if;

  return query
    with ex as materialized (
      select e.movie_id from public.excluded_movies(p_user_id, p_exclude) e where p_user_id is not null
    ),
    -- Only the branch matching v_mode runs (its condition is a one-time filter).
    stats as materialized (
      select r.movie_id, count(*)::integer as n, avg(r.rating)::real as mean from public.ratings r
      where v_mode = 'window' and r.created_at >= now() - make_interval(days => p_window_days)
      group by r.movie_id
      union all
      select t.movie_id, t.rating_count, t.rating_mean from public.movie_trending_stats t
      where v_mode = 'trending' and t.window_days = p_window_days
      union all
      select s.movie_id, s.rating_count, s.rating_mean from public.movie_rating_stats s where v_mode = 'nightly'
      union all
      select r.movie_id, count(*)::integer, avg(r.rating)::real from public.ratings r
      where v_mode = 'live'
      group by r.movie_id
    ),
    scored as (
      select s.movie_id, ((s.n * s.mean + p_prior_weight * v_prior) / (s.n + p_prior_weight))::real as score, s.n,
             s.mean
      from stats s
    )
    select s.movie_id, s.score, s.n, s.mean
    from scored s
    join public.movies m on m.id = s.movie_id
    where s.n >= p_min_ratings
      and (p_window_days is null or s.score >= v_prior)
      and not m.adult
      and (p_genre is null or m.genres @> array[p_genre])
      and (p_year_from is null or m.release_year >= p_year_from)
      and (p_year_to is null or m.release_year <= p_year_to)
      and (p_language is null or m.original_language = p_language)
      and s.movie_id not in (select ex.movie_id from ex)
    order by 2 desc, s.n desc, s.movie_id
    limit p_limit;
end
$$;

comment on function public.recommend_popular is 'Bayesian-average popularity (all time or trending over N days), min ratings and prior weight configurable.';

-- plan_recommendations: which strategy serves a user's request, decided once for get_recommendations_live and
-- for the edge when a list comes back empty.
--   no rating and no positive signal           -> popular, cold_start 'no_signals' (any strategy but popular)
--   content without a positive signal          -> popular, reason 'no_liked_films'
--   hybrid, cf or item with fewer than 3 ratings -> cold_start (popularity blended 50/50 with content) when
--                                                 something is liked, else popular; cold_start 'few_ratings'
-- get_recommendations_live adds reason 'source_empty' when the planned source then finds no candidates at all.
-- Caller check as for every recommendation function; 22023 for an unknown strategy.
create or replace function public.plan_recommendations(p_user_id uuid, p_strategy text default 'hybrid')
returns setof public.recommendation_strategy
language plpgsql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v public.recommendation_strategy;
begin
  perform public.recommendation_caller_check(p_user_id);
  if p_strategy is null or p_strategy not in ('hybrid', 'cf', 'item', 'content', 'popular') then
    raise exception 'strategy must be one of hybrid, cf, item, content, popular' using errcode = '22023';
  end if;
  v.requested := p_strategy;
  v.served := p_strategy;
  select count(*)::integer into v.rated_count from public.ratings r where r.user_id = p_user_id;
  select count(*)::integer into v.liked_count from public.user_signals(p_user_id) s where s.weight > 0;
  if p_strategy <> 'popular' and v.liked_count = 0 and v.rated_count = 0 then
    v.served := 'popular';
    v.cold_start := 'no_signals';
    v.reason := 'no_signals';
  elsif p_strategy = 'content' and v.liked_count = 0 then
    v.served := 'popular';
    v.reason := 'no_liked_films';
  elsif p_strategy in ('hybrid', 'cf', 'item') and v.rated_count < 3 then
    v.served := case when v.liked_count > 0 then 'cold_start' else 'popular' end;
    v.cold_start := 'few_ratings';
    v.reason := 'few_ratings';
  end if;
  return next v;
end
$$;

comment on function public.plan_recommendations is 'The strategy that serves a user''s recommendation request and why (cold start, no liked films), decided in one place.';

revoke execute on function public.plan_recommendations from public;

grant execute on function public.plan_recommendations to authenticated, service_role;

-- get_recommendations_live: GET /v1/recommendations computed on request, in one round trip.
--   p_strategy  hybrid | cf (user-based) | item | content | popular; planned by plan_recommendations
--   p_genre     name in any case or TMDB id (unknown -> 22023); p_year_from/to, p_language; p_exclude as above
--   p_limit     1..500 (the edge allows 50; the offline evaluation asks for k)
--   p_weights   {collaborative, content, popular[, item share of collaborative[, like centre]]} for hybrid (the
--               like centre: recommend_hybrid's p_like_center, 0 = off); null (default) = recommendation_weights():
--               the newest blend `marquee tune` fitted, else {0.5, 0.3, 0.2, 0.7}
--   p_book_evidence  the book reason of each row (film_book_evidence); false when the rows are stored
--               (refresh_recommendation_cache keeps no book reason: it is read live when served)
-- When the planned source has no candidates at all (for example item-based before the first nightly run) the
-- response falls back to popularity with reason 'source_empty'. Rows, best first: the film (movie_card), the
-- evidence (recommendation_row), the titles of the films quoted as evidence, and the strategy that served.
create or replace function public.get_recommendations_live(
  p_user_id uuid,
  p_strategy text default 'hybrid',
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen', 'watchlist'],
  p_limit integer default 20,
  p_weights real[] default null,
  p_book_evidence boolean default true
)
returns setof public.recommended_movie
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_genre text := public.resolve_genre(p_genre);
  v_plan public.recommendation_strategy;
  v_w real[] := array[0, 0, 0];
  v_weights real[] := coalesce(p_weights, public.recommendation_weights());
  v_item_share real;
begin
  select * into v_plan from public.plan_recommendations(p_user_id, p_strategy);
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception 'limit must be between 1 and 500' using errcode = '22023';
  end if;
  if array_length(v_weights, 1) not in (3, 4, 5) or exists (select 1 from unnest(v_weights) x where x < 0 or x is null)
     or v_weights[1] + v_weights[2] + v_weights[3] <= 0 or coalesce(v_weights[4], 0) > 1
     or coalesce(v_weights[5], 0) > 5 or (v_weights[5] > 0 and v_weights[5] < 1) then
    raise exception 'weights must be three non-negative numbers (collaborative, content, popular), not all 0, optionally the item share of collaborative (0..1) and the like centre (0 = off, or 1..5 stars)'
      using errcode = '22023';
  end if;
  v_item_share := coalesce(v_weights[4], 0.7);
  if p_year_from is not null and p_year_to is not null and p_year_from > p_year_to then
    raise exception 'year_from must not be after year_to' using errcode = '22023';
  end if;

  case v_plan.served
    when 'hybrid' then v_w := v_weights[1:3];
    when 'cf' then v_w := array[1, 0, 0]; v_item_share := 0;
    when 'item' then v_w := array[1, 0, 0]; v_item_share := 1;
    when 'content' then v_w := array[0, 1, 0];
    when 'popular' then v_w := array[0, 0, 1];
    when 'cold_start' then v_w := array[0, 0.5, 0.5];
  end case;

  return query
    with recs as (
      select * from public.recommend_hybrid(
        p_user_id, v_genre, p_year_from, p_year_to, p_language, p_exclude, p_limit,
        v_w[1], v_w[2], v_w[3], v_item_share,
        p_like_center => case when v_plan.served = 'hybrid' then v_weights[5] end)
    )
    select public.to_movie_card(m), r.recommendation, ib.title, cb.title, v_plan, be.book_id, be.title, be.readers
    from recs r
    join public.movies m on m.id = r.movie_id
    left join public.movies ib on ib.id = (r.recommendation).item_because_id
    left join public.movies cb on cb.id = (r.recommendation).content_because_id
    left join public.film_book_evidence(p_user_id, array(select x.movie_id from recs x where p_book_evidence)) be
      on be.movie_id = r.movie_id
    order by (r.recommendation).score desc, r.movie_id;

  -- The planned source had nothing to offer (e.g. no nightly neighbours yet): fall back to popularity.
  if not found and v_plan.served <> 'popular' then
    v_plan.served := 'popular';
    v_plan.reason := coalesce(v_plan.reason, 'source_empty');
    return query
      with pop as materialized (
        select * from public.recommend_popular(p_user_id, v_genre, p_year_from, p_year_to, p_language, p_exclude,
                                               p_limit)
      )
      select public.to_movie_card(m),
             row(p.score, null, array['popular'], null, null, null, null, null, null, null, null, null, null,
                 p.rating_count, p.rating_mean)::public.recommendation_row,
             null::text, null::text, v_plan, be.book_id, be.title, be.readers
      from pop p
      join public.movies m on m.id = p.movie_id
      left join public.film_book_evidence(p_user_id, array(select x.movie_id from pop x where p_book_evidence)) be
        on be.movie_id = p.movie_id
      order by p.score desc, p.rating_count desc, p.movie_id;
  end if;
end
$$;

comment on function public.get_recommendations_live is 'Personalised recommendations computed on request, never cached (get_recommendations serves from recommendation_cache when it can).';

-- get_popular_movies: GET /v1/recommendations/popular. Public (no user). Bayesian popularity all time
-- (p_window_days null) or trending over the last N days, with the filters. p_limit 1..100.
create or replace function public.get_popular_movies(
  p_window_days integer default null,
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_limit integer default 20,
  p_min_ratings integer default 5,
  p_prior_weight real default 25
)
returns table (
  movie public.movie_card,
  score real,
  rating_count integer,
  rating_mean real
)
language plpgsql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_genre text := public.resolve_genre(p_genre);
begin
  if p_limit is null or p_limit < 1 or p_limit > 100 then
    raise exception 'limit must be between 1 and 100' using errcode = '22023';
  end if;
  if p_year_from is not null and p_year_to is not null and p_year_from > p_year_to then
    raise exception 'year_from must not be after year_to' using errcode = '22023';
  end if;
  -- The API's prior weight on a list movie_popularity holds (a trending one refreshed in the last 36 hours, the
  -- rule recommend_popular applies to movie_trending_stats): read it in score order, one query, as cheap as a
  -- catalogue list. Anything else is scored by recommend_popular.
  -- The window's first row by the unique index says whether it is held and when it was refreshed (every row of a
  -- window has the same refreshed_at): an exists over the refresh time would scan the view from its start.
  if p_prior_weight = 25 and p_min_ratings >= 1 and (p_window_days is null or p_window_days in (7, 30, 365))
     and exists (
       select 1 from (
         select p.refreshed_at from public.movie_popularity p
         where p.window_days = coalesce(p_window_days, 0) order by p.window_days, p.movie_id limit 1
       ) w
       where p_window_days is null or w.refreshed_at > now() - interval '36 hours'
     ) then
    return query
      select p.card, p.score, p.rating_count, p.rating_mean
      from public.movie_popularity p
      where p.window_days = coalesce(p_window_days, 0)
        and p.rating_count >= p_min_ratings
        and (p_window_days is null or p.score >= p.prior)
        and not exists (select 1 from public.movies a where a.id = p.movie_id and a.adult)
        and (v_genre is null or p.genres @> array[v_genre])
        and (p_year_from is null or p.release_year >= p_year_from)
        and (p_year_to is null or p.release_year <= p_year_to)
        and (p_language is null or p.original_language = p_language)
      order by p.score desc, p.rating_count desc, p.movie_id
      limit p_limit;
    return;
  end if;
  return query
    select public.to_movie_card(m),
           p.score, p.rating_count, p.rating_mean
    from public.recommend_popular(null, v_genre, p_year_from, p_year_to, p_language, '{}', p_limit,
                                  p_window_days, p_min_ratings, p_prior_weight) p
    join public.movies m on m.id = p.movie_id
    order by p.score desc, p.rating_count desc, p.movie_id;
end
$$;

comment on function public.get_popular_movies is 'Public Bayesian popularity, all time or trending (GET /v1/recommendations/popular).';

-- Each language's share of the catalogue, for similar films: two films sharing a rare original language (French in
-- an English-heavy catalogue) share more than two sharing the common one. Refreshed by `marquee jobs nightly`.
create materialized view public.catalogue_language_shares as
  select coalesce(m.original_language, '') as original_language, count(*)::integer as films,
         (count(*)::real / sum(count(*)) over ())::real as share
  from public.movies m
  where not m.adult
  group by 1;

create unique index catalogue_language_shares_idx on public.catalogue_language_shares (original_language);

comment on materialized view public.catalogue_language_shares is 'Films per original language and their share of the catalogue (similar films weigh a shared rare language more). Refreshed by `marquee jobs nightly`.';

comment on column public.catalogue_language_shares.original_language is 'ISO 639-1 code; empty string for films with none.';

comment on column public.catalogue_language_shares.films is 'Non-adult films in that language at the last refresh.';

comment on column public.catalogue_language_shares.share is 'films divided by all non-adult films.';

revoke all on public.catalogue_language_shares from anon, authenticated;

grant select on public.catalogue_language_shares to service_role;

-- title_series: whether two titles name films of one series, read from the titles alone: after folding, dropping a
-- leading article and anything after a colon or " - ", they start with the same two words or more, or one is the
-- whole start of the other ("Batman" / "Batman Returns", "The Dark Knight" / "The Dark Knight Rises", "Toy Story" /
-- "Toy Story 2"). A one-word start counts only if it is the whole shorter title and at least 4 letters.
-- Titles alone over-match ("Rush" / "Rush Hour"): get_similar_movies also asks for shared people or keywords.
create or replace function public.title_series(p_a text, p_b text)
returns boolean
language plpgsql
immutable
parallel safe
set search_path = public, extensions
as $$
declare
  a text[];
  b text[];
  k integer := 0;
  shorter integer;
begin
  if p_a is null or p_b is null then
    return false;
  end if;
  a := public.search_words(regexp_replace(split_part(split_part(p_a, ':', 1), ' - ', 1), '^\s*(the|a|an)\s+', '', 'i'));
  b := public.search_words(regexp_replace(split_part(split_part(p_b, ':', 1), ' - ', 1), '^\s*(the|a|an)\s+', '', 'i'));
  shorter := least(cardinality(a), cardinality(b));
  while k < shorter and a[k + 1] = b[k + 1] loop
    k := k + 1;
  end loop;
  return k >= 2 or (k = shorter and k = 1 and length(a[1]) >= 4);
end
$$;

comment on function public.title_series is 'Whether two titles look like one series (same leading words after folding); a hint that get_similar_movies confirms with shared people or keywords.';

-- get_similar_movies: GET /v1/movies/{id}/similar. What a film fan counts as similar, each part a probability-like
-- strength in 0..1 combined as 1 - prod(1 - part), so that one strong tie is enough and each further tie adds less:
--   series     same TMDB collection 0.9; where either film has no collection, title_series() confirmed by a shared
--              director, cast member or two keywords 0.8
--   director   a shared director 0.35
--   cast       shared top-5 billed actors, 1 - 0.82^n
--   keywords   shared keywords, each 0.2 x its rarity (ln(N/df) / ln N, from movie_features)
--   genres     0.3 x the Jaccard overlap of the genre sets
--   language   the same original language, 0.3 x (1 - its share of the catalogue)
--   meaning    embedding cosine above the 100th nearest film's, scaled into 0..0.3 (when the film has one)
-- and co-rating: the nightly item neighbour's similarity over the film's best, x 0.6 x support / (support + 10).
-- score = 1 - (1 - content) (1 - co-rating): a film with no co-rating is never pushed down by one that merely has
-- one, and co-rating alone tops out below a strong content match. Candidates: co-rating neighbours, films sharing a
-- person or keyword (movie_features), the 100 nearest embeddings, the film's collection.
-- Optional filters on the similar films: genre (any case or id; unknown -> 22023), year range, language.
-- Unknown or adult film -> P0002 (404). Rows best first, ties by movie id; the film itself never appears; scores
-- under 0.05 are dropped. Each row carries what the films share, for the reasons; source_title names p_movie_id.
-- Security: definer (reads the nightly tables anon cannot), search_path pinned; public catalogue facts only.
create or replace function public.get_similar_movies(
  p_movie_id integer,
  p_limit integer default 20,
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null
)
returns table (
  movie public.movie_card,
  score real,
  co_rating_similarity real,
  co_rating_support integer,
  content_similarity real,
  embedding_similarity real,
  same_series text,
  collection_name text,
  shared_directors text[],
  shared_cast text[],
  shared_keywords text[],
  shared_genres text[],
  shared_language text,
  source_title text
)
language plpgsql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
set hnsw.ef_search = 100
as $$
declare
  v_src public.movies;
  v_genre text := public.resolve_genre(p_genre);
  v_total real;
  v_lang_share real;
begin
  if p_limit is null or p_limit < 1 or p_limit > 100 then
    raise exception 'limit must be between 1 and 100' using errcode = '22023';
  end if;
  select * into v_src from public.movies m where m.id = p_movie_id and not m.adult;
  if not found then
    raise exception 'movie % not found', p_movie_id using errcode = 'P0002';
  end if;
  select greatest(sum(l.films), 2)::real into v_total from public.catalogue_language_shares l;
  select l.share into v_lang_share from public.catalogue_language_shares l
  where l.original_language = coalesce(v_src.original_language, '');

  return query
    with co as materialized (
      select s.neighbour_id as movie_id, s.similarity, s.support,
             s.similarity / nullif(max(s.similarity) over (), 0) as norm
      from public.movie_similarities s
      where s.movie_id = p_movie_id and s.similarity > 0
    ),
    emb as materialized (
      select m.id as movie_id, (1 - (m.embedding <=> v_src.embedding))::real as similarity
      from public.movies m
      where v_src.embedding is not null and m.embedding is not null and m.embedding_model = v_src.embedding_model
        and m.id <> p_movie_id and not m.adult
      order by m.embedding <=> v_src.embedding, m.id
      limit 100
    ),
    emb_floor as (select min(e.similarity) as s, max(e.similarity) as top from emb e),
    src_keywords as materialized (
      select k.keyword, k.n,
             coalesce(ln(v_total / nullif(
               (select count(*) from public.movie_features f where f.feature = 'keyword:' || k.keyword), 0))
               / ln(v_total), 1)::real as rarity
      from unnest(v_src.keywords) with ordinality as k(keyword, n)
    ),
    candidates as (
      select c.movie_id as id from co c
      union
      select f2.movie_id from public.movie_features f1
      join public.movie_features f2 on f2.feature = f1.feature and f2.movie_id <> p_movie_id
      where f1.movie_id = p_movie_id and f1.feature not like 'genre:%'
      union
      select e.movie_id from emb e
      union
      select m.id from public.movies m
      where v_src.collection_id is not null and m.collection_id = v_src.collection_id and m.id <> p_movie_id
    ),
    facts as materialized (
      select m.id,
             m.collection_id,
             m.title,
             array(select trim(d) from unnest(string_to_array(v_src.director, ',')) d
                   where trim(d) <> '' and trim(d) = any (select trim(x) from unnest(string_to_array(m.director, ',')) x))
               as directors,
             array(select c.name from unnest(v_src.cast_names[1:5]) with ordinality c(name, n)
                   where c.name = any (m.cast_names[1:5]) order by c.n) as cast_shared,
             array(select k.keyword from src_keywords k where k.keyword = any (m.keywords)
                   order by k.rarity desc, k.n) as keywords,
             (select coalesce(exp(sum(ln(1 - 0.2 * least(k.rarity, 1)))), 1) from src_keywords k
              where k.keyword = any (m.keywords)) as keyword_miss,
             array(select g from unnest(v_src.genres) g where g = any (m.genres)) as genres,
             cardinality(array(select g from unnest(v_src.genres || m.genres) g group by g)) as genre_union,
             m.original_language = v_src.original_language as same_language,
             case when v_src.embedding is not null and m.embedding is not null
                       and m.embedding_model = v_src.embedding_model
                  then (1 - (m.embedding <=> v_src.embedding))::real end as emb_sim
      from candidates c join public.movies m on m.id = c.id
      where not m.adult
        and (v_genre is null or m.genres @> array[v_genre])
        and (p_year_from is null or m.release_year >= p_year_from)
        and (p_year_to is null or m.release_year <= p_year_to)
        and (p_language is null or m.original_language = p_language)
    ),
    parts as (
      select f.*,
             case
               when v_src.collection_id is not null and f.collection_id = v_src.collection_id then 'collection'
               -- The shared people or keywords first: title_series costs about 0.1 ms a call, and AND stops at
               -- the first false.
               when (v_src.collection_id is null or f.collection_id is null)
                    and (cardinality(f.directors) > 0 or cardinality(f.cast_shared) > 0
                         or cardinality(f.keywords) >= 2)
                    and public.title_series(v_src.title, f.title) then 'title'
             end as series,
             co.similarity as co_sim, co.support,
             coalesce(0.6 * co.norm * co.support / (co.support + 10.0), 0) as co_part
      from facts f left join co on co.movie_id = f.id
    ),
    scored as (
      select p.*,
             (1 - (1 - case p.series when 'collection' then 0.9 when 'title' then 0.8 else 0 end)
                * (1 - case when cardinality(p.directors) > 0 then 0.35 else 0 end)
                * power(0.82, cardinality(p.cast_shared))
                * p.keyword_miss
                * (1 - 0.3 * cardinality(p.genres)::real / greatest(p.genre_union, 1))
                * (1 - case when p.same_language then 0.3 * (1 - coalesce(v_lang_share, 1)) else 0 end)
                * (1 - case when p.emb_sim is not null and ef.top > ef.s
                            then 0.3 * greatest(0, (p.emb_sim - ef.s) / (ef.top - ef.s)) else 0 end)
             )::real as content
      from parts p cross join emb_floor ef
    )
    select public.to_movie_card(m),
           (1 - (1 - s.content) * (1 - s.co_part))::real,
           s.co_sim, s.support, s.content, s.emb_sim, s.series,
           case when s.series = 'collection' then v_src.collection_name end,
           s.directors, s.cast_shared, s.keywords, s.genres,
           case when s.same_language then v_src.original_language end,
           v_src.title
    from scored s join public.movies m on m.id = s.id
    where 1 - (1 - s.content) * (1 - s.co_part) >= 0.05
    order by 2 desc, m.id
    limit p_limit;
end
$$;

comment on function public.get_similar_movies is 'Films similar to one film: series, director, cast, keywords, genres, language and meaning, blended with support-weighted co-rating (GET /v1/movies/{id}/similar).';

revoke execute on function public.get_similar_movies from public;

grant execute on function public.get_similar_movies to anon, authenticated, service_role;

create materialized view public.movie_baselines as
  with user_means as (select r.user_id, avg(r.rating) as mean from public.ratings r group by r.user_id)
  select r.movie_id, count(*)::integer as rating_count, sum(r.rating - um.mean)::real as deviation_sum
  from public.ratings r join user_means um on um.user_id = r.user_id
  group by r.movie_id;

create unique index movie_baselines_movie_idx on public.movie_baselines (movie_id);

comment on materialized view public.movie_baselines is 'Per film: ratings and the sum of (rating - the rater''s mean rating), for the film bias in CF predictions. Refreshed by `marquee jobs nightly`.';

comment on column public.movie_baselines.rating_count is 'Ratings of the film at the last refresh.';

comment on column public.movie_baselines.movie_id is 'The film (movies.id).';

comment on column public.movie_baselines.deviation_sum is 'Sum over the film''s ratings of rating minus that rater''s mean; bias = deviation_sum / (rating_count + 10).';

revoke all on public.movie_baselines from anon, authenticated;

grant select on public.movie_baselines to service_role;

-- film_bias: the shrunk bias of each given film (0 for films with no ratings, or before the first refresh).
create or replace function public.film_bias(p_movie_ids integer[], p_shrinkage real default 10)
returns table (movie_id integer, bias real)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select w, coalesce(b.deviation_sum / (b.rating_count + p_shrinkage), 0)::real
  from unnest(p_movie_ids) w
  left join public.movie_baselines b on b.movie_id = w
$$;

comment on function public.film_bias is 'Per-film rating bias (how far raters rate it above their own mean), shrunk for films with few ratings.';

revoke execute on function public.film_bias from public;

grant execute on function public.film_bias to service_role;

-- recommend_user_cf: user-based collaborative filtering (the seeds' neighbours: Pearson, at least 3 films in
-- common, correlation above 0.3). For each film a neighbour rated:
--   score            = sum(sim * r_v) / sum of sim over all the user's neighbours   (what rows are ordered by)
--   predicted_rating = mean(user) + b_i + sum(sim * (r_v - mean_v - b_i)) / (sum(|sim|) + p_shrinkage), 0.5..5
-- Evidence a reason quotes: neighbours who rated it, their mean correlation and mean rating. The user's mean is
-- read live; a neighbour's mean is the one stored with the neighbour.
-- Served from user_cf_candidates (the nightly votes over the same neighbours, best 300 per user) when the user has
-- a nightly row, no filter is given and rated films are excluded, while the stored films still hold p_limit after
-- the live exclusions (else, and for new users, the votes are aggregated live): the same sums, as of the run.
create or replace function public.recommend_user_cf(
  p_user_id uuid,
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen'],
  p_limit integer default 20,
  p_live boolean default false,
  p_shrinkage real default 1
)
returns table (
  movie_id integer, score real, predicted_rating real, neighbour_count integer, mean_correlation real,
  neighbour_mean real
)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
rows 200
as $$
#variable_conflict use_column
declare
  v_stored public.user_cf_candidates;
  v_ex integer[];
begin
  -- The nightly votes (user_cf_candidates) when the request can use them: nightly neighbours, no filter, and rated
  -- films excluded (the stored votes leave out what the user had rated). Used while they still hold p_limit films
  -- after the live exclusions, or hold every film the neighbours rated (a list shorter than the depth kept).
  perform public.recommendation_caller_check(p_user_id);
  if not p_live and p_genre is null and p_year_from is null and p_year_to is null and p_language is null
     and 'rated' = any (p_exclude) then
    select * into v_stored from public.user_cf_candidates c where c.user_id = p_user_id;
    if v_stored.user_id is not null then
      v_ex := array(select e.movie_id from public.excluded_movies(p_user_id, p_exclude) e);
    end if;
  end if;
  if v_stored.user_id is not null
     and (v_stored.complete
          or (select count(*) from unnest(v_stored.movie_ids) x(id) where x.id <> all (v_ex)) >= p_limit)
  then
    return query
      with me as materialized (select avg(r.rating)::real as mean from public.ratings r where r.user_id = p_user_id),
      ranked as materialized (
        select u.*
        from unnest(v_stored.movie_ids, v_stored.neighbour_counts, v_stored.weighted, v_stored.deviations,
                    v_stored.similarity_sums, v_stored.absolute_sums, v_stored.mean_correlations,
                    v_stored.mean_ratings) with ordinality as u(movie_id, n, weighted, num, sim, den, corr, mean_rating, k)
        join public.movies m on m.id = u.movie_id
        cross join me
        where me.mean is not null and not m.adult and u.movie_id <> all (v_ex)
        order by u.k
        limit p_limit
      )
      select v.movie_id,
             (v.weighted / nullif(v_stored.total_similarity, 0))::real,
             least(5, greatest(0.5, me.mean + b.bias + (v.num - b.bias * v.sim) / (v.den + p_shrinkage)))::real,
             v.n, v.corr, v.mean_rating
      from ranked v
      cross join me
      join public.film_bias(array(select r.movie_id from ranked r)) b on b.movie_id = v.movie_id
      order by v.k;
    return;
  end if;
  return query
      with nb as materialized (select * from public.user_neighbours(p_user_id, p_live)),
      total as materialized (select sum(nb.similarity) as sim from nb),
      me as materialized (select avg(r.rating)::real as mean from public.ratings r where r.user_id = p_user_id),
      ex as materialized (select e.movie_id from public.excluded_movies(p_user_id, p_exclude) e),
      nr as (
        select r.movie_id, r.rating::real as rating, nb.similarity, nb.correlation, nb.neighbour_mean
        from nb join public.ratings r on r.user_id = nb.neighbour_id
      ),
      votes as (
        select nr.movie_id, count(*)::integer as n,
               sum(nr.similarity * nr.rating) as weighted,
               sum(nr.similarity * (nr.rating - nr.neighbour_mean)) as num,
               sum(nr.similarity) as sim,
               sum(abs(nr.similarity)) as den,
               avg(nr.correlation)::real as corr,
               avg(nr.rating)::real as mean_rating
        from nr group by nr.movie_id
      ),
      ranked as materialized (
        select v.*
        from votes v
        join public.movies m on m.id = v.movie_id
        cross join me
        where me.mean is not null
          and not m.adult
          and (p_genre is null or m.genres @> array[p_genre])
          and (p_year_from is null or m.release_year >= p_year_from)
          and (p_year_to is null or m.release_year <= p_year_to)
          and (p_language is null or m.original_language = p_language)
          and v.movie_id not in (select ex.movie_id from ex)
        order by v.weighted desc, v.movie_id
        limit p_limit
      )
      select v.movie_id,
             (v.weighted / nullif(total.sim, 0))::real,
             least(5, greatest(0.5, me.mean + b.bias + (v.num - b.bias * v.sim) / (v.den + p_shrinkage)))::real,
             v.n, v.corr, v.mean_rating
      from ranked v
      cross join me
      cross join total
      join public.film_bias(array(select r.movie_id from ranked r)) b on b.movie_id = v.movie_id
      order by v.weighted desc, v.movie_id;
end
$$;

comment on function public.recommend_user_cf is 'User-based CF (Pearson neighbours): films ranked by the neighbourhood''s similarity-weighted rating, with the predicted rating (user mean + film bias + neighbours) and neighbour evidence.';

-- predict_ratings_neighbours: the user's predicted stars for the given films, by the formula of recommend_user_cf:
--   mean(user) + b_i + sum(sim * (r_v - mean_v - b_i)) / (sum(|sim|) + 1)            (method 'neighbours')
-- Films no neighbour rated get mean(user) + b_i ('user_mean'); a user with no ratings gets the film's mean, else
-- the global mean ('film_mean' / 'global_mean'). Clamped to 0.5..5. Used by the offline evaluation for RMSE/MAE
-- and by anything that shows "you would rate this 4.2".
create or replace function public.predict_ratings_neighbours(p_user_id uuid, p_movie_ids integer[], p_live boolean default false)
returns table (movie_id integer, predicted_rating real, neighbour_count integer, method text)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
rows 50
as $$
#variable_conflict use_column
begin
  return query
      with wanted as (select distinct w as movie_id from unnest(p_movie_ids) w),
      bias as materialized (select * from public.film_bias(array(select w.movie_id from wanted w))),
      nb as materialized (select * from public.user_neighbours(p_user_id, p_live)),
      me as materialized (select avg(r.rating)::real as mean from public.ratings r where r.user_id = p_user_id),
      nr as (
        select r.movie_id, r.rating::real as rating, nb.similarity, nb.neighbour_mean
        from nb join public.ratings r on r.user_id = nb.neighbour_id
      ),
      votes as (
        select nr.movie_id, count(*)::integer as n,
               sum(nr.similarity * (nr.rating - nr.neighbour_mean - b.bias)) / (sum(abs(nr.similarity)) + 1) as dev
        from nr
        join wanted w on w.movie_id = nr.movie_id
        join bias b on b.movie_id = nr.movie_id
        group by nr.movie_id
      )
      select w.movie_id,
             least(5, greatest(0.5, coalesce(
               me.mean + b.bias + v.dev,
               me.mean + b.bias,
               (select avg(r.rating) from public.ratings r where r.movie_id = w.movie_id),
               (select avg(r.rating) from public.ratings r)
             )))::real,
             coalesce(v.n, 0),
             case
               when me.mean is not null and v.dev is not null then 'neighbours'
               when me.mean is not null then 'user_mean'
               when exists (select 1 from public.ratings r where r.movie_id = w.movie_id) then 'film_mean'
               else 'global_mean'
             end
      from wanted w
      cross join me
      join bias b on b.movie_id = w.movie_id
      left join votes v on v.movie_id = w.movie_id
      order by w.movie_id;
end
$$;

comment on function public.predict_ratings_neighbours is 'Predicted stars by user mean + film bias + Pearson neighbours (fallbacks: user mean + film bias, film mean, global mean); predict_ratings uses it where the rating model has no film.';

create table public.rating_model (
  id boolean primary key default true check (id),
  global_mean real not null,
  factors integer not null check (factors >= 0),
  penalty real not null,
  epochs integer not null,
  validation_rmse real,
  baseline_rmse real,
  ratings integer not null,
  trained_at timestamptz not null default now()
);

alter table public.rating_model enable row level security;

comment on table public.rating_model is 'The rating model the nightly job fitted (one row): global mean and the settings chosen on its validation split.';

comment on column public.rating_model.trained_at is 'When the nightly job fitted it.';

comment on column public.rating_model.ratings is 'Ratings the model was fitted on.';

comment on column public.rating_model.baseline_rmse is 'RMSE on the validation split of μ + b_u + b_i alone.';

comment on column public.rating_model.validation_rmse is 'RMSE on the validation split with the chosen settings.';

comment on column public.rating_model.epochs is 'SGD epochs chosen on the validation split (early stopping).';

comment on column public.rating_model.penalty is 'L2 penalty chosen on the validation split.';

comment on column public.rating_model.factors is 'Length of each user and film factor vector.';

comment on column public.rating_model.global_mean is 'μ, the mean of the ratings it was fitted on.';

comment on column public.rating_model.id is 'Always true: the table holds one row.';

revoke all on public.rating_model from anon, authenticated;

grant all on public.rating_model to service_role;

create table public.rating_model_users (
  user_id uuid primary key references public.users (id) on delete cascade,
  bias real not null,
  factors real[] not null
);

alter table public.rating_model_users enable row level security;

comment on table public.rating_model_users is 'Per user: b_u and p_u of the rating model (replaced by each nightly run).';

comment on column public.rating_model_users.factors is 'p_u, rating_model.factors numbers.';

comment on column public.rating_model_users.bias is 'b_u: how far the user rates above μ + b_i.';

comment on column public.rating_model_users.user_id is 'The user.';

revoke all on public.rating_model_users from anon, authenticated;

grant all on public.rating_model_users to service_role;

insert into public.personal_data_columns (table_name, column_name, match, note) values
  ('rating_model_users', 'user_id', 'equals', 'the user''s bias and factors in the nightly rating model');


create table public.rating_model_films (
  movie_id integer primary key references public.movies (id) on delete cascade,
  bias real not null,
  factors real[] not null
);

alter table public.rating_model_films enable row level security;

comment on table public.rating_model_films is 'Per film: b_i and q_i of the rating model (replaced by each nightly run).';

comment on column public.rating_model_films.factors is 'q_i, rating_model.factors numbers.';

comment on column public.rating_model_films.bias is 'b_i: how far the film is rated above μ + b_u.';

comment on column public.rating_model_films.movie_id is 'The film.';

revoke all on public.rating_model_films from anon, authenticated;

grant all on public.rating_model_films to service_role;

-- recommend_hybrid: a weighted blend of the sources, every score normalised per source before blending:
--   item-based scores are divided by the source's best score (0..1); user-based CF, content and popularity are
--   min-max scaled over their candidates (0..1). Content is min-max scaled (it was divided by its best score)
--   because cosine similarity to a taste profile has a high floor: most films share a genre or two with it, so
--   divided by the best every candidate scored near 1 and drowned the collaborative ranking (hybrid P@10 on
--   ml-latest-small 0.174 -> 0.178 with the CF change above; the popularity baseline is 0.110).
--   collaborative = p_item_share * item + (1 - p_item_share) * user-based CF (each side alone when the other has
--   nothing); score = p_w_collaborative * collaborative + p_w_content * content + p_w_popular * popularity.
-- Each source contributes its best p_candidates films (a film outside every source's list scores 0 everywhere);
-- a source whose weight is 0 is not run. Weights need not sum to 1. Rows: best first, ties by movie id.
-- Will the user like it, not only watch it: with p_like_center set (1..5; null or 0 = off) each candidate's blended
--   score s > 0 is multiplied by σ(p_like_slope · (r̂ − p_like_center)), r̂ the rating model's predicted stars
--   (μ + b_u + b_i + p_u·q_i, as predict_ratings; b_u live from the user's ratings when the nightly model has not
--   seen them). The sources rank what the user will watch; test positives are what they will rate 4 or more, and
--   this factor lifts a likely-loved film over a likely-watched one. `marquee tune` fits the centre (or off).
-- Rows: the film id, its recommendation_row (score; sources, the weighted sources that scored the film, largest
-- contribution first; and what each source knows about the film, null when it did not score it), each
-- source's normalised score and the model's predicted stars (what `marquee tune` fits the blend on).
create or replace function public.recommend_hybrid(
  p_user_id uuid,
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen'],
  p_limit integer default 20,
  p_w_collaborative real default 0.5,
  p_w_content real default 0.3,
  p_w_popular real default 0.2,
  p_item_share real default 0.7,
  p_candidates integer default 200,
  p_like_center real default null,
  p_like_slope real default 2
)
returns table (
  movie_id integer,
  recommendation public.recommendation_row,
  item_score real,
  cf_score real,
  content_score real,
  popular_score real,
  model_rating real
)
language sql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  with w as (
    select p_w_collaborative * least(1, greatest(0, p_item_share)) as item,
           p_w_collaborative * (1 - least(1, greatest(0, p_item_share))) as cf,
           p_w_content as content,
           p_w_popular as popular,
           case
             when (p_w_collaborative > 0)::int + (p_w_content > 0)::int + (p_w_popular > 0)::int > 1
               or (p_w_collaborative > 0 and p_item_share > 0 and p_item_share < 1)
             then greatest(p_limit, p_candidates)
             else p_limit
           end as n
  ),
  item as materialized (
    select s.*, s.score / nullif(max(s.score) over (), 0) as norm
    from w, public.recommend_items(p_user_id, p_genre, p_year_from, p_year_to, p_language, p_exclude, w.n) s
    where p_w_collaborative > 0 and p_item_share > 0
  ),
  cf as materialized (
    select s.*,
           coalesce((s.score - min(s.score) over ()) / nullif(max(s.score) over () - min(s.score) over (), 0), 1) as norm
    from w, public.recommend_user_cf(p_user_id, p_genre, p_year_from, p_year_to, p_language, p_exclude, w.n) s
    where p_w_collaborative > 0 and p_item_share < 1
  ),
  content as materialized (
    select s.*, coalesce((s.score - min(s.score) over ()) / nullif(max(s.score) over () - min(s.score) over (), 0), 1) as norm
    from w, public.recommend_content(p_user_id, p_genre, p_year_from, p_year_to, p_language, p_exclude, w.n, false) s
    where p_w_content > 0
  ),
  pop as materialized (
    select s.*,
           coalesce((s.score - min(s.score) over ()) / nullif(max(s.score) over () - min(s.score) over (), 0), 1) as norm
    from w, public.recommend_popular(p_user_id, p_genre, p_year_from, p_year_to, p_language, p_exclude, w.n) s
    where p_w_popular > 0
  ),
  -- When one collaborative side found nothing at all, the other takes its whole share.
  share as (
    select case
             when not exists (select 1 from item) then 0
             when not exists (select 1 from cf) then 1
             else least(1, greatest(0, p_item_share))
           end as item
  ),
  ids as (
    select item.movie_id from item union select cf.movie_id from cf
    union select content.movie_id from content union select pop.movie_id from pop
  ),
  blended as (
    select ids.movie_id,
           p_w_collaborative * share.item * coalesce(item.norm, 0) as c_item,
           p_w_collaborative * (1 - share.item) * coalesce(cf.norm, 0) as c_cf,
           p_w_content * coalesce(content.norm, 0) as c_content,
           p_w_popular * coalesce(pop.norm, 0) as c_pop,
           item.norm as item_norm, cf.norm as cf_norm, content.norm as content_norm, pop.norm as pop_norm,
           item.because_movie_id, item.because_rating, item.because_signal, item.because_similarity,
           cf.predicted_rating, cf.neighbour_count, cf.mean_correlation, cf.neighbour_mean,
           content.method, content.because_movie_id as content_because, content.shared_features,
           pop.rating_count, pop.rating_mean
    from ids
    cross join share
    left join item on item.movie_id = ids.movie_id
    left join cf on cf.movie_id = ids.movie_id
    left join content on content.movie_id = ids.movie_id
    left join pop on pop.movie_id = ids.movie_id
  ),
  -- The rating model's stars for every candidate (μ + b_u + b_i + p_u·q_i; see predict_ratings), the dot product
  -- by pgvector's inner product (C, not an unnest per candidate).
  g as materialized (select m.global_mean from public.rating_model m),
  uf as materialized (select u.bias, u.factors from public.rating_model_users u where u.user_id = p_user_id),
  ub as materialized (
    select sum(r.rating - g.global_mean - coalesce(f.bias, 0)) / (count(*) + 5) as bias
    from public.ratings r
    cross join g
    left join public.rating_model_films f on f.movie_id = r.movie_id
    where r.user_id = p_user_id and not exists (select 1 from uf)
  ),
  rated as (
    select b.*,
           (g.global_mean + coalesce((select uf.bias from uf), (select ub.bias from ub), 0) + coalesce(f.bias, 0)
            + coalesce((select -(uf.factors::vector <#> f.factors::vector) from uf
                        where cardinality(uf.factors) > 0 and cardinality(uf.factors) = cardinality(f.factors)), 0)
           )::real as r_hat
    from blended b
    left join g on true
    left join public.rating_model_films f on f.movie_id = b.movie_id
  ),
  scored as (
    select r.*,
           case
             when coalesce(p_like_center, 0) <= 0 or r.r_hat is null
                  or r.c_item + r.c_cf + r.c_content + r.c_pop <= 0
             then r.c_item + r.c_cf + r.c_content + r.c_pop
             else (r.c_item + r.c_cf + r.c_content + r.c_pop)
                  / (1 + exp(-coalesce(p_like_slope, 2) * (least(5, greatest(0.5, r.r_hat)) - p_like_center)))
           end::real as total
    from rated r
  ),
  -- The films served, then the content reasons of those found by embedding (content_evidence), for them only.
  served as materialized (select sc.* from scored sc order by sc.total desc, sc.movie_id limit p_limit),
  cev as materialized (
    select e.* from public.content_evidence(
      p_user_id, array(select sv.movie_id from served sv where sv.method = 'embedding')) e
  )
  select b.movie_id,
         row(b.total,
             b.predicted_rating,
             array(
               select x.name
               from (values ('item', b.c_item, b.item_norm, w.item), ('cf', b.c_cf, b.cf_norm, w.cf),
                            ('content', b.c_content, b.content_norm, w.content),
                            ('popular', b.c_pop, b.pop_norm, w.popular)) x(name, c, n, weight)
               where x.n is not null and x.weight > 0
               order by x.c desc, x.name
             ),
             b.because_movie_id, b.because_rating, b.because_signal, b.because_similarity,
             b.neighbour_count, b.mean_correlation, b.neighbour_mean,
             b.method, coalesce(ce.because_movie_id, b.content_because),
             case when b.method = 'embedding' then coalesce(ce.shared_features, '{}') else b.shared_features end,
             b.rating_count, b.rating_mean)::public.recommendation_row,
         b.item_norm::real, b.cf_norm::real, b.content_norm::real, b.pop_norm::real,
         least(5, greatest(0.5, b.r_hat))::real
  from served b cross join w
  left join cev ce on ce.movie_id = b.movie_id
  order by b.total desc, b.movie_id
$$;

comment on function public.recommend_hybrid is 'Hybrid recommendations: per-source normalised scores blended (default 50% collaborative, 30% content, 20% popularity), optionally weighted by how likely the rating model says the user is to like each film, with every source''s evidence.';

create table public.recommendation_cache (
  user_id uuid not null references public.users (id) on delete cascade,
  strategy text not null,
  rank smallint not null check (rank >= 1),
  fingerprint text not null,
  computed_at timestamptz not null default now(),
  movie_id integer not null,
  recommendation public.recommendation_row not null,
  served public.recommendation_strategy not null,
  match_key text,
  matched_count integer,
  matched_ids uuid[],
  matched_similarities real[],
  potential_matches integer,
  primary key (user_id, strategy, rank)
);

alter table public.recommendation_cache enable row level security;

comment on table public.recommendation_cache is 'Each user''s last computed recommendation list per strategy (100 deep), reused while its fingerprint matches. Written only by get_recommendations; emptied by `marquee jobs nightly`.';

comment on column public.recommendation_cache.user_id is 'Whose list it is (users.id).';

comment on column public.recommendation_cache.strategy is 'The strategy requested: hybrid, cf, item or content (popular is never cached per user).';

comment on column public.recommendation_cache.rank is 'Rank in the list, 1 = best.';

comment on column public.recommendation_cache.fingerprint is 'What the list was computed from: the user''s ratings and interactions (count, newest change), the nightly run, the weights.';

comment on column public.recommendation_cache.computed_at is 'When the list was computed.';

comment on column public.recommendation_cache.movie_id is 'The recommended film (movies.id); its row is joined live when served.';

comment on column public.recommendation_cache.recommendation is 'Score and evidence (recommendation_row), as get_recommendations_live computed them.';

comment on column public.recommendation_cache.served is 'The strategy that produced the list and why (recommendation_strategy), as get_recommendations reports it.';

comment on column public.recommendation_cache.match_key is 'The match evidence stored on this row was computed under this match_evidence_key (the user''s signals, their stored match pairs, those users'' profiles, the settings); null or another key: not stored, computed when the film is served.';

comment on column public.recommendation_cache.matched_count is 'Match evidence, as of match_key: the user''s opted-in matches who liked the film.';

comment on column public.recommendation_cache.matched_ids is 'Match evidence: up to 3 of those matches (users.id), best match first; their names are read live when served.';

comment on column public.recommendation_cache.matched_similarities is 'Match evidence: the similarity of each of matched_ids.';

comment on column public.recommendation_cache.potential_matches is 'Match evidence: opted-in users the user would newly match by liking the film (potentialMatches).';

revoke all on public.recommendation_cache from anon, authenticated;

grant all on public.recommendation_cache to service_role;

insert into public.personal_data_columns (table_name, column_name, match, note) values
  ('recommendation_cache', 'matched_ids', 'contains', 'other users'' stored list rows whose match evidence names the user')
on conflict do nothing;

-- recommendation_fingerprint: a text that changes whenever a user's recommendation list for these weights could.
-- Reads two index ranges and the newest nightly run: well under a millisecond.
-- PL/pgSQL with plan_cache_mode = auto, not SQL: PostgreSQL 15 plans a SQL function's statements on every call,
-- which was most of its cost on every stored-list read; its statements read one user's rows by key and the newest
-- nightly run, so the cached generic plan is the custom one.
create or replace function public.recommendation_fingerprint(p_user_id uuid, p_weights real[])
returns text
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = auto
as $$
declare
  v_ratings text;
  v_interactions text;
  v_run text;
begin
  select count(*) || '@' || coalesce(max(r.updated_at)::text, '') into v_ratings
  from public.ratings r where r.user_id = p_user_id;
  select count(*) || '@' || coalesce(max(i.created_at)::text, '') into v_interactions
  from public.interactions i where i.user_id = p_user_id;
  select coalesce(max(j.id), 0)::text into v_run from public.recommendation_job_runs j where j.job = 'nightly';
  return concat_ws('|', v_ratings, v_interactions, v_run, p_weights::text);
end
$$;

comment on function public.recommendation_fingerprint is 'Fingerprint of what a user''s recommendations depend on (their signals, the nightly run, the weights); keys recommendation_cache.';

revoke execute on function public.recommendation_fingerprint from public;

grant execute on function public.recommendation_fingerprint to service_role;

-- recommendation_list_expiry: when a stored list computed at p_computed_at expires: the next midnight after it in
-- the user's time zone (users.time_zone; UTC for an unknown user). get_recommendations recomputes a list past it,
-- and GET /v1/recommendations/next starts a fresh one.
-- PL/pgSQL with plan_cache_mode = auto, as recommendation_fingerprint (one primary-key read).
create or replace function public.recommendation_list_expiry(p_user_id uuid, p_computed_at timestamptz)
returns timestamptz
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = auto
as $$
declare
  v_tz text;
begin
  select u.time_zone into v_tz from public.users u where u.id = p_user_id;
  v_tz := coalesce(v_tz, 'UTC');
  return (date_trunc('day', p_computed_at at time zone v_tz) + interval '1 day') at time zone v_tz;
end
$$;

comment on function public.recommendation_list_expiry is 'When a stored recommendation list expires: the midnight after it was computed, in the user''s time zone.';

revoke execute on function public.recommendation_list_expiry from public;

grant execute on function public.recommendation_list_expiry to authenticated, service_role;

-- refresh_recommendation_cache: makes the user's stored list for the strategy and weights current (the unfiltered,
-- default-exclusion list get_recommendations caches): nothing to do when one is stored under the current fingerprint
-- and before its midnight (recommendation_list_expiry); else it is computed 100 deep (get_recommendations_live) and
-- stored. Concurrent misses for one user: the first computes and stores, the others get false at once (the caller
-- then computes without storing). True when a current list is stored. Its own caller check.
create or replace function public.refresh_recommendation_cache(p_user_id uuid, p_strategy text, p_weights real[])
returns boolean
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = auto
as $$
declare
  c_depth constant integer := 100;
  v_fingerprint text;
begin
  perform public.recommendation_caller_check(p_user_id);
  v_fingerprint := public.recommendation_fingerprint(p_user_id, p_weights);
  if exists (
    select 1 from public.recommendation_cache c
    where c.user_id = p_user_id and c.strategy = p_strategy and c.rank = 1 and c.fingerprint = v_fingerprint
      and now() < public.recommendation_list_expiry(p_user_id, c.computed_at)
  ) then
    return true;
  end if;
  if not pg_try_advisory_xact_lock(hashtext('recommendation_cache'), hashtext(p_user_id::text || p_strategy)) then
    return false;
  end if;
  delete from public.recommendation_cache c where c.user_id = p_user_id and c.strategy = p_strategy;
  insert into public.recommendation_cache (user_id, strategy, rank, fingerprint, movie_id, recommendation, served)
  select p_user_id, p_strategy, l.n, v_fingerprint, (l.movie).id, l.recommendation, l.strategy
  from public.get_recommendations_live(
    p_user_id, p_strategy, null, null, null, null, array['rated', 'hidden', 'disliked', 'seen', 'watchlist'],
    c_depth, p_weights, false) with ordinality as l (movie, recommendation, item_because_title, content_because_title,
    strategy, book_because_id, book_because_title, book_because_readers, n);
  return true;
end
$$;

comment on function public.refresh_recommendation_cache is 'Makes a user''s stored recommendation list current (recomputed 100 deep when its signals, the nightly run, the weights or the day changed); false when a concurrent request is computing it.';

revoke execute on function public.refresh_recommendation_cache from public;

grant execute on function public.refresh_recommendation_cache to service_role;

-- get_recommendations: GET /v1/recommendations. Same arguments, rows and contract as get_recommendations_live
-- (strategy plan, cold start, fallback, film rows and evidence in one call), served from recommendation_cache
-- when the request is cacheable, the fingerprint matches and the list has not passed midnight in the user's time
-- zone (recommendation_list_expiry: batches page through it for a day); on a miss the list is computed 100 deep, stored, and
-- its first p_limit rows returned (every source orders deterministically, so a shorter list is a prefix of a
-- longer one): refresh_recommendation_cache. Concurrent misses for one user: the first computes and stores, the
-- others compute without storing.
-- Security definer with a pinned search_path; its own caller check (a JWT caller may only ask for themself).
create or replace function public.get_recommendations(
  p_user_id uuid,
  p_strategy text default 'hybrid',
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen', 'watchlist'],
  p_limit integer default 20,
  p_weights real[] default null
)
returns setof public.recommended_movie
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_weights real[] := coalesce(p_weights, public.recommendation_weights());
begin
  perform public.recommendation_caller_check(p_user_id);
  if p_strategy in ('hybrid', 'cf', 'item', 'content')
     and p_genre is null and p_year_from is null and p_year_to is null and p_language is null
     and p_exclude is not distinct from array['rated', 'hidden', 'disliked', 'seen', 'watchlist']
     and p_limit between 1 and 100
     and array_length(v_weights, 1) in (3, 4, 5) then
    if not public.refresh_recommendation_cache(p_user_id, p_strategy, v_weights) then
      return query select * from public.get_recommendations_live(
        p_user_id, p_strategy, null, null, null, null, p_exclude, p_limit, v_weights);
      return;
    end if;
    return query
      with served as materialized (
        select c.* from public.recommendation_cache c
        where c.user_id = p_user_id and c.strategy = p_strategy
          and exists (select 1 from public.movies a where a.id = c.movie_id and not a.adult)
        order by c.rank
        limit p_limit
      )
      select public.to_movie_card(m), c.recommendation, ib.title, cb.title, c.served, be.book_id, be.title,
             be.readers
      from served c
      join public.movies m on m.id = c.movie_id and not m.adult
      left join public.movies ib on ib.id = (c.recommendation).item_because_id
      left join public.movies cb on cb.id = (c.recommendation).content_because_id
      left join public.film_book_evidence(p_user_id, array(select x.movie_id from served x)) be
        on be.movie_id = c.movie_id
      order by c.rank;
    return;
  end if;
  return query select * from public.get_recommendations_live(
    p_user_id, p_strategy, p_genre, p_year_from, p_year_to, p_language, p_exclude, p_limit, v_weights);
end
$$;

comment on function public.get_recommendations is 'Personalised recommendations (GET /v1/recommendations): strategy dispatch, cold start, fallback, film rows and evidence in one call; cached per user until their signals, the nightly run or the weights change.';

revoke execute on function public.get_recommendations from public;

grant execute on function public.get_recommendations to authenticated, service_role;

-- recommendation_list: the stored list that recommendation batches page through (GET /v1/recommendations and
-- /v1/recommendations/next), one slim row per film of recommendation_cache, best first: what the edge needs to
-- re-rank and page it without the films' cards (recommendation_items fetches those for the films it serves): the
-- list's id (from the user, strategy and computation time: a recomputed list has a new id), when it expires
-- (recommendation_list_expiry), whether the film is now gone (rated, hidden, disliked, seen or watchlisted: the
-- default exclusions, read live), whether the user interacted with it in any way since the list was computed (a
-- rating or any interaction), the user's matching opt-in (users.matchable), and the film's score, genres, year
-- and language (the diversity features).
--   p_refresh  true: first refresh_recommendation_cache (as get_recommendations: same strategy and weights), which recomputes the stored list when
--              the user's signals, the nightly run or the weights changed or it passed midnight; false: the list
--              as stored, even expired (the edge decides to start a fresh one)
--   p_depth    rows returned, 1..100 (the first p_depth of the list)
--   p_force    with p_refresh: drop the stored list first, so it is recomputed whatever its fingerprint (the
--              seed's force_refresh, and a list whose served films the user has all interacted with)
--   p_cards    the first p_cards rows also carry what recommendation_items gives a served film (card, evidence,
--              quoted titles, the plan, the book reason, and, with p_threshold, the match evidence when it is
--              stored under the current key), so that a first batch served from them needs no second round trip;
--              null columns on the other rows
--   p_threshold, p_min_overlap, p_shrinkage   the matching settings (null threshold: no match evidence)
-- No rows when nothing is stored (strategy popular, an empty list, a lost race to store it); the edge then serves
-- get_recommendations without batches. Security definer, pinned search_path, the recommendation caller check.
create or replace function public.recommendation_list(
  p_user_id uuid,
  p_strategy text default 'hybrid',
  p_weights real[] default null,
  p_refresh boolean default true,
  p_depth integer default 100,
  p_force boolean default false,
  p_cards integer default 0,
  p_threshold real default null,
  p_min_overlap integer default 5,
  p_shrinkage real default 2
)
returns table (
  list_id uuid,
  rank integer,
  computed_at timestamptz,
  expires_at timestamptz,
  matchable boolean,
  gone boolean,
  interacted boolean,
  movie_id integer,
  score real,
  genres text[],
  release_year smallint,
  original_language text,
  movie public.movie_card,
  recommendation public.recommendation_row,
  item_because_title text,
  content_because_title text,
  strategy public.recommendation_strategy,
  book_because_id integer,
  book_because_title text,
  book_because_readers integer,
  matched_count integer,
  matched_usernames text[],
  matched_display_names text[],
  matched_similarities real[],
  potential_matches integer
)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = auto
as $$
declare
  v_computed timestamptz;
  v_expires timestamptz;
  v_matchable boolean;
  v_weights real[];
begin
  perform public.recommendation_caller_check(p_user_id);
  if p_depth is null or p_depth < 1 or p_depth > 100 then
    raise exception 'depth must be between 1 and 100' using errcode = '22023';
  end if;
  if p_cards is null or p_cards < 0 or p_cards > 100 then
    raise exception 'cards must be between 0 and 100' using errcode = '22023';
  end if;
  if p_refresh then
    if p_force then
      delete from public.recommendation_cache c where c.user_id = p_user_id and c.strategy = p_strategy;
    end if;
    v_weights := coalesce(p_weights, public.recommendation_weights());
    if p_strategy in ('hybrid', 'cf', 'item', 'content') and array_length(v_weights, 1) in (3, 4, 5) then
      perform public.refresh_recommendation_cache(p_user_id, p_strategy, v_weights);
    end if;
  end if;
  select c.computed_at into v_computed from public.recommendation_cache c
  where c.user_id = p_user_id and c.strategy = p_strategy and c.rank = 1;
  if not found then
    return;
  end if;
  v_expires := public.recommendation_list_expiry(p_user_id, v_computed);
  select u.matchable into v_matchable from public.users u where u.id = p_user_id;
  return query
    with list as materialized (
      select c.* from public.recommendation_cache c
      where c.user_id = p_user_id and c.strategy = p_strategy and c.rank <= p_depth
    ),
    gone as materialized (
      select e.movie_id from public.excluded_movies(p_user_id) e
    ),
    touched as materialized (
      select r.movie_id from public.ratings r
      where r.user_id = p_user_id and r.updated_at >= v_computed
      union
      select i.movie_id from public.interactions i
      where i.user_id = p_user_id and i.created_at >= v_computed and i.movie_id is not null
    ),
    books as materialized (
      select b.* from public.film_book_evidence(
        p_user_id, array(select l.movie_id from list l where l.rank <= p_cards)) b
      where p_cards > 0
    ),
    evidence as materialized (
      select e.* from public.stored_match_evidence(
        p_user_id, p_strategy, array(select l.movie_id from list l where l.rank <= p_cards), p_threshold,
        p_min_overlap, p_shrinkage, false) e
      where p_cards > 0 and v_matchable
    )
    select md5(p_user_id::text || '|' || p_strategy || '|' || extract(epoch from v_computed)::text)::uuid,
           c.rank::integer, v_computed, v_expires, coalesce(v_matchable, false),
           c.movie_id in (select gone.movie_id from gone), c.movie_id in (select touched.movie_id from touched),
           c.movie_id, (c.recommendation).score, m.genres, m.release_year, m.original_language,
           case when c.rank <= p_cards then public.to_movie_card(m) end,
           case when c.rank <= p_cards then c.recommendation end,
           case when c.rank <= p_cards then ib.title end,
           case when c.rank <= p_cards then cb.title end,
           case when c.rank <= p_cards then c.served end,
           bk.book_id, bk.title, bk.readers,
           e.matched_count, e.matched_usernames, e.matched_display_names, e.matched_similarities, e.potential_matches
    from list c
    join public.movies m on m.id = c.movie_id and not m.adult
    left join public.movies ib on c.rank <= p_cards and ib.id = (c.recommendation).item_because_id
    left join public.movies cb on c.rank <= p_cards and cb.id = (c.recommendation).content_because_id
    left join books bk on bk.movie_id = c.movie_id
    left join evidence e on e.movie_id = c.movie_id
    order by c.rank;
end
$$;

comment on function public.recommendation_list is 'A user''s stored recommendation list, slim (id, expiry, gone, interacted, score and diversity features), for batches; refreshed first unless asked not to.';

revoke execute on function public.recommendation_list from public;

grant execute on function public.recommendation_list to authenticated, service_role;

-- recommendation_items: the served films of a user's stored list, in the order given, as get_recommendations
-- returns rows (card, evidence, quoted titles, the plan that served), and, when p_threshold is given and the
-- user opted in to matching, each film's match evidence (matches who liked it, potential matches): read from the
-- list's rows when stored under the current key, else computed for these films and stored there
-- (stored_match_evidence), together with the films of p_upcoming (the list's next films in serving order) that
-- lack it. Films of p_movie_ids not in the stored list are left out. One round trip for a served batch.
-- Security definer, pinned search_path, the recommendation caller check.
create or replace function public.recommendation_items(
  p_user_id uuid,
  p_strategy text,
  p_movie_ids integer[],
  p_threshold real default null,
  p_min_overlap integer default 5,
  p_shrinkage real default 2,
  p_upcoming integer[] default null
)
returns table (
  movie public.movie_card,
  recommendation public.recommendation_row,
  item_because_title text,
  content_because_title text,
  strategy public.recommendation_strategy,
  matched_count integer,
  matched_usernames text[],
  matched_display_names text[],
  matched_similarities real[],
  potential_matches integer,
  book_because_id integer,
  book_because_title text,
  book_because_readers integer
)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = auto
as $$
begin
  perform public.recommendation_caller_check(p_user_id);
  if coalesce(cardinality(p_movie_ids), 0) > 100 then
    raise exception 'at most 100 films' using errcode = '22023';
  end if;
  return query
    with wanted as (select w.id, w.k from unnest(p_movie_ids) with ordinality as w(id, k)),
    evidence as materialized (
      select e.* from public.stored_match_evidence(p_user_id, p_strategy, p_movie_ids, p_threshold, p_min_overlap,
                                                   p_shrinkage, true, p_upcoming) e
    )
    select public.to_movie_card(m), c.recommendation, ib.title, cb.title, c.served,
           e.matched_count, e.matched_usernames, e.matched_display_names, e.matched_similarities,
           e.potential_matches, be.book_id, be.title, be.readers
    from wanted w
    join public.recommendation_cache c on c.user_id = p_user_id and c.strategy = p_strategy and c.movie_id = w.id
    join public.movies m on m.id = c.movie_id and not m.adult
    left join public.movies ib on ib.id = (c.recommendation).item_because_id
    left join public.movies cb on cb.id = (c.recommendation).content_because_id
    left join evidence e on e.movie_id = w.id
    left join public.film_book_evidence(p_user_id, p_movie_ids) be on be.movie_id = w.id
    order by w.k;
end
$$;

comment on function public.recommendation_items is 'The served films of a stored recommendation list, in the given order, with their evidence and (when asked) match evidence: one round trip per batch.';

revoke execute on function public.recommendation_items from public;

grant execute on function public.recommendation_items to authenticated, service_role;

-- recommend_for_signals: recommendations for an anonymous session (POST /v1/recommendations/session): item-based
-- CF over movie_similarities, as recommend_items, with the signals given as arguments instead of read from a
-- user. Nothing is read from or written to any user's rows.
--   p_liked, p_disliked          film ids (signal weights of like and dislike, signal_weights)
--   p_rated_ids, p_rated_values  films and their stars (0.5..5 in half steps; weights from rating_weights); a film
--                                rated and liked counts both, as for a user
--   p_limit                      1..50
-- At most 500 signals in all (22023), ratings of the same length as their films (22023). Every given film is left
-- out of the answer. score(j) = sum of weight(i) * similarity(i, j) over the given films i with a neighbour row;
-- the evidence is the given film contributing most (with its stars or signal). When no given film has neighbours
-- (unknown films, or films without co-ratings yet) the answer is the all-time popular films, strategy served
-- 'popular' with reason 'source_empty'. Rows as get_recommendations returns them (recommended_movie).
-- Public (anon may call it): it reads only the film neighbours and the popularity aggregates.
create or replace function public.recommend_for_signals(
  p_liked integer[] default '{}',
  p_disliked integer[] default '{}',
  p_rated_ids integer[] default '{}',
  p_rated_values numeric[] default '{}',
  p_limit integer default 20
)
returns setof public.recommended_movie
language plpgsql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_plan public.recommendation_strategy;
  v_inputs integer[];
begin
  if p_limit is null or p_limit < 1 or p_limit > 50 then
    raise exception 'limit must be between 1 and 50' using errcode = '22023';
  end if;
  if coalesce(cardinality(p_rated_ids), 0) <> coalesce(cardinality(p_rated_values), 0) then
    raise exception 'every rated film needs one rating' using errcode = '22023';
  end if;
  if coalesce(cardinality(p_liked), 0) + coalesce(cardinality(p_disliked), 0) + coalesce(cardinality(p_rated_ids), 0) > 500 then
    raise exception 'at most 500 signals' using errcode = '22023';
  end if;
  if exists (select 1 from unnest(coalesce(p_rated_values, '{}')) v
             where v is null or v < 0.5 or v > 5 or v * 2 <> trunc(v * 2)) then
    raise exception 'ratings must be 0.5 to 5 in half steps' using errcode = '22023';
  end if;
  v_inputs := coalesce(p_liked, '{}') || coalesce(p_disliked, '{}') || coalesce(p_rated_ids, '{}');
  v_plan := row('item', 'item', null, null, coalesce(cardinality(p_rated_ids), 0),
                coalesce(cardinality(p_liked), 0))::public.recommendation_strategy;
  return query
    with sig as materialized (
      select t.movie_id, sum(t.weight)::real as weight, max(t.rating) as rating,
             (array_agg(t.signal order by abs(t.weight) desc) filter (where t.signal is not null))[1] as signal
      from (
        select l.id as movie_id, sw.weight, null::numeric as rating, 'like'::text as signal
        from unnest(coalesce(p_liked, '{}')) as l(id) join public.signal_weights sw on sw.type = 'like'
        union all
        select d.id, sw.weight, null, 'dislike'
        from unnest(coalesce(p_disliked, '{}')) as d(id) join public.signal_weights sw on sw.type = 'dislike'
        union all
        select r.id, rw.weight, r.stars, null
        from unnest(coalesce(p_rated_ids, '{}'), coalesce(p_rated_values, '{}')) as r(id, stars)
        join public.rating_weights rw on rw.rating = r.stars
      ) t
      group by t.movie_id
      having sum(t.weight) <> 0
    ),
    scored as (
      select s.neighbour_id, sum(sig.weight * s.similarity) as score
      from sig join public.movie_similarities s on s.movie_id = sig.movie_id
      group by s.neighbour_id
    ),
    top as materialized (
      select c.neighbour_id as movie_id, c.score::real as score
      from scored c join public.movies m on m.id = c.neighbour_id
      where c.score > 0 and not m.adult and c.neighbour_id <> all (v_inputs)
      order by c.score desc, c.neighbour_id
      limit p_limit
    ),
    evidence as (
      select distinct on (s.neighbour_id) s.neighbour_id, sig.movie_id, sig.rating, sig.signal, s.similarity
      from top join public.movie_similarities s on s.neighbour_id = top.movie_id
      join sig on sig.movie_id = s.movie_id
      where sig.weight > 0
      order by s.neighbour_id, sig.weight * s.similarity desc, sig.movie_id
    )
    select public.to_movie_card(m),
           row(t.score, null, array['item'], e.movie_id, e.rating, e.signal, e.similarity, null, null, null, null,
               null, null, null, null)::public.recommendation_row,
           ib.title, null::text, v_plan, null::integer, null::text, null::integer
    from top t
    join public.movies m on m.id = t.movie_id
    left join evidence e on e.neighbour_id = t.movie_id
    left join public.movies ib on ib.id = e.movie_id
    order by t.score desc, t.movie_id;
  if not found then
    v_plan.served := 'popular';
    v_plan.reason := 'source_empty';
    return query
      select public.to_movie_card(m),
             row(p.score, null, array['popular'], null, null, null, null, null, null, null, null, null, null,
                 p.rating_count, p.rating_mean)::public.recommendation_row,
             null::text, null::text, v_plan, null::integer, null::text, null::integer
      from public.recommend_popular(null, null, null, null, null, '{}', p_limit + cardinality(v_inputs)) p
      join public.movies m on m.id = p.movie_id
      where p.movie_id <> all (v_inputs)
      order by p.score desc, p.rating_count desc, p.movie_id
      limit p_limit;
  end if;
end
$$;

comment on function public.recommend_for_signals is 'Recommendations for an anonymous session from signals given as arguments (item neighbours; popular when none), nothing stored (POST /v1/recommendations/session).';

revoke execute on function public.recommend_for_signals from public;

grant execute on function public.recommend_for_signals to anon, authenticated, service_role;

revoke execute on function
  public.recommendation_caller_check, public.resolve_genre, public.user_signals, public.excluded_movies,
  public.user_neighbours, public.recommend_user_cf, public.predict_ratings_neighbours, public.recommend_items,
  public.recommend_content, public.content_evidence, public.recommend_popular, public.recommend_hybrid,
  public.get_recommendations_live, public.get_popular_movies, public.get_similar_movies
from public;

grant execute on function public.resolve_genre, public.get_popular_movies, public.get_similar_movies
  to anon, authenticated, service_role;

grant execute on function
  public.recommendation_caller_check, public.user_signals, public.excluded_movies, public.user_neighbours,
  public.recommend_user_cf, public.predict_ratings_neighbours, public.recommend_items, public.recommend_content,
  public.content_evidence, public.recommend_popular, public.recommend_hybrid, public.get_recommendations_live
  to authenticated, service_role;

grant usage, select on sequence public.recommendation_job_runs_id_seq to service_role;

create table public.recommendation_blend (
  id bigint generated always as identity primary key,
  fitted_at timestamptz not null default now(),
  weights real[] not null check (
    array_length(weights, 1) in (4, 5) and weights[1] >= 0 and weights[2] >= 0 and weights[3] >= 0
    and weights[1] + weights[2] + weights[3] > 0 and weights[4] between 0 and 1
    and (weights[5] is null or weights[5] = 0 or weights[5] between 1 and 5)),
  metric text not null,
  validation jsonb not null,
  candidates jsonb not null,
  ease_lambda real check (ease_lambda > 0)
);

alter table public.recommendation_blend enable row level security;

comment on table public.recommendation_blend is 'Hybrid blend weights fitted by `marquee tune` on a validation split of the ratings; the newest row serves (unless RECOMMENDATION_WEIGHTS overrides).';

comment on column public.recommendation_blend.candidates is 'Every weight vector tried with its metrics, best first (the single sources included, so the fit never loses to its best source on validation).';

comment on column public.recommendation_blend.validation is 'The validation split (seed, share, users, ratings) and the chosen weights'' metrics on it.';

comment on column public.recommendation_blend.metric is 'What the fit maximised, e.g. ndcg@10.';

comment on column public.recommendation_blend.weights is '{collaborative, content, popular, item share of collaborative, like centre (0 = off)}, as get_recommendations takes them.';

comment on column public.recommendation_blend.fitted_at is 'When the fit ran.';

comment on column public.recommendation_blend.id is 'Identity; the newest fit has the largest id.';

comment on column public.recommendation_blend.ease_lambda is 'EASE''s L2 penalty fitted on the same validation split (null: not fitted); the nightly job trains with the newest one unless told otherwise.';

revoke all on public.recommendation_blend from anon, authenticated;

grant all on public.recommendation_blend to service_role;

-- recommendation_weights: the weights the hybrid serves when the caller gives none: the newest fitted row, else
-- the defaults {0.5, 0.3, 0.2, 0.7}. Four numbers: collaborative, content, popular, item share of collaborative.
create or replace function public.recommendation_weights()
returns real[]
language sql
stable
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select coalesce(
    (select b.weights from public.recommendation_blend b order by b.id desc limit 1),
    array[0.5, 0.3, 0.2, 0.7]::real[])
$$;

comment on function public.recommendation_weights is 'The hybrid''s serving weights: the newest fitted blend, else the defaults (0.5, 0.3, 0.2, item share 0.7).';

revoke execute on function public.recommendation_weights from public;

grant execute on function public.recommendation_weights to authenticated, service_role;

-- predict_ratings: the user's predicted stars for the given films, one row per distinct film, by film id.
--   method 'model':          μ + b_u + b_i + p_u·q_i, for a user and film the nightly model fitted;
--   method 'model_baseline': μ + b_u' + b_i for a film the model knows and a user it does not (signed up or
--                            first rated since the last run), b_u' = Σ(r - μ - b_i) / (n + 5) over their ratings now;
--   otherwise predict_ratings_neighbours (methods 'neighbours', 'user_mean', 'film_mean', 'global_mean').
-- Clamped to 0.5..5. Security definer (it reads other users' model rows) with its own caller check.
create or replace function public.predict_ratings(p_user_id uuid, p_movie_ids integer[], p_live boolean default false)
returns table (movie_id integer, predicted_rating real, neighbour_count integer, method text)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
rows 50
as $$
#variable_conflict use_column
begin
  perform public.recommendation_caller_check(p_user_id);
  return query
    with wanted as (select distinct w as movie_id from unnest(p_movie_ids) w),
    g as materialized (select m.global_mean from public.rating_model m),
    uf as materialized (select u.bias, u.factors from public.rating_model_users u where u.user_id = p_user_id),
    ub as materialized (
      select sum(r.rating - g.global_mean - coalesce(f.bias, 0)) / (count(*) + 5) as bias
      from public.ratings r
      cross join g
      left join public.rating_model_films f on f.movie_id = r.movie_id
      where r.user_id = p_user_id
    ),
    fitted as materialized (
      select w.movie_id,
             least(5, greatest(0.5,
               g.global_mean + coalesce(uf.bias, ub.bias, 0) + f.bias
               + coalesce((select sum(a * b) from unnest(uf.factors, f.factors) as x(a, b)), 0)))::real as p,
             case when uf.bias is not null then 'model' else 'model_baseline' end as method
      from wanted w
      cross join g
      join public.rating_model_films f on f.movie_id = w.movie_id
      cross join ub
      left join uf on true
    )
    select f.movie_id, f.p, 0, f.method from fitted f
    union all
    select n.movie_id, n.predicted_rating, n.neighbour_count, n.method
    from public.predict_ratings_neighbours(
      p_user_id, array(select w.movie_id from wanted w where w.movie_id not in (select f.movie_id from fitted f)),
      p_live) n
    order by 1;
end
$$;

comment on function public.predict_ratings is 'Predicted stars for given films: the nightly biased-MF rating model (μ + b_u + b_i + p_u·q_i), else user-based CF with its fallbacks; the method used per film.';

revoke execute on function public.predict_ratings from public;

grant execute on function public.predict_ratings to authenticated, service_role;

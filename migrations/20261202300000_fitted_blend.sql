-- Fitted blending: the hybrid's weights are fitted by `marquee tune` on a validation split carved from the
-- training ratings (never the test split) and stored here with the metrics they reached; the API uses the newest
-- fitted row unless RECOMMENDATION_WEIGHTS is set (then the edge passes those weights explicitly).
--
-- p_weights of get_recommendations and get_recommendations_live becomes optional (null = the fitted weights, or
-- the old defaults {0.5, 0.3, 0.2} with item share 0.7 before any fit) and may carry a fourth number, the item
-- share of the collaborative weight (item-based vs user-based CF), which was fixed at 0.7.

create table public.recommendation_blend (
  id bigint generated always as identity primary key,
  fitted_at timestamptz not null default now(),
  weights real[] not null check (
    array_length(weights, 1) = 4 and weights[1] >= 0 and weights[2] >= 0 and weights[3] >= 0
    and weights[1] + weights[2] + weights[3] > 0 and weights[4] between 0 and 1),
  metric text not null,
  validation jsonb not null,
  candidates jsonb not null
);
alter table public.recommendation_blend enable row level security;
comment on table public.recommendation_blend is 'Hybrid blend weights fitted by `marquee tune` on a validation split of the ratings; the newest row serves (unless RECOMMENDATION_WEIGHTS overrides).';
comment on column public.recommendation_blend.id is 'Identity; the newest fit has the largest id.';
comment on column public.recommendation_blend.fitted_at is 'When the fit ran.';
comment on column public.recommendation_blend.weights is '{collaborative, content, popular, item share of collaborative}, as get_recommendations takes them.';
comment on column public.recommendation_blend.metric is 'What the fit maximised, e.g. ndcg@10.';
comment on column public.recommendation_blend.validation is 'The validation split (seed, share, users, ratings) and the chosen weights'' metrics on it.';
comment on column public.recommendation_blend.candidates is 'Every weight vector tried with its metrics, best first (the single sources included, so the fit never loses to its best source on validation).';
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

-- get_recommendations_live: the uncached computation (contract in 20261122002200_recommendation_endpoints.sql),
-- now with optional weights: null = recommendation_weights(); a fourth number is the item share.
create or replace function public.get_recommendations_live(
  p_user_id uuid,
  p_strategy text default 'hybrid',
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen'],
  p_limit integer default 20,
  p_weights real[] default null
)
returns table (
  id integer,
  title text,
  original_title text,
  release_date date,
  release_year smallint,
  runtime smallint,
  original_language text,
  genres text[],
  popularity real,
  vote_average real,
  vote_count integer,
  weighted_rating real,
  poster_path text,
  score real,
  predicted_rating real,
  sources text[],
  served_strategy text,
  cold_start text,
  rated_count integer,
  item_because_id integer,
  item_because_title text,
  item_because_rating numeric,
  item_because_signal text,
  item_similarity real,
  cf_neighbours integer,
  cf_correlation real,
  cf_neighbour_mean real,
  content_method text,
  content_because_id integer,
  content_because_title text,
  content_features text[],
  popular_count integer,
  popular_mean real
)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_genre text := public.resolve_genre(p_genre);
  v_rated integer;
  v_liked integer;
  v_served text := p_strategy;
  v_cold text;
  v_w real[] := array[0, 0, 0];
  v_weights real[] := coalesce(p_weights, public.recommendation_weights());
  v_item_share real;
begin
  perform public.recommendation_caller_check(p_user_id);
  if p_strategy is null or p_strategy not in ('hybrid', 'cf', 'item', 'content', 'popular') then
    raise exception 'strategy must be one of hybrid, cf, item, content, popular' using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception 'limit must be between 1 and 500' using errcode = '22023';
  end if;
  if array_length(v_weights, 1) not in (3, 4) or exists (select 1 from unnest(v_weights) x where x < 0 or x is null)
     or v_weights[1] + v_weights[2] + v_weights[3] <= 0 or coalesce(v_weights[4], 0) > 1 then
    raise exception 'weights must be three non-negative numbers (collaborative, content, popular), not all 0, and optionally the item share of collaborative (0..1)'
      using errcode = '22023';
  end if;
  v_item_share := coalesce(v_weights[4], 0.7);
  if p_year_from is not null and p_year_to is not null and p_year_from > p_year_to then
    raise exception 'year_from must not be after year_to' using errcode = '22023';
  end if;

  select count(*) into v_rated from public.ratings r where r.user_id = p_user_id;
  select count(*) into v_liked from public.user_signals(p_user_id) s where s.weight > 0;

  if p_strategy <> 'popular' and v_liked = 0 and v_rated = 0 then
    v_served := 'popular';
    v_cold := 'no_signals';
  elsif p_strategy = 'content' and v_liked = 0 then
    v_served := 'popular';
  elsif p_strategy in ('hybrid', 'cf', 'item') and v_rated < 3 then
    v_served := case when v_liked > 0 then 'cold_start' else 'popular' end;
    v_cold := 'few_ratings';
  end if;

  case v_served
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
        v_w[1], v_w[2], v_w[3], v_item_share)
    )
    select m.id, m.title, m.original_title, m.release_date, m.release_year, m.runtime, m.original_language,
           m.genres, m.popularity, m.vote_average, m.vote_count, m.weighted_rating, m.poster_path,
           r.score, r.predicted_rating, r.sources, v_served, v_cold, v_rated,
           r.item_because_id, ib.title, r.item_because_rating, r.item_because_signal, r.item_similarity,
           r.cf_neighbours, r.cf_correlation, r.cf_neighbour_mean,
           r.content_method, r.content_because_id, cb.title, r.content_features,
           r.popular_count, r.popular_mean
    from recs r
    join public.movies m on m.id = r.movie_id
    left join public.movies ib on ib.id = r.item_because_id
    left join public.movies cb on cb.id = r.content_because_id
    order by r.score desc, r.movie_id;

  -- The requested source had nothing to offer (e.g. no nightly neighbours yet): fall back to popularity.
  if not found and v_served not in ('popular') then
    return query
      select m.id, m.title, m.original_title, m.release_date, m.release_year, m.runtime, m.original_language,
             m.genres, m.popularity, m.vote_average, m.vote_count, m.weighted_rating, m.poster_path,
             p.score, null::real, array['popular'], 'popular'::text, v_cold, v_rated,
             null::integer, null::text, null::numeric, null::text, null::real,
             null::integer, null::real, null::real,
             null::text, null::integer, null::text, null::text[],
             p.rating_count, p.rating_mean
      from public.recommend_popular(p_user_id, v_genre, p_year_from, p_year_to, p_language, p_exclude, p_limit) p
      join public.movies m on m.id = p.movie_id
      order by p.score desc, p.rating_count desc, p.movie_id;
  end if;
end
$$;

comment on function public.get_recommendations_live is 'Personalised recommendations computed on request, never cached; weights default to the fitted blend.';
revoke execute on function public.get_recommendations_live from public;
grant execute on function public.get_recommendations_live to authenticated, service_role;

-- get_recommendations: GET /v1/recommendations (contract in 20261201000300_recommendation_cache.sql), with the
-- resolved weights (the caller's, else the fitted blend) in the cache fingerprint, so a new fit recomputes lists.
create or replace function public.get_recommendations(
  p_user_id uuid,
  p_strategy text default 'hybrid',
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen'],
  p_limit integer default 20,
  p_weights real[] default null
)
returns table (
  id integer,
  title text,
  original_title text,
  release_date date,
  release_year smallint,
  runtime smallint,
  original_language text,
  genres text[],
  popularity real,
  vote_average real,
  vote_count integer,
  weighted_rating real,
  poster_path text,
  score real,
  predicted_rating real,
  sources text[],
  served_strategy text,
  cold_start text,
  rated_count integer,
  item_because_id integer,
  item_because_title text,
  item_because_rating numeric,
  item_because_signal text,
  item_similarity real,
  cf_neighbours integer,
  cf_correlation real,
  cf_neighbour_mean real,
  content_method text,
  content_because_id integer,
  content_because_title text,
  content_features text[],
  popular_count integer,
  popular_mean real
)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  c_depth constant integer := 100;
  v_fingerprint text;
  v_weights real[] := coalesce(p_weights, public.recommendation_weights());
begin
  perform public.recommendation_caller_check(p_user_id);
  if p_strategy in ('hybrid', 'cf', 'item', 'content')
     and p_genre is null and p_year_from is null and p_year_to is null and p_language is null
     and p_exclude is not distinct from array['rated', 'hidden', 'disliked', 'seen']
     and p_limit between 1 and c_depth
     and array_length(v_weights, 1) in (3, 4) then
    v_fingerprint := public.recommendation_fingerprint(p_user_id, v_weights);
    if not exists (
      select 1 from public.recommendation_cache c
      where c.user_id = p_user_id and c.strategy = p_strategy and c.rank = 1 and c.fingerprint = v_fingerprint
    ) then
      if not pg_try_advisory_xact_lock(hashtext('recommendation_cache'), hashtext(p_user_id::text || p_strategy)) then
        return query select * from public.get_recommendations_live(
          p_user_id, p_strategy, null, null, null, null, p_exclude, p_limit, v_weights);
        return;
      end if;
      delete from public.recommendation_cache c where c.user_id = p_user_id and c.strategy = p_strategy;
      insert into public.recommendation_cache (
        user_id, strategy, rank, fingerprint, movie_id, score, predicted_rating, sources, served_strategy,
        cold_start, rated_count, item_because_id, item_because_rating, item_because_signal, item_similarity,
        cf_neighbours, cf_correlation, cf_neighbour_mean, content_method, content_because_id, content_features,
        popular_count, popular_mean)
      select p_user_id, p_strategy, l.n, v_fingerprint, l.id, l.score, l.predicted_rating, l.sources,
             l.served_strategy, l.cold_start, l.rated_count, l.item_because_id, l.item_because_rating,
             l.item_because_signal, l.item_similarity, l.cf_neighbours, l.cf_correlation, l.cf_neighbour_mean,
             l.content_method, l.content_because_id, l.content_features, l.popular_count, l.popular_mean
      from public.get_recommendations_live(
        p_user_id, p_strategy, null, null, null, null, p_exclude, c_depth, v_weights) with ordinality as l
        (id, title, original_title, release_date, release_year, runtime, original_language, genres, popularity,
         vote_average, vote_count, weighted_rating, poster_path, score, predicted_rating, sources, served_strategy,
         cold_start, rated_count, item_because_id, item_because_title, item_because_rating, item_because_signal,
         item_similarity, cf_neighbours, cf_correlation, cf_neighbour_mean, content_method, content_because_id,
         content_because_title, content_features, popular_count, popular_mean, n);
    end if;
    return query
      select m.id, m.title, m.original_title, m.release_date, m.release_year, m.runtime, m.original_language,
             m.genres, m.popularity, m.vote_average, m.vote_count, m.weighted_rating, m.poster_path,
             c.score, c.predicted_rating, c.sources, c.served_strategy, c.cold_start, c.rated_count,
             c.item_because_id, ib.title, c.item_because_rating, c.item_because_signal, c.item_similarity,
             c.cf_neighbours, c.cf_correlation, c.cf_neighbour_mean,
             c.content_method, c.content_because_id, cb.title, c.content_features,
             c.popular_count, c.popular_mean
      from public.recommendation_cache c
      join public.movies m on m.id = c.movie_id and not m.adult
      left join public.movies ib on ib.id = c.item_because_id
      left join public.movies cb on cb.id = c.content_because_id
      where c.user_id = p_user_id and c.strategy = p_strategy
      order by c.rank
      limit p_limit;
    return;
  end if;
  return query select * from public.get_recommendations_live(
    p_user_id, p_strategy, p_genre, p_year_from, p_year_to, p_language, p_exclude, p_limit, v_weights);
end
$$;

comment on function public.get_recommendations is 'Personalised recommendations (GET /v1/recommendations): strategy dispatch, cold start, fallback, film rows and evidence in one call; cached per user until their signals, the nightly run or the weights change; weights default to the fitted blend.';
revoke execute on function public.get_recommendations from public;
grant execute on function public.get_recommendations to authenticated, service_role;

-- The hybrid blend and the entry points the API calls: get_recommendations (GET /v1/recommendations),
-- get_popular_movies (GET /v1/recommendations/popular) and get_similar_movies (GET /v1/movies/{id}/similar).

-- recommend_hybrid: a weighted blend of the sources, every score normalised per source before blending:
--   item-based and content scores are divided by the source's best score (0..1); user-based CF (a predicted
--   rating) and popularity (a Bayesian mean) are min-max scaled over their candidates (0..1).
--   collaborative = p_item_share * item + (1 - p_item_share) * user-based CF (each side alone when the other has
--   nothing); score = p_w_collaborative * collaborative + p_w_content * content + p_w_popular * popularity.
-- Each source contributes its best p_candidates films (a film outside every source's list scores 0 everywhere);
-- a source whose weight is 0 is not run. Weights need not sum to 1. Rows: best first, ties by movie id.
-- sources lists the sources that scored the film, largest contribution first; the evidence columns carry what
-- each source knows about the film (null when it did not score it).
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
  p_candidates integer default 200
)
returns table (
  movie_id integer,
  score real,
  sources text[],
  item_score real,
  cf_score real,
  content_score real,
  popular_score real,
  predicted_rating real,
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
)
language sql
volatile
security definer
set search_path = public, extensions
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
    select s.*, s.score / nullif(max(s.score) over (), 0) as norm
    from w, public.recommend_content(p_user_id, p_genre, p_year_from, p_year_to, p_language, p_exclude, w.n) s
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
  )
  select b.movie_id,
         (b.c_item + b.c_cf + b.c_content + b.c_pop)::real,
         array(
           select x.name from (values ('item', b.c_item, b.item_norm), ('cf', b.c_cf, b.cf_norm),
                                      ('content', b.c_content, b.content_norm), ('popular', b.c_pop, b.pop_norm)) x(name, c, n)
           where x.n is not null and x.c > 0
           order by x.c desc, x.name
         ),
         b.item_norm::real, b.cf_norm::real, b.content_norm::real, b.pop_norm::real,
         b.predicted_rating,
         b.because_movie_id, b.because_rating, b.because_signal, b.because_similarity,
         b.neighbour_count, b.mean_correlation, b.neighbour_mean,
         b.method, b.content_because, b.shared_features,
         b.rating_count, b.rating_mean
  from blended b
  order by 2 desc, 1
  limit p_limit
$$;
comment on function public.recommend_hybrid is 'Hybrid recommendations: per-source normalised scores blended (default 50% collaborative, 30% content, 20% popularity), with every source''s evidence.';

-- get_recommendations: GET /v1/recommendations in one round trip.
--   p_strategy  hybrid | cf (user-based) | item | content | popular
--   p_genre     name in any case or TMDB id (unknown -> 22023); p_year_from/to, p_language; p_exclude as above
--   p_limit     1..500 (the edge allows 50; the offline evaluation asks for k)
--   p_weights   {collaborative, content, popular} for hybrid; default {0.5, 0.3, 0.2}
-- Cold start: a user with no rating and no positive signal gets popularity (cold_start 'no_signals'); fewer than
-- 3 ratings gets popularity blended 50/50 with content similarity to what they rated or liked ('few_ratings').
-- This applies to hybrid, cf and item; content needs only one liked film; popular is never personalised beyond
-- the exclusions. When the requested source has no candidates at all (for example item-based before the first
-- nightly run) the response falls back to popularity. served_strategy says what actually produced the rows.
-- Rows carry the film, the blend's evidence and the titles of the films quoted as evidence.
create or replace function public.get_recommendations(
  p_user_id uuid,
  p_strategy text default 'hybrid',
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen'],
  p_limit integer default 20,
  p_weights real[] default array[0.5, 0.3, 0.2]::real[]
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
as $$
declare
  v_genre text := public.resolve_genre(p_genre);
  v_rated integer;
  v_liked integer;
  v_served text := p_strategy;
  v_cold text;
  v_w real[] := array[0, 0, 0];
  v_item_share real := 0.7;
begin
  perform public.recommendation_caller_check(p_user_id);
  if p_strategy is null or p_strategy not in ('hybrid', 'cf', 'item', 'content', 'popular') then
    raise exception 'strategy must be one of hybrid, cf, item, content, popular' using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception 'limit must be between 1 and 500' using errcode = '22023';
  end if;
  if p_weights is null or array_length(p_weights, 1) <> 3 or exists (select 1 from unnest(p_weights) x where x < 0 or x is null)
     or (select sum(x) from unnest(p_weights) x) <= 0 then
    raise exception 'weights must be three non-negative numbers (collaborative, content, popular), not all 0'
      using errcode = '22023';
  end if;
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
    when 'hybrid' then v_w := p_weights;
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
comment on function public.get_recommendations is 'Personalised recommendations (GET /v1/recommendations): strategy dispatch, cold start, fallback, film rows and evidence in one call.';

-- recommendation_profile: how much the engine knows about a user (ratings, positive signals, whether the nightly
-- job has neighbours for them). The edge calls it only when get_recommendations returns no rows, to still say
-- which strategy would have served.
create or replace function public.recommendation_profile(p_user_id uuid)
returns table (rated_count integer, liked_count integer, has_user_neighbours boolean)
language plpgsql
stable
security definer
set search_path = public, extensions
as $$
begin
  perform public.recommendation_caller_check(p_user_id);
  return query
    select (select count(*)::integer from public.ratings r where r.user_id = p_user_id),
           (select count(*)::integer from public.user_signals(p_user_id) s where s.weight > 0),
           exists (select 1 from public.user_similarities s where s.user_id = p_user_id);
end
$$;
comment on function public.recommendation_profile is 'A user''s rating count, positive-signal count and nightly-neighbour presence.';

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
  rating_count integer,
  rating_mean real
)
language plpgsql
stable
security definer
set search_path = public, extensions
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
  return query
    select m.id, m.title, m.original_title, m.release_date, m.release_year, m.runtime, m.original_language,
           m.genres, m.popularity, m.vote_average, m.vote_count, m.weighted_rating, m.poster_path,
           p.score, p.rating_count, p.rating_mean
    from public.recommend_popular(null, v_genre, p_year_from, p_year_to, p_language, '{}', p_limit,
                                  p_window_days, p_min_ratings, p_prior_weight) p
    join public.movies m on m.id = p.movie_id
    order by p.score desc, p.rating_count desc, p.movie_id;
end
$$;
comment on function public.get_popular_movies is 'Public Bayesian popularity, all time or trending (GET /v1/recommendations/popular).';

-- get_similar_movies: GET /v1/movies/{id}/similar. Blends, 50/50 after normalising each by its best score:
--   co-rating: the film's nightly top-k neighbours (movie_similarities), with the number of users behind it;
--   content:   cosine similarity of embeddings when the film has one (method 'embedding'), else of TF-IDF
--              features (method 'features', with the shared features, most telling first).
-- Unknown or adult film -> P0002 (404). Rows best first, ties by movie id; the film itself never appears.
create or replace function public.get_similar_movies(p_movie_id integer, p_limit integer default 20)
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
  co_rating_similarity real,
  co_rating_support integer,
  content_similarity real,
  content_method text,
  shared_features text[]
)
language plpgsql
stable
security definer
set search_path = public, extensions
as $$
declare
  v_embedding vector;
begin
  if p_limit is null or p_limit < 1 or p_limit > 100 then
    raise exception 'limit must be between 1 and 100' using errcode = '22023';
  end if;
  if not exists (select 1 from public.movies m where m.id = p_movie_id and not m.adult) then
    raise exception 'movie % not found', p_movie_id using errcode = 'P0002';
  end if;
  select m.embedding into v_embedding from public.movies m where m.id = p_movie_id;

  return query
    with co as materialized (
      select s.neighbour_id as movie_id, s.similarity, s.support,
             s.similarity / nullif(max(s.similarity) over (), 0) as norm
      from public.movie_similarities s
      where s.movie_id = p_movie_id and s.similarity > 0
    ),
    emb as materialized (
      select m.id as movie_id, (1 - (m.embedding <=> v_embedding))::real as similarity
      from public.movies m
      where v_embedding is not null and m.embedding is not null and m.id <> p_movie_id and not m.adult
      order by m.embedding <=> v_embedding, m.id
      limit 100
    ),
    feat as materialized (
      select f2.movie_id, sum(f1.weight * f2.weight)::real as similarity,
             (array_agg(f1.feature order by f1.weight * f2.weight desc, f1.feature))[1:3] as shared
      from public.movie_features f1
      join public.movie_features f2 on f2.feature = f1.feature and f2.movie_id <> p_movie_id
      where f1.movie_id = p_movie_id
      group by f2.movie_id
      order by 2 desc, 1
      limit 100
    ),
    content as materialized (
      select e.movie_id, e.similarity, 'embedding'::text as method, null::text[] as shared from emb e
      union all
      select f.movie_id, f.similarity, 'features', f.shared from feat f where v_embedding is null
    ),
    content_norm as (
      select c.*, c.similarity / nullif(max(c.similarity) over (), 0) as norm from content c where c.similarity > 0
    ),
    blended as (
      select coalesce(co.movie_id, cn.movie_id) as movie_id,
             (0.5 * coalesce(co.norm, 0) + 0.5 * coalesce(cn.norm, 0))::real as score,
             co.similarity as co_sim, co.support, cn.similarity as c_sim, cn.method, cn.shared
      from co full join content_norm cn on cn.movie_id = co.movie_id
    )
    select m.id, m.title, m.original_title, m.release_date, m.release_year, m.runtime, m.original_language,
           m.genres, m.popularity, m.vote_average, m.vote_count, m.weighted_rating, m.poster_path,
           b.score, b.co_sim, b.support, b.c_sim, b.method, coalesce(b.shared, '{}')
    from blended b join public.movies m on m.id = b.movie_id
    where not m.adult
    order by b.score desc, m.id
    limit p_limit;
end
$$;
comment on function public.get_similar_movies is 'Films similar to one film: co-rating neighbours and content similarity blended 50/50 (GET /v1/movies/{id}/similar).';

revoke execute on function
  public.recommendation_caller_check, public.resolve_genre, public.user_signals, public.excluded_movies,
  public.user_neighbours, public.recommend_user_cf, public.predict_ratings, public.recommend_items,
  public.recommend_content, public.recommend_popular, public.recommend_hybrid, public.get_recommendations,
  public.recommendation_profile, public.get_popular_movies, public.get_similar_movies
from public;
grant execute on function public.resolve_genre, public.get_popular_movies, public.get_similar_movies
  to anon, authenticated, service_role;
grant execute on function
  public.recommendation_caller_check, public.user_signals, public.excluded_movies, public.user_neighbours,
  public.recommend_user_cf, public.predict_ratings, public.recommend_items, public.recommend_content,
  public.recommend_popular, public.recommend_hybrid, public.get_recommendations, public.recommendation_profile
  to authenticated, service_role;

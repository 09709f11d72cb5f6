-- The recommendation sources, each a SQL function (RPC), and the entry points behind GET /v1/recommendations,
-- GET /v1/recommendations/popular and GET /v1/movies/{id}/similar. Serving is one round trip: the user's own
-- signals (read live, so a new rating changes the next response) joined to the nightly neighbour tables.
--
-- Shared conventions of every source:
--   p_genre         exact genre name (the entry points resolve any-case names and ids first)
--   p_year_from/to  release year range, inclusive; p_language ISO 639-1
--   p_exclude       which of the user's films to leave out: any of rated, hidden, disliked, seen
--   p_limit         at most this many rows, best first; ties broken by movie id ascending
-- Personalised functions are security definer (they read other users' ratings for CF) with a pinned search_path
-- and their own caller check: a JWT caller may only ask for themself.

-- recommendation_caller_check: raises 42501 when a JWT user asks for someone else's recommendations, 22023 when
-- no user is given. Direct connections (the edge, jobs) carry no JWT and pass.
create or replace function public.recommendation_caller_check(p_user_id uuid)
returns void
language plpgsql
stable
set search_path = public, extensions
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

-- excluded_movies: the user's films to leave out of recommendations. p_exclude lists any of rated, hidden,
-- disliked, seen; an unknown word raises 22023.
create or replace function public.excluded_movies(
  p_user_id uuid,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen']
)
returns table (movie_id integer)
language plpgsql
stable
set search_path = public, extensions
rows 100
as $$
declare
  v_types text[];
begin
  if exists (select 1 from unnest(coalesce(p_exclude, '{}')) e where e not in ('rated', 'hidden', 'disliked', 'seen')) then
    raise exception 'exclude must be any of rated, hidden, disliked, seen' using errcode = '22023';
  end if;
  v_types := array_remove(array[
    case when 'hidden' = any (p_exclude) then 'hide' end,
    case when 'disliked' = any (p_exclude) then 'dislike' end,
    case when 'seen' = any (p_exclude) then 'seen' end
  ], null);
  return query
    select r.movie_id from public.ratings r where r.user_id = p_user_id and 'rated' = any (p_exclude)
    union
    select i.movie_id from public.interactions i
    where i.user_id = p_user_id and i.movie_id is not null and i.type = any (v_types);
end
$$;
comment on function public.excluded_movies is 'Films a user''s recommendations leave out: rated, hidden, disliked and/or seen (configurable).';

-- user_neighbours: the user's most similar users for user-based CF, best first.
--   p_live false: the nightly user_similarities rows; for a user the nightly job has not covered, neighbours
--                 computed on request and cached in user_neighbour_cache until the user's ratings change or 24 h.
--   p_live true:  always computed on request over the whole ratings table (the seeds' approach; never cached).
-- Definition (the seeds'): Pearson correlation over the films both users rated, at least 3 in common, correlation
-- above 0.3. Neighbours are ranked by correlation * min(common, 50) / 50 and the top p_k kept.
-- Volatile: it may write the cache.
create or replace function public.user_neighbours(p_user_id uuid, p_live boolean default false, p_k integer default 50)
returns table (neighbour_id uuid, similarity real, correlation real, common_count integer, neighbour_mean real)
language plpgsql
volatile
rows 50
security definer
set search_path = public, extensions
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
  pairs as (
    select o.user_id, count(*)::integer as n, corr(me.rating, o.rating::real)::real as c
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
comment on function public.user_neighbours is 'A user''s CF neighbours (Pearson, >= 3 common films, correlation > 0.3): nightly table, else computed on request and cached; p_live forces on-request.';

-- recommend_user_cf: user-based collaborative filtering (the seeds' definition). For each film a neighbour rated:
--   predicted_rating = mean(user) + sum(sim * (r_v - mean_v)) / sum(|sim|), clamped to 0.5..5
--   score            = mean(user) + sum(sim * (r_v - mean_v)) / (sum(|sim|) + p_shrinkage)
-- The score shrinks towards the user's mean when few neighbours vouch for a film, so one enthusiastic neighbour
-- does not outrank twenty; it is what rows are ordered by. The user's mean is read live; a neighbour's mean is the one stored with the neighbour.
-- Also returns the evidence a reason quotes: neighbours who rated it, their mean correlation and mean rating.
create or replace function public.recommend_user_cf(
  p_user_id uuid,
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen'],
  p_limit integer default 20,
  p_live boolean default false,
  p_shrinkage real default 2
)
returns table (
  movie_id integer, score real, predicted_rating real, neighbour_count integer, mean_correlation real,
  neighbour_mean real
)
language sql
volatile
security definer
set search_path = public, extensions
rows 200
as $$
  with nb as materialized (select * from public.user_neighbours(p_user_id, p_live)),
  me as materialized (select avg(r.rating)::real as mean from public.ratings r where r.user_id = p_user_id),
  ex as materialized (select e.movie_id from public.excluded_movies(p_user_id, p_exclude) e),
  nr as (
    select r.movie_id, r.rating::real as rating, nb.similarity, nb.correlation, nb.neighbour_mean
    from nb join public.ratings r on r.user_id = nb.neighbour_id
  ),
  votes as (
    select nr.movie_id, count(*)::integer as n,
           sum(nr.similarity * (nr.rating - nr.neighbour_mean)) as num,
           sum(abs(nr.similarity)) as den,
           avg(nr.correlation)::real as corr,
           avg(nr.rating)::real as mean_rating
    from nr group by nr.movie_id
  )
  select v.movie_id,
         (me.mean + v.num / (v.den + p_shrinkage))::real,
         least(5, greatest(0.5, me.mean + v.num / nullif(v.den, 0)))::real,
         v.n, v.corr, v.mean_rating
  from votes v
  cross join me
  join public.movies m on m.id = v.movie_id
  where me.mean is not null
    and not m.adult
    and (p_genre is null or m.genres @> array[p_genre])
    and (p_year_from is null or m.release_year >= p_year_from)
    and (p_year_to is null or m.release_year <= p_year_to)
    and (p_language is null or m.original_language = p_language)
    and v.movie_id not in (select ex.movie_id from ex)
  order by 2 desc, 1
  limit p_limit
$$;
comment on function public.recommend_user_cf is 'User-based CF (Pearson neighbours): films ranked by shrunk predicted rating, with predicted rating and neighbour evidence.';

-- predict_ratings: the user's predicted stars for the given films (user-based CF, same neighbours and formula as
-- recommend_user_cf). Films no neighbour rated fall back to the user's mean (method 'user_mean'); a user with no
-- ratings gets the film's mean, else the global mean (method 'film_mean' / 'global_mean'). Used by the offline
-- evaluation for RMSE/MAE and by anything that shows "you would rate this 4.2".
create or replace function public.predict_ratings(p_user_id uuid, p_movie_ids integer[], p_live boolean default false)
returns table (movie_id integer, predicted_rating real, neighbour_count integer, method text)
language sql
volatile
security definer
set search_path = public, extensions
rows 50
as $$
  with wanted as (select distinct w as movie_id from unnest(p_movie_ids) w),
  nb as materialized (select * from public.user_neighbours(p_user_id, p_live)),
  me as materialized (select avg(r.rating)::real as mean from public.ratings r where r.user_id = p_user_id),
  nr as (
    select r.movie_id, r.rating::real as rating, nb.similarity, nb.neighbour_mean
    from nb join public.ratings r on r.user_id = nb.neighbour_id
  ),
  votes as (
    select nr.movie_id, count(*)::integer as n,
           sum(nr.similarity * (nr.rating - nr.neighbour_mean)) / nullif(sum(abs(nr.similarity)), 0) as dev
    from nr join wanted w on w.movie_id = nr.movie_id
    group by nr.movie_id
  )
  select w.movie_id,
         least(5, greatest(0.5, coalesce(
           me.mean + v.dev,
           me.mean,
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
  left join votes v on v.movie_id = w.movie_id
  order by w.movie_id
$$;
comment on function public.predict_ratings is 'Predicted stars for given films by user-based CF (fallback: user mean, film mean, global mean), with the method used.';

-- recommend_items: item-based CF. score(j) = sum over the user's films i with a non-zero signal of
-- weight(i) * similarity(i, j), over each i's nightly top-k neighbours (movie_similarities); negative signals
-- (dislikes, hides, low ratings) push their neighbours down. Only films with a positive score are returned.
-- Evidence: the user's film contributing most to each recommendation, with its stars/signal and the similarity.
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
rows 200
as $$
begin
  perform public.recommendation_caller_check(p_user_id);
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

-- recommend_content: content-based. The user's profile is built from films with a positive signal:
--   embeddings: when any of those films has an embedding, the weighted mean of their embeddings; films are
--               ranked by cosine similarity to it (method 'embedding'), evidence = the nearest liked film.
--   features:   otherwise the weighted sum of their TF-IDF feature vectors (movie_features: genres, keywords,
--               top-5 cast, director); films are ranked by cosine similarity (method 'features'), evidence = the
--               three profile features contributing most.
-- Negative signals subtract from the feature profile; features with a net negative weight are dropped.
create or replace function public.recommend_content(
  p_user_id uuid,
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_exclude text[] default array['rated', 'hidden', 'disliked', 'seen'],
  p_limit integer default 20
)
returns table (
  movie_id integer, score real, method text, because_movie_id integer, shared_features text[]
)
language plpgsql
stable
security definer
set search_path = public, extensions
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
      liked as materialized (
        select s.movie_id, m.embedding
        from public.user_signals(p_user_id) s join public.movies m on m.id = s.movie_id
        where s.weight > 0 and m.embedding is not null
      ),
      top as materialized (
        select m.id, (1 - (m.embedding <=> v_profile))::real as score, m.embedding
        from public.movies m
        where m.embedding is not null
          and not m.adult
          and (p_genre is null or m.genres @> array[p_genre])
          and (p_year_from is null or m.release_year >= p_year_from)
          and (p_year_to is null or m.release_year <= p_year_to)
          and (p_language is null or m.original_language = p_language)
          and m.id not in (select ex.movie_id from ex)
        order by m.embedding <=> v_profile, m.id
        limit p_limit
      )
      select t.id, t.score, 'embedding'::text, b.movie_id, '{}'::text[]
      from top t
      left join lateral (
        select l.movie_id from liked l
        order by l.embedding <=> t.embedding, l.movie_id
        limit 1
      ) b on true
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
comment on function public.recommend_content is 'Content-based: cosine similarity to the user''s liked films, by embedding where present, else by TF-IDF genres/keywords/cast/director.';

-- recommend_popular: Bayesian-average popularity over Marquee ratings.
--   score = (n * mean + p_prior_weight * C) / (n + p_prior_weight), C = the mean of all ratings in the window
-- Films with fewer than p_min_ratings ratings are left out. p_window_days null = all time (the nightly
-- movie_rating_stats view, or a live aggregate while it has never been refreshed); a number = trending over the
-- last N days (always live). p_user_id is optional: when given, that user's excluded films are left out.
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
rows 200
as $$
declare
  v_mode text;
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
  if p_window_days is not null then
    v_mode := 'window';
  elsif exists (select 1 from public.movie_rating_stats) then
    v_mode := 'nightly';
  else
    v_mode := 'live';
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
      select s.movie_id, s.rating_count, s.rating_mean from public.movie_rating_stats s where v_mode = 'nightly'
      union all
      select r.movie_id, count(*)::integer, avg(r.rating)::real from public.ratings r
      where v_mode = 'live'
      group by r.movie_id
    ),
    prior as (select sum(s.n * s.mean) / nullif(sum(s.n), 0) as c from stats s)
    select s.movie_id, ((s.n * s.mean + p_prior_weight * prior.c) / (s.n + p_prior_weight))::real, s.n, s.mean
    from stats s
    cross join prior
    join public.movies m on m.id = s.movie_id
    where s.n >= p_min_ratings
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

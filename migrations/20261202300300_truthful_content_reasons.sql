-- Truthful content reasons. recommend_content's embedding evidence named the nearest film among every film with a
-- positive signal (3 stars included) whatever the distance, so a reason could say "close to Aladdin, which you
-- liked" for a film sharing nothing with a film rated 3 stars. Now the evidence film is:
--   - one the user liked: rated 4 stars or more, liked or superliked;
--   - close enough: its embedding cosine to the candidate is at least the nightly job's calibrated threshold, the
--     95th percentile of the cosine between pairs of catalogue films (recommendation_job_runs.summary
--     ->> 'contentThreshold'; before the first run there is none, and no evidence is given);
--   - sharing something: shared_features lists up to three content features (genre, keyword, cast, director)
--     both films have, most telling first; with none, no evidence film is named.
-- Without such a film, shared_features lists what the candidate shares with any of the films the user liked (the
-- reason then names only those features, no film and no closeness); a candidate sharing nothing with them gets
-- no content evidence at all.
-- The ranking itself is unchanged.

-- recommend_content: content-based recommendations (contract in 20261122002100_recommendation_functions.sql);
-- for method 'embedding', because_movie_id and shared_features follow the rules above.
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
set plan_cache_mode = force_custom_plan
rows 200
as $$
declare
  v_profile vector;
  v_threshold real;
begin
  perform public.recommendation_caller_check(p_user_id);
  select avg(m.embedding) into v_profile
  from public.user_signals(p_user_id) s join public.movies m on m.id = s.movie_id
  where s.weight > 0 and m.embedding is not null;
  select (j.summary ->> 'contentThreshold')::real into v_threshold
  from public.recommendation_job_runs j where j.job = 'nightly' order by j.id desc limit 1;

  if v_profile is not null then
    return query
      with ex as materialized (select e.movie_id from public.excluded_movies(p_user_id, p_exclude) e),
      liked as materialized (
        select s.movie_id, m.embedding
        from public.user_signals(p_user_id) s join public.movies m on m.id = s.movie_id
        where m.embedding is not null and (s.rating >= 4 or s.signal in ('like', 'superlike'))
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
      select t.id, t.score, 'embedding'::text,
             case when b.similarity >= v_threshold and cardinality(b.features) > 0 then b.movie_id end,
             case when b.similarity >= v_threshold and cardinality(b.features) > 0 then b.features else p.features end
      from top t
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
          join public.movie_features f2 on f2.feature = f1.feature
          join liked l on l.movie_id = f2.movie_id
          where f1.movie_id = t.id
          group by f1.feature
          order by max(f1.weight * f2.weight) desc, f1.feature
          limit 3
        ) as features
      ) p on true
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

-- Users whose ratings are all equal (only 5 stars, say) get collaborative neighbours too. Pearson correlation is
-- undefined for them (zero variance), so recommend_user_cf served them nothing and the API fell back to popular
-- films. Such a user is now compared by agreement, 1 - mean |stars difference| / 4.5 over the films both rated
-- (1 = the neighbour rated them exactly the same), with the same thresholds (3 films in common, above 0.3) and
-- weighting (min(common, 50) / 50). The nightly job (functions/lib/recommend/neighbours.ts) does the same.

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

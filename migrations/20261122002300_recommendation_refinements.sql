-- Refinements after the first evaluation:
-- - recommend_hybrid: `sources` lists every weighted source that scored the film (min-max scaling gives a source's
--   weakest candidate 0, which must not hide that the source produced it);
-- - get_similar_movies gains the filters GET /v1/movies/{id}/similar accepts (genre, year range, language).

-- recommend_hybrid: a weighted blend of the sources, every score normalised per source before blending:
--   item-based and content scores are divided by the source's best score (0..1); user-based CF (a predicted
--   rating) and popularity (a Bayesian mean) are min-max scaled over their candidates (0..1).
--   collaborative = p_item_share * item + (1 - p_item_share) * user-based CF (each side alone when the other has
--   nothing); score = p_w_collaborative * collaborative + p_w_content * content + p_w_popular * popularity.
-- Each source contributes its best p_candidates films (a film outside every source's list scores 0 everywhere);
-- a source whose weight is 0 is not run. Weights need not sum to 1. Rows: best first, ties by movie id.
-- sources lists the weighted sources that scored the film, largest contribution first; the evidence columns carry what
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
           select x.name
           from (values ('item', b.c_item, b.item_norm, w.item), ('cf', b.c_cf, b.cf_norm, w.cf),
                        ('content', b.c_content, b.content_norm, w.content),
                        ('popular', b.c_pop, b.pop_norm, w.popular)) x(name, c, n, weight)
           where x.n is not null and x.weight > 0
           order by x.c desc, x.name
         ),
         b.item_norm::real, b.cf_norm::real, b.content_norm::real, b.pop_norm::real,
         b.predicted_rating,
         b.because_movie_id, b.because_rating, b.because_signal, b.because_similarity,
         b.neighbour_count, b.mean_correlation, b.neighbour_mean,
         b.method, b.content_because, b.shared_features,
         b.rating_count, b.rating_mean
  from blended b cross join w
  order by 2 desc, 1
  limit p_limit
$$;
comment on function public.recommend_hybrid is 'Hybrid recommendations: per-source normalised scores blended (default 50% collaborative, 30% content, 20% popularity), with every source''s evidence.';

drop function public.get_similar_movies(integer, integer);

-- get_similar_movies: GET /v1/movies/{id}/similar. Blends, 50/50 after normalising each by its best score:
--   co-rating: the film's nightly top-k neighbours (movie_similarities), with the number of users behind it;
--   content:   cosine similarity of embeddings when the film has one (method 'embedding'), else of TF-IDF
--              features (method 'features', with the shared features, most telling first).
-- Optional filters on the similar films: genre (any case or id; unknown -> 22023), year range, language.
-- Unknown or adult film -> P0002 (404). Rows best first, ties by movie id; the film itself never appears.
create function public.get_similar_movies(
  p_movie_id integer,
  p_limit integer default 20,
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null
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
  v_genre text := public.resolve_genre(p_genre);
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
      limit 300
    ),
    feat as materialized (
      select f2.movie_id, sum(f1.weight * f2.weight)::real as similarity,
             (array_agg(f1.feature order by f1.weight * f2.weight desc, f1.feature))[1:3] as shared
      from public.movie_features f1
      join public.movie_features f2 on f2.feature = f1.feature and f2.movie_id <> p_movie_id
      where f1.movie_id = p_movie_id
      group by f2.movie_id
      order by 2 desc, 1
      limit 300
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
      and (v_genre is null or m.genres @> array[v_genre])
      and (p_year_from is null or m.release_year >= p_year_from)
      and (p_year_to is null or m.release_year <= p_year_to)
      and (p_language is null or m.original_language = p_language)
    order by b.score desc, m.id
    limit p_limit;
end
$$;
comment on function public.get_similar_movies is 'Films similar to one film: co-rating neighbours and content similarity blended 50/50 (GET /v1/movies/{id}/similar).';

revoke execute on function public.get_similar_movies from public;
grant execute on function public.get_similar_movies to anon, authenticated, service_role;

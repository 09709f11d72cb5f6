-- Search and embeddings: the HNSW index, the document each film is embedded from, the backfill's functions, and
-- match_movies behind /v1/search.
--
-- The current definition of these objects (declared schema). Change them here, then run
-- `npx marquee schema diff <name>` to write the migration; `git log -p` on this file is their history.

-- HNSW over cosine distance for the films the API may serve. m and ef_construction are pgvector's defaults;
-- recall at the ef_search set in match_movies is measured by `marquee bench search`.
create index movies_embedding_hnsw_idx on public.movies using hnsw (embedding vector_cosine_ops) where not adult;

-- movie_document: the text a film is embedded from: title, year, genres, keywords, director, cast, overview.
-- Deterministic (the same row always gives the same text), so its SHA-256 tells the backfill what changed.
-- Security: invoker; public catalogue columns only.
create or replace function public.movie_document(p_movie public.movies)
returns text
language sql
immutable
set search_path = public, extensions
as $$
  select concat_ws(E'\n',
    p_movie.title || coalesce(' (' || p_movie.release_year || ')', ''),
    case when p_movie.original_title is distinct from p_movie.title then p_movie.original_title end,
    case when cardinality(p_movie.genres) > 0 then 'Genres: ' || array_to_string(p_movie.genres, ', ') end,
    case when cardinality(p_movie.keywords) > 0 then 'Keywords: ' || array_to_string(p_movie.keywords, ', ') end,
    case when p_movie.director is not null then 'Directed by ' || p_movie.director end,
    case when cardinality(p_movie.cast_names) > 0
      then 'Starring ' || array_to_string(p_movie.cast_names[1:5], ', ') end,
    nullif(btrim(p_movie.overview), '')
  )
$$;

comment on function public.movie_document is 'The text a film''s embedding is computed from (title, year, genres, keywords, director, top cast, overview).';

-- movies_needing_embedding: the next films the backfill must embed, by id: those with no embedding, with an
-- embedding from another model, or whose document text changed since it was embedded.
--   p_model     the configured embedding model name
--   p_after_id  keyset cursor: only ids greater than this (0 to start)
--   p_limit     batch size, 1..5000
-- Ordered by id. Security: invoker (jobs only).
create or replace function public.movies_needing_embedding(p_model text, p_after_id integer default 0, p_limit integer default 100)
returns table (id integer, document text, content_hash text)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select d.id, d.document, d.content_hash
  from (
    select m.id, m.embedding_model, m.content_hash as old_hash, m.embedding is null as missing,
           public.movie_document(m) as document,
           encode(sha256(convert_to(public.movie_document(m), 'UTF8')), 'hex') as content_hash
    from public.movies m
    where m.id > coalesce(p_after_id, 0) and not m.adult
  ) d
  where d.missing or d.embedding_model is distinct from p_model or d.old_hash is distinct from d.content_hash
  order by d.id
  limit least(greatest(coalesce(p_limit, 100), 1), 5000)
$$;

comment on function public.movies_needing_embedding is 'Next batch of films whose embedding is missing, from another model, or stale (embedding backfill).';

-- embedding_backlog: how many films the backfill still has to embed for a model (its progress total).
create or replace function public.embedding_backlog(p_model text)
returns table (pending integer, total integer)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select count(*) filter (
           where m.embedding is null or m.embedding_model is distinct from p_model
              or m.content_hash is distinct from encode(sha256(convert_to(public.movie_document(m), 'UTF8')), 'hex')
         )::integer,
         count(*)::integer
  from public.movies m
  where not m.adult
$$;

comment on function public.embedding_backlog is 'Films still to embed for a model, and films in total (embedding backfill progress).';

-- store_movie_embeddings: writes a batch of embeddings.
--   p_model  model name stored with each vector
--   p_rows   [{"id": 603, "embedding": "[0.01,...]", "content_hash": "..."}]; vectors must be 384-d, L2-normalised
-- A row whose film disappeared meanwhile is ignored. Returns the number of films updated. Security: invoker (jobs only).
create or replace function public.store_movie_embeddings(p_model text, p_rows jsonb)
returns table (stored integer)
language sql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  with updated as (
    update public.movies m
       set embedding = r.embedding::vector(384), embedding_model = p_model, content_hash = r.content_hash,
           embedded_at = now()
      from jsonb_to_recordset(p_rows) as r(id integer, embedding text, content_hash text)
     where m.id = r.id
    returning 1
  )
  select count(*)::integer from updated
$$;

comment on function public.store_movie_embeddings is 'Stores a batch of film embeddings with their model and content hash (embedding backfill).';

-- match_movies: semantic search. Films nearest to a query embedding by cosine similarity, after the films whose
-- title (or original title) equals the typed query, which always come first.
--   p_embedding   the query's embedding (384-d, same model as the films'); null for title matches only
--   p_title       the raw query text, compared case-insensitively with titles; null to skip title matching
--   p_genre       genre name (any case); p_year_from/p_year_to inclusive release years; p_language ISO 639-1
--   p_model       only films embedded by this model (vectors of different models are not comparable)
--   p_threshold   minimum cosine similarity for semantic matches, -1..1
--   p_limit       1..100
-- Ordered by match kind (title first), then similarity descending, then id. Adult films never appear.
-- The HNSW index serves the nearest-neighbour part; with filters pgvector's iterative scan keeps reading the
-- graph until enough rows pass them. Security: invoker; public catalogue rows only.
create or replace function public.match_movies(
  p_embedding vector(384) default null,
  p_title text default null,
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_model text default null,
  p_threshold real default 0,
  p_limit integer default 20
)
returns table (
  movie public.movie_card,
  similarity real,
  match text
)
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
set hnsw.ef_search = 100
set hnsw.iterative_scan = relaxed_order
as $$
declare
  v_pattern text;
begin
  if p_limit is null or p_limit < 1 or p_limit > 100 then
    raise exception 'limit must be between 1 and 100' using errcode = '22023';
  end if;
  if p_threshold is null or p_threshold < -1 or p_threshold > 1 then
    raise exception 'threshold must be between -1 and 1' using errcode = '22023';
  end if;
  if p_title is not null then
    v_pattern := replace(replace(replace(btrim(p_title), '\', '\\'), '%', '\%'), '_', '\_');
  end if;
  return query
  with titled as (
    select m.id, case when p_embedding is null or m.embedding is null or m.embedding_model is distinct from p_model
                      then null else (1 - (m.embedding <=> p_embedding))::real end as similarity
    from public.movies m
    where p_title is not null and not m.adult
      and (lower(m.title) = lower(btrim(p_title)) or m.original_title ilike v_pattern)
      and (p_genre is null or exists (select 1 from unnest(m.genres) g where lower(g) = lower(p_genre)))
      and (p_year_from is null or m.release_year >= p_year_from)
      and (p_year_to is null or m.release_year <= p_year_to)
      and (p_language is null or m.original_language = p_language)
    order by m.popularity desc, m.id
    limit p_limit
  ),
  nearest as materialized (
    select m.id, m.embedding <=> p_embedding as distance
    from public.movies m
    where p_embedding is not null and not m.adult
      and (p_model is null or m.embedding_model = p_model)
      and (p_genre is null or exists (select 1 from unnest(m.genres) g where lower(g) = lower(p_genre)))
      and (p_year_from is null or m.release_year >= p_year_from)
      and (p_year_to is null or m.release_year <= p_year_to)
      and (p_language is null or m.original_language = p_language)
    order by m.embedding <=> p_embedding
    limit p_limit
  ),
  ranked as (
    select t.id, t.similarity, 'title'::text as match, 0 as tier from titled t
    union all
    select n.id, (1 - n.distance)::real, 'semantic', 1 from nearest n
    where 1 - n.distance >= p_threshold and n.id not in (select t.id from titled t)
  )
  select public.to_movie_card(m), r.similarity, r.match
  from ranked r join public.movies m on m.id = r.id
  order by r.tier, r.similarity desc nulls last, m.popularity desc, m.id
  limit p_limit;
end
$$;

comment on function public.match_movies is 'Semantic search: exact title matches first, then nearest films by embedding (GET /v1/search).';

-- similar_movies: the films whose embeddings are nearest to a given film's (content similarity).
--   p_movie_id   the film; no embedding or unknown film -> no rows
--   p_genre, p_year_from, p_year_to, p_language   optional filters as in match_movies
--   p_threshold  minimum cosine similarity; p_limit 1..100
-- Only films embedded by the same model as the given film. Ordered by similarity descending, then id; the film
-- itself and adult films never appear. Security: invoker; public catalogue rows only.
create or replace function public.similar_movies(
  p_movie_id integer,
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_threshold real default 0,
  p_limit integer default 20
)
returns table (
  movie public.movie_card,
  similarity real
)
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
set hnsw.ef_search = 100
set hnsw.iterative_scan = relaxed_order
as $$
declare
  v_embedding vector(384);
  v_model text;
begin
  if p_limit is null or p_limit < 1 or p_limit > 100 then
    raise exception 'limit must be between 1 and 100' using errcode = '22023';
  end if;
  select m.embedding, m.embedding_model into v_embedding, v_model
  from public.movies m where m.id = p_movie_id and not m.adult;
  if v_embedding is null then
    return;
  end if;
  return query
  with nearest as materialized (
    select m.id, m.embedding <=> v_embedding as distance
    from public.movies m
    where not m.adult and m.id <> p_movie_id and m.embedding_model = v_model
      and (p_genre is null or exists (select 1 from unnest(m.genres) g where lower(g) = lower(p_genre)))
      and (p_year_from is null or m.release_year >= p_year_from)
      and (p_year_to is null or m.release_year <= p_year_to)
      and (p_language is null or m.original_language = p_language)
    order by m.embedding <=> v_embedding
    limit p_limit
  )
  select public.to_movie_card(m), (1 - n.distance)::real
  from nearest n join public.movies m on m.id = n.id
  where 1 - n.distance >= coalesce(p_threshold, 0)
  order by n.distance, m.id;
end
$$;

-- similar_movies no longer backs GET /v1/movies/{id}/similar (get_similar_movies does, blending co-rating with this
-- same embedding similarity); it stays as an RPC for clients that want embedding neighbours alone.
comment on function public.similar_movies is 'Films nearest to a film by embedding alone (an RPC for direct callers; GET /v1/movies/{id}/similar uses get_similar_movies).';

-- set_embedding_index: p_present = false drops movies_embedding_hnsw_idx, true (re)creates it if missing.
-- Idempotent: a backfill killed between the two calls leaves no index, and the next call with true restores it.
-- Security: invoker; only the table owner (the jobs' role) may run DDL.
create or replace function public.set_embedding_index(p_present boolean)
returns table (present boolean)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
begin
  if p_present then
    create index if not exists movies_embedding_hnsw_idx on public.movies
      using hnsw (embedding vector_cosine_ops) where not adult;
  else
    drop index if exists public.movies_embedding_hnsw_idx;
  end if;
  return query select exists (
    select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relname = 'movies_embedding_hnsw_idx'
  );
end
$$;

comment on function public.set_embedding_index is 'Drops (false) or restores (true) the HNSW index on movies.embedding, for bulk embedding loads.';

revoke execute on function public.set_embedding_index from public;

grant execute on function public.set_embedding_index to service_role;

revoke execute on function public.movie_document, public.movies_needing_embedding, public.embedding_backlog,
  public.store_movie_embeddings, public.match_movies, public.similar_movies from public;

grant execute on function public.movie_document, public.match_movies, public.similar_movies
  to anon, authenticated, service_role;

grant execute on function public.movies_needing_embedding, public.embedding_backlog, public.store_movie_embeddings
  to service_role;

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

-- search_terms: what the hybrid searches (match_movies, match_books) derive from a query, in one place: the
-- folded words (search_words), them joined by spaces, the same without a leading article, the title query
-- (title_query: every word in the title, the last as a prefix) and the any-field query (every word as a prefix,
-- all required). All null for a query with no word. Immutable: no table is read.
create or replace function public.search_terms(p_query text)
returns table (words text[], folded text, bare text, title_query tsquery, any_query tsquery)
language sql
immutable
set search_path = public, extensions
as $$
  select w.words,
         array_to_string(w.words, ' '),
         regexp_replace(array_to_string(w.words, ' '), '^(the|a|an|le|la|les|l|el|il|der|die|das) ', ''),
         public.title_query(p_query),
         to_tsquery('simple', (select string_agg(quote_literal(x) || ':*', ' & ') from unnest(w.words) x))
  from (select public.search_words(p_query) as words) w
  where cardinality(w.words) > 0
$$;

comment on function public.search_terms is 'The folded words, bare title and tsqueries a search query gives (shared by match_movies and match_books).';

-- fuse_search_hits: the fusion step both hybrid searches share. Each retrieval's hits come as ids in rank order
-- (the first is rank 1): title matches, lexical (full text) with whether a person or a keyword field matched, typo
-- (trigram) matches, and semantic neighbours with their cosine distances. Returns each hit once with its title
-- rank (null when not a title match), its reciprocal-rank-fusion score (k = 60) over the lexical, typo and
-- semantic ranks, and what it matched ('title' for a title or typo match, 'person', 'keyword', and 'meaning' for a
-- neighbour at least p_threshold similar). A hit that only the semantic retrieval found is kept when it is within
-- 0.8 of the best similarity and above p_threshold (so a query with no near film returns no noise); a hit with
-- nothing matched is dropped. The caller joins its own table for the cards and the final order.
create or replace function public.fuse_search_hits(
  p_titled integer[],
  p_lexical integer[],
  p_person boolean[],
  p_keyword boolean[],
  p_typo integer[],
  p_nearest integer[],
  p_distance double precision[],
  p_threshold real
)
returns table (id integer, title_rank bigint, rrf real, matched text[], near_similarity real)
language sql
immutable
set search_path = public, extensions
as $$
  with titled as (select t.id, t.rank from unnest(p_titled) with ordinality as t(id, rank)),
  lexical as (
    select l.id, l.person, l.keyword, l.rank
    from unnest(p_lexical, p_person, p_keyword) with ordinality as l(id, person, keyword, rank)
  ),
  typo as (select y.id, y.rank from unnest(p_typo) with ordinality as y(id, rank)),
  nearest as (select n.id, n.distance, n.rank from unnest(p_nearest, p_distance) with ordinality as n(id, distance, rank)),
  best as (select max(1 - n.distance) as s from nearest n),
  candidates as (
    select t.id from titled t union select l.id from lexical l
    union select y.id from typo y union select n.id from nearest n
  ),
  fused as (
    select c.id, t.rank as title_rank,
           (coalesce(1.0 / (60 + l.rank), 0) + coalesce(1.0 / (60 + y.rank), 0)
             + coalesce(1.0 / (60 + n.rank), 0))::real as rrf,
           array_remove(array[
             case when t.id is not null or y.id is not null then 'title' end,
             case when l.person then 'person' end,
             case when l.keyword then 'keyword' end,
             case when n.id is not null and 1 - n.distance >= p_threshold then 'meaning' end
           ], null) as matched,
           t.id is null and l.id is null and y.id is null as meaning_only,
           case when n.id is not null then (1 - n.distance)::real end as near_similarity
    from candidates c
    left join titled t on t.id = c.id
    left join lexical l on l.id = c.id
    left join typo y on y.id = c.id
    left join nearest n on n.id = c.id
  )
  select f.id, f.title_rank, f.rrf, f.matched, f.near_similarity
  from fused f cross join best
  where cardinality(f.matched) > 0
    and (not f.meaning_only or f.near_similarity >= greatest(p_threshold, 0.8 * best.s))
$$;

comment on function public.fuse_search_hits is 'Reciprocal rank fusion of the title, lexical, typo and semantic retrievals, with what each hit matched (shared by match_movies and match_books).';

-- match_movies: hybrid search. Four retrievals, fused by rank:
--   title     every query word starts a word of the title or original title (accent- and case-folded, title_query);
--   lexical   weighted full text over titles (A), director and cast (B), keywords (C), every word as a prefix;
--   typo      pg_trgm word similarity of the folded query to the folded title (query <% title_folded), only when no
--             title matches (a near spelling is a fallback: "star wars" must not bring The Fault in Our Stars);
--   meaning   the nearest films by embedding (HNSW, cosine), when a query embedding is given.
-- Title matches come first: a query that names a title or a series puts those films first, the exact title (a
-- leading article ignored) before titles that start with the query, before titles that contain its words, then by
-- TMDB vote count (how well known). Every other hit is ranked by reciprocal rank fusion, sum of 1 / (60 + rank) over
-- the lexical, typo and meaning lists (the pattern of Supabase's hybrid search guide). Drift control: a hit found by
-- meaning alone must reach p_threshold and 80% of the best semantic similarity, so that "star wars" does not fill up
-- with war films once the Star Wars films are found.
--   p_embedding   the query's embedding (384-d, same model as the films'); null for lexical matching only
--   p_title       the raw query text; null to skip the lexical retrievals
--   p_genre       genre name (any case); p_year_from/p_year_to inclusive release years; p_language ISO 639-1
--   p_model       only films embedded by this model (vectors of different models are not comparable)
--   p_threshold   minimum cosine similarity for hits found by meaning alone, -1..1
--   p_limit       1..100
-- Each row says how it matched: match is the strongest of title, person, keyword, meaning; matched lists them all.
-- similarity is the cosine similarity to the query where the film has a comparable embedding. Adult films never
-- appear. Security: invoker; public catalogue rows only.
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
  match text,
  matched text[],
  score real
)
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
set hnsw.ef_search = 100
set hnsw.iterative_scan = relaxed_order
as $$
declare
  v_terms record;
  v_folded text;
  v_bare text;
  v_title_query tsquery;
  v_any_query tsquery;
  v_index_query tsquery;
  v_pool integer;
  v_keys text[];
  v_prefixes text[];
begin
  if p_limit is null or p_limit < 1 or p_limit > 100 then
    raise exception 'limit must be between 1 and 100' using errcode = '22023';
  end if;
  if p_threshold is null or p_threshold < -1 or p_threshold > 1 then
    raise exception 'threshold must be between -1 and 1' using errcode = '22023';
  end if;
  v_pool := greatest(p_limit * 2, 40);
  select * into v_terms from public.search_terms(p_title);
  if v_terms.words is not null then
    v_folded := v_terms.folded;
    v_bare := v_terms.bare;
    v_title_query := v_terms.title_query;
    v_any_query := v_terms.any_query;
    -- What the full-text index looks up: the query's rarer words. A word the column statistics (ANALYZE) list in
    -- at least 5% of the films has a posting list as long as the catalogue, and intersecting it in the index cost
    -- most of a query like "film 12" (7 ms of 11 at 100,000 films); such words are checked on the rows the rarer
    -- words find instead (ts_match_vq, which the index does not serve). Without statistics every word counts as rare.
    if cardinality(v_terms.words) > 1 then
      select to_tsquery('simple', string_agg(quote_literal(x.w) || ':*', ' & ' order by x.k)) into v_index_query
      from unnest(v_terms.words) with ordinality as x(w, k)
      where not exists (
        select 1
        from pg_stats st, unnest(st.most_common_elems::text::text[], st.most_common_elem_freqs) as e(lexeme, freq)
        where st.schemaname = 'public' and st.tablename = 'movies' and st.attname = 'search_vector'
          and e.lexeme = x.w and e.freq >= 0.05);
    end if;
    v_index_query := coalesce(v_index_query, v_any_query);
    -- The exact titles the query names, in movies.folded_title's form (fold_title drops a leading "the" itself):
    -- comparing the stored column costs nothing per row, where folding every matching title did (a word that
    -- starts thousands of titles took 100 ms at 10,000 films). A query fold_title cannot spell (no Latin letter or
    -- digit) keeps the per-row fold.
    select array_agg(a || b.k), array_agg(a || b.k || ' %')
      into v_keys, v_prefixes
    from (select public.fold_title(v_bare) as k) b,
         unnest(array['', 'a ', 'an ', 'le ', 'la ', 'les ', 'l ', 'el ', 'il ', 'der ', 'die ', 'das ']) a
    where b.k is not null;
  end if;
  return query
  -- The films the lexical retrievals rank, with the columns they read. A word found in at least 5% of the 1,000
  -- best-known films (TMDB vote count) matches tens of thousands of films in a large catalogue, and ranking all of
  -- them cost 300 ms at 100,000 films: such a query ranks those best-known matches plus every exact title match.
  -- A rarer query ranks all its matches, found by the full-text index.
  with best_known as materialized (
    select w.*
    from (select m.id, m.vote_count, m.title, m.folded_title, m.search_vector, m.genres, m.release_year,
                 m.original_language
          from public.movies m
          where v_any_query is not null and not m.adult
          order by m.vote_count desc, m.id
          limit 1000) w
    where w.search_vector @@ v_any_query
  ),
  pool as materialized (
    select b.* from best_known b where (select count(*) from best_known) >= 50
    union all
    select m.id, m.vote_count, m.title, m.folded_title, m.search_vector, m.genres, m.release_year,
           m.original_language
    from public.movies m
    where (select count(*) from best_known) >= 50 and v_keys is not null and not m.adult
      and m.folded_title = any (v_keys) and m.id not in (select b.id from best_known b)
    union all
    select m.id, m.vote_count, m.title, m.folded_title, m.search_vector, m.genres, m.release_year,
           m.original_language
    from public.movies m
    where (select count(*) from best_known) < 50 and v_any_query is not null and not m.adult
      and m.search_vector @@ v_index_query
      and (v_index_query = v_any_query or ts_match_vq(m.search_vector, v_any_query))
  ),
  titled as materialized (
    select m.id,
           row_number() over (order by
             case when v_keys is not null then m.folded_title = any (v_keys)
                  else regexp_replace(public.fold_text(m.title), '[[:space:][:punct:]]+', ' ', 'g')
                       ~ ('^((the|a|an|le|la|les|l|el|il|der|die|das) )?' || v_bare || '$') end desc,
             case when v_keys is not null then m.folded_title = any (v_keys) or m.folded_title like any (v_prefixes)
                  else regexp_replace(public.fold_text(m.title), '[[:space:][:punct:]]+', ' ', 'g')
                       ~ ('^((the|a|an|le|la|les|l|el|il|der|die|das) )?' || v_bare || '( |$)') end desc,
             m.vote_count desc, m.id) as rank
    from pool m
    where v_title_query is not null and m.search_vector @@ v_title_query
      and (p_genre is null or exists (select 1 from unnest(m.genres) g where lower(g) = lower(p_genre)))
      and (p_year_from is null or m.release_year >= p_year_from)
      and (p_year_to is null or m.release_year <= p_year_to)
      and (p_language is null or m.original_language = p_language)
    order by rank
    limit p_limit
  ),
  lexical as materialized (
    -- Which fields matched (ts_filter) only for the pool, not for every film the query matches.
    select l.id, ts_filter(lm.search_vector, '{b}') @@ v_any_query as person,
           ts_filter(lm.search_vector, '{c}') @@ v_any_query as keyword,
           row_number() over (order by l.r desc, l.vote_count desc, l.id) as rank
    from (
      select m.id, m.vote_count, ts_rank(m.search_vector, v_any_query) as r
      from pool m
      where true
      and (p_genre is null or exists (select 1 from unnest(m.genres) g where lower(g) = lower(p_genre)))
      and (p_year_from is null or m.release_year >= p_year_from)
      and (p_year_to is null or m.release_year <= p_year_to)
      and (p_language is null or m.original_language = p_language)
      order by 3 desc, m.vote_count desc, m.id
      limit v_pool
    ) l
    join public.movies lm on lm.id = l.id
  ),
  typo as materialized (
    select t.id, row_number() over (order by t.w desc, t.vote_count desc, t.id) as rank
    from (
      select m.id, m.vote_count, word_similarity(v_folded, m.title_folded) as w
      from public.movies m
      where v_folded is not null and length(v_folded) >= 3 and not m.adult and v_folded <% m.title_folded
        and not exists (select 1 from titled)
        and (p_genre is null or exists (select 1 from unnest(m.genres) g where lower(g) = lower(p_genre)))
        and (p_year_from is null or m.release_year >= p_year_from)
        and (p_year_to is null or m.release_year <= p_year_to)
        and (p_language is null or m.original_language = p_language)
      order by 3 desc, m.vote_count desc, m.id
      limit v_pool
    ) t
  ),
  nearest as materialized (
    select n.id, n.distance, row_number() over (order by n.distance, n.id) as rank
    from (
      select m.id, m.embedding <=> p_embedding as distance
      from public.movies m
      where p_embedding is not null and not m.adult
        and (p_model is null or m.embedding_model = p_model)
        and (p_genre is null or exists (select 1 from unnest(m.genres) g where lower(g) = lower(p_genre)))
        and (p_year_from is null or m.release_year >= p_year_from)
        and (p_year_to is null or m.release_year <= p_year_to)
        and (p_language is null or m.original_language = p_language)
      order by m.embedding <=> p_embedding
      limit v_pool
    ) n
  ),
  fused as (
    select f.* from public.fuse_search_hits(
      array(select t.id from titled t order by t.rank),
      array(select l.id from lexical l order by l.rank),
      array(select l.person from lexical l order by l.rank),
      array(select l.keyword from lexical l order by l.rank),
      array(select y.id from typo y order by y.rank),
      array(select n.id from nearest n order by n.rank),
      array(select n.distance from nearest n order by n.rank),
      p_threshold) f
  )
  select public.to_movie_card(m),
         coalesce(f.near_similarity,
                  case when p_embedding is not null and m.embedding is not null and m.embedding_model = p_model
                       then (1 - (m.embedding <=> p_embedding))::real end),
         f.matched[1], f.matched, f.rrf
  from fused f
  join public.movies m on m.id = f.id
  order by f.title_rank nulls last, f.rrf desc, m.vote_count desc, m.id
  limit p_limit;
end
$$;

comment on function public.match_movies is 'Hybrid search: title matches first, then lexical (full text, typos) and semantic hits fused by reciprocal rank (GET /v1/search).';

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

-- Catalogue read functions (RPCs) behind GET /v1/movies, /v1/movies/{id}, /v1/genres and /health.

-- list_movies: one page of the catalogue, filtered and sorted, with keyset pagination.
--   p_genre        genre name (any case) or TMDB genre id; unknown -> SQLSTATE 22023
--   p_year_from/to release year range, inclusive
--   p_language     ISO 639-1 original language
--   p_query        case-insensitive substring of title or original title (LIKE wildcards are literal)
--   p_sort         popularity | rating (weighted_rating) | release_date | title
--   p_descending   direction; unknown release dates always sort last
--   p_after_key, p_after_id   keyset cursor: the sort_key and id of the last row of the previous page
--   p_limit        rows to return, 1..201 (the edge asks for page size + 1 to learn whether there is a next page)
-- Rows are ordered by (sort key, id) in the requested direction; adult films are never returned.
-- Security: invoker; reads only public catalogue rows.
create or replace function public.list_movies(
  p_genre text default null,
  p_year_from integer default null,
  p_year_to integer default null,
  p_language text default null,
  p_query text default null,
  p_sort text default 'popularity',
  p_descending boolean default true,
  p_after_key text default null,
  p_after_id integer default null,
  p_limit integer default 21
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
  sort_key text
)
language plpgsql
stable
set search_path = public, extensions
as $$
declare
  v_genre text;
  v_key text;
  v_type text;
  v_cmp text := case when p_descending then '<' else '>' end;
  v_dir text := case when p_descending then 'desc' else 'asc' end;
  v_pattern text;
begin
  if p_limit is null or p_limit < 1 or p_limit > 201 then
    raise exception 'limit must be between 1 and 201' using errcode = '22023';
  end if;
  if p_genre is not null then
    select g.name into v_genre from public.genres g
    where lower(g.name) = lower(p_genre) or (p_genre ~ '^[0-9]{1,9}$' and g.id = p_genre::integer);
    if v_genre is null then
      raise exception 'unknown genre: %', p_genre using errcode = '22023';
    end if;
  end if;
  if p_query is not null then
    v_pattern := '%' || replace(replace(replace(p_query, '\', '\\'), '%', '\%'), '_', '\_') || '%';
  end if;
  case p_sort
    when 'popularity' then v_key := 'm.popularity'; v_type := 'real';
    when 'rating' then v_key := 'm.weighted_rating'; v_type := 'real';
    when 'release_date' then
      v_key := format('coalesce(m.release_date, %L::date)', case when p_descending then '-infinity' else 'infinity' end);
      v_type := 'date';
    when 'title' then v_key := 'lower(m.title)'; v_type := 'text';
    else raise exception 'unknown sort: %', p_sort using errcode = '22023';
  end case;
  if (p_after_key is null) <> (p_after_id is null) then
    raise exception 'cursor needs both key and id' using errcode = '22023';
  end if;

  return query execute format($q$
    select m.id, m.title, m.original_title, m.release_date, m.release_year, m.runtime, m.original_language,
           m.genres, m.popularity, m.vote_average, m.vote_count, m.weighted_rating, m.poster_path,
           (%1$s)::text as sort_key
    from public.movies m
    where not m.adult
      and ($1::text is null or m.genres @> array[$1::text])
      and ($2::integer is null or m.release_year >= $2)
      and ($3::integer is null or m.release_year <= $3)
      and ($4::text is null or m.original_language = $4)
      and ($5::text is null or m.title ilike $5 or m.original_title ilike $5)
      and ($6::text is null or (%1$s, m.id) %2$s ($6::%3$s, $7::integer))
    order by %1$s %4$s, m.id %4$s
    limit $8
  $q$, v_key, v_cmp, v_type, v_dir)
  using v_genre, p_year_from, p_year_to, p_language, v_pattern, p_after_key, p_after_id, p_limit;
end
$$;
comment on function public.list_movies is 'One page of the catalogue with filters, sorting and keyset pagination (GET /v1/movies).';

-- get_movie: one film by TMDB id, with everything the detail page shows. No row when absent or adult.
-- Security: invoker; public catalogue data only (the embedding itself is not returned).
create or replace function public.get_movie(p_id integer)
returns table (
  id integer,
  title text,
  original_title text,
  release_date date,
  release_year smallint,
  runtime smallint,
  original_language text,
  genres text[],
  keywords text[],
  cast_names text[],
  director text,
  overview text,
  popularity real,
  vote_average real,
  vote_count integer,
  weighted_rating real,
  poster_path text,
  imdb_id text,
  has_embedding boolean,
  updated_at timestamptz
)
language sql
stable
set search_path = public, extensions
as $$
  select m.id, m.title, m.original_title, m.release_date, m.release_year, m.runtime, m.original_language,
         m.genres, m.keywords, m.cast_names, m.director, m.overview, m.popularity, m.vote_average, m.vote_count,
         m.weighted_rating, m.poster_path, m.imdb_id, m.embedding is not null, m.updated_at
  from public.movies m
  where m.id = p_id and not m.adult
$$;
comment on function public.get_movie is 'One film by TMDB id (GET /v1/movies/{id}); no row when absent or adult.';

-- list_genres: every genre with the number of (non-adult) films carrying it, by name.
create or replace function public.list_genres()
returns table (id integer, name text, movie_count bigint)
language sql
stable
set search_path = public, extensions
as $$
  select g.id, g.name, count(m.id)
  from public.genres g
  left join public.movies m on m.genres @> array[g.name] and not m.adult
  group by g.id, g.name
  order by g.name
$$;
comment on function public.list_genres is 'All genres with film counts, by name (GET /v1/genres).';

-- marquee_health: what GET /health reports about the database in one round trip: how many migrations are
-- applied and the newest, from marquee's own ledger or, on a database migrated by `supabase db push`, from the
-- Supabase CLI's ledger (whose versions are the same timestamps).
-- Security: definer so that anon can read the ledgers' summary (never their rows); search_path pinned.
create or replace function public.marquee_health()
returns table (migrations_applied integer, latest_migration text, server_version text, database_time timestamptz)
language plpgsql
stable
security definer
set search_path = public, pg_catalog
as $$
begin
  select count(*)::integer, max(name) into migrations_applied, latest_migration from public.marquee_migrations;
  if migrations_applied = 0 and to_regclass('supabase_migrations.schema_migrations') is not null then
    execute 'select count(*)::integer, max(version) || ''_'' from supabase_migrations.schema_migrations'
      into migrations_applied, latest_migration;
  end if;
  server_version := current_setting('server_version');
  database_time := now();
  return next;
end
$$;
comment on function public.marquee_health is 'Database summary for GET /health: migrations applied, newest migration, server version.';

revoke execute on function public.list_movies, public.get_movie, public.list_genres, public.marquee_health from public;
grant execute on function public.list_movies, public.get_movie, public.list_genres, public.marquee_health
  to anon, authenticated, service_role;

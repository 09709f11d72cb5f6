-- Catalogue: genres and movies (the TMDB-synced film rows, their indexes and read policies), and the functions behind
-- GET /v1/movies, /v1/movies/{id}, /v1/genres and /health.
--
-- The current definition of these objects (declared schema). Change them here, then run
-- `npx marquee schema diff <name>` to write the migration; `git log -p` on this file is their history.

create table public.genres (
  id integer primary key,
  name text not null unique
);

comment on table public.genres is 'TMDB movie genres (from /genre/movie/list). Public, read-only for API roles.';

comment on column public.genres.id is 'TMDB genre id.';

comment on column public.genres.name is 'English genre name as TMDB spells it; movies.genres holds these names.';

-- movie_search_vector: the weighted full-text document of a film, folded, with the 'simple' configuration (no
-- stemming, no stop words: titles and names are in every language). Immutable so that a generated column can hold it;
-- array_to_string over text[] is immutable in fact, only declared stable for arrays of other element types.
create or replace function public.movie_search_vector(
  p_title text, p_original_title text, p_director text, p_cast text[], p_keywords text[]
)
returns tsvector
language sql
immutable
parallel safe
set search_path = public, extensions
as $$
  select setweight(to_tsvector('simple', public.fold_text(p_title || ' ' || coalesce(p_original_title, ''))), 'A')
      || setweight(to_tsvector('simple', public.fold_text(coalesce(p_director, '') || ' '
                                                       || coalesce(array_to_string(p_cast, ' '), ''))), 'B')
      || setweight(to_tsvector('simple', public.fold_text(coalesce(array_to_string(p_keywords, ' '), ''))), 'C')
$$;

comment on function public.movie_search_vector is 'Weighted full-text document of a film: titles A, director and cast B, keywords C (folded, simple configuration).';

grant execute on function public.movie_search_vector to anon, authenticated, service_role;

-- search_words: a query split into folded words (runs of anything but spaces and punctuation), in order, empty
-- words dropped. What title matching and the lexical search build their prefix queries from.
create or replace function public.search_words(p_query text)
returns text[]
language sql
immutable
parallel safe
set search_path = public, extensions
as $$
  select coalesce(array_agg(w order by n), '{}')
  from unnest(regexp_split_to_array(public.fold_text(coalesce(p_query, '')), '[[:space:][:punct:]]+'))
       with ordinality as t(w, n)
  where w <> ''
$$;

comment on function public.search_words is 'A search query as folded words, punctuation dropped, in order.';

grant execute on function public.search_words to anon, authenticated, service_role;

-- title_query: the tsquery "every word is the start of a title word" (weight A), e.g. 'dark':*A & 'knight':*A; null
-- when the query has no word. Type-ahead friendly: the last word may be half typed.
create or replace function public.title_query(p_query text)
returns tsquery
language sql
immutable
parallel safe
set search_path = public, extensions
as $$
  select case when cardinality(w) > 0
    then to_tsquery('simple', (select string_agg(quote_literal(x) || ':*A', ' & ') from unnest(w) x)) end
  from (select public.search_words(p_query) as w) q
$$;

comment on function public.title_query is 'tsquery matching films whose title words start with every word of the query (weight A); null for no word.';

grant execute on function public.title_query to anon, authenticated, service_role;

-- fold_title: the form titles are compared in when matching exports to the catalogue. Case, accents (NFKD with
-- the combining marks removed, plus the letters NFKD leaves whole: ø æ œ ł đ ß), punctuation and spacing are
-- folded, "&" reads "and", and a leading or trailing "The" ("Matrix, The") is dropped. Null for a title that
-- folds to nothing. Immutable, so the catalogue can be indexed on it.
create or replace function public.fold_title(p_title text)
returns text
language sql
immutable
parallel safe
set search_path = public, extensions
as $$
  with marks as (
    select regexp_replace(lower(normalize(p_title, NFKD)), '[\u0300-\u036f]', '', 'g') as t
  ), letters as (
    select replace(replace(replace(replace(translate(marks.t, 'øłđ', 'old'), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'),
                   '&', ' and ') as t
    from marks
  ), words as (
    select btrim(regexp_replace(letters.t, '[^a-z0-9]+', ' ', 'g')) as t from letters
  )
  select nullif(regexp_replace(regexp_replace(words.t, '^the ', ''), ' the$', ''), '') from words
$$;

comment on function public.fold_title is 'A title folded for matching: case, accents, punctuation, & and a leading or trailing "The" (Letterboxd import).';

revoke execute on function public.fold_title(text) from public;

grant execute on function public.fold_title(text) to anon, authenticated, service_role;

create table public.movies (
  id integer primary key,
  title text not null check (length(title) between 1 and 500),
  original_title text,
  release_date date,
  release_year smallint check (release_year between 1870 and 2200),
  runtime smallint check (runtime >= 0),
  original_language text check (original_language ~ '^[a-z]{2,3}$'),
  genres text[] not null default '{}',
  keywords text[] not null default '{}',
  cast_names text[] not null default '{}',
  director text,
  overview text,
  popularity real not null default 0 check (popularity >= 0),
  vote_average real not null default 0 check (vote_average between 0 and 10),
  vote_count integer not null default 0 check (vote_count >= 0),
  -- Bayesian average of the TMDB vote: a film with 3 votes of 10 must not outrank one with 20,000 votes of 8.4.
  -- Shrinks towards 6.0 with the weight of 250 votes; stored so that sort=rating can walk an index.
  weighted_rating real generated always as (
    (vote_average * vote_count + 6.0 * 250) / (vote_count + 250)
  ) stored,
  poster_path text,
  imdb_id text check (imdb_id ~ '^tt[0-9]+$'),
  adult boolean not null default false,
  embedding vector(384),
  embedding_model text,
  content_hash text,
  embedded_at timestamptz,
  tmdb_synced_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  collection_id integer,
  collection_name text,
  -- Folded (lower case, unaccented) title and original title: what title matching and typo matching compare.
  title_folded text generated always as (public.fold_text(title || ' ' || coalesce(original_title, ''))) stored,
  -- Full-text document for lexical search: titles weigh A, people (director, cast) B, keywords C.
  search_vector tsvector generated always as (
    public.movie_search_vector(title, original_title, director, cast_names, keywords)
  ) stored,
  -- Stored, so that matching imports joins on an index instead of folding every title per row.
  folded_title text generated always as (public.fold_title(title)) stored,
  folded_original_title text generated always as (public.fold_title(original_title)) stored
);

comment on table public.movies is 'The film catalogue, one row per TMDB film, kept fresh by the daily TMDB sync job. Public, read-only for API roles.';

comment on column public.movies.id is 'TMDB movie id (https://www.themoviedb.org/movie/<id>).';

comment on column public.movies.title is 'Title in English as TMDB lists it.';

comment on column public.movies.original_title is 'Title in the original language.';

comment on column public.movies.release_date is 'Primary release date; null when TMDB has none.';

comment on column public.movies.release_year is 'Year of release_date, or the year alone when only the year is known. Used by year-range filters.';

comment on column public.movies.runtime is 'Running time in minutes.';

comment on column public.movies.original_language is 'ISO 639-1 code of the original language (for example en, fr, ja).';

comment on column public.movies.genres is 'Genre names (genres.name), in TMDB order.';

comment on column public.movies.keywords is 'TMDB keywords, lower case.';

comment on column public.movies.cast_names is 'Main cast names in billing order (at most 10).';

comment on column public.movies.director is 'Director name(s), comma separated when several.';

comment on column public.movies.overview is 'Plot summary from TMDB, when synced (used for embeddings); demo data has none.';

comment on column public.movies.popularity is 'TMDB popularity score (a daily activity measure, not a rating).';

comment on column public.movies.vote_average is 'TMDB vote average, 0 to 10.';

comment on column public.movies.vote_count is 'Number of TMDB votes behind vote_average.';

comment on column public.movies.weighted_rating is 'Bayesian vote average: (vote_average * vote_count + 6.0 * 250) / (vote_count + 250). What sort=rating orders by.';

comment on column public.movies.poster_path is 'TMDB image path, to be prefixed with an image base URL and size (for example https://image.tmdb.org/t/p/w500).';

comment on column public.movies.collection_id is 'TMDB collection (belongs_to_collection.id): the franchise or series the film belongs to; null when none or unknown.';

comment on column public.movies.collection_name is 'TMDB collection name, for example The Dark Knight Collection.';

comment on column public.movies.title_folded is 'Title and original title, lower case and unaccented (fold_text); generated. Title and typo matching read it.';

comment on column public.movies.search_vector is 'Full-text document (movie_search_vector): titles weight A, director and cast B, keywords C; generated. Lexical search reads it.';

comment on column public.movies.imdb_id is 'IMDb id (tt...), from TMDB external ids.';

comment on column public.movies.adult is 'TMDB adult flag. Adult films are never served by the API.';

comment on column public.movies.embedding is 'L2-normalised 384-dimensional text embedding of the film (see embedding_model); null until the backfill job runs.';

comment on column public.movies.embedding_model is 'Name of the model that produced embedding; the backfill re-embeds rows whose model differs from the configured one.';

comment on column public.movies.content_hash is 'SHA-256 of the text that was embedded; the backfill re-embeds rows whose text changed.';

comment on column public.movies.embedded_at is 'When embedding was last written.';

comment on column public.movies.tmdb_synced_at is 'When the TMDB sync last wrote this row.';

comment on column public.movies.folded_title is 'fold_title(title): the title as imports match it (case, accents, punctuation, "The" folded).';

comment on column public.movies.folded_original_title is 'fold_title(original_title), for matching imports by original title.';

create index movies_folded_title_idx on public.movies (folded_title, release_year);

create index movies_folded_original_title_idx on public.movies (folded_original_title, release_year)
  where folded_original_title is not null;

create trigger movies_touch_updated_at before update on public.movies
  for each row execute function public.touch_updated_at();

-- GET /v1/movies default order (popularity desc, id desc as the keyset tie-break).
-- A film as every list shows it, declared once: catalogue pages, recommendations, popular, similar films and search
-- return it as their `movie` column, built by to_movie_card. kind says which catalogue a card comes from, so that
-- a second catalogue (books) can travel beside films in the same rows.
create type public.movie_card as (
  kind text,
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
  poster_path text
);

comment on type public.movie_card is 'A film as lists show it (catalogue, recommendations, popular, similar, search).';
comment on column public.movie_card.kind is 'Catalogue of the item: movie.';
comment on column public.movie_card.id is 'TMDB movie id (movies.id).';
comment on column public.movie_card.title is 'Title in English as TMDB lists it.';
comment on column public.movie_card.original_title is 'Title in the original language.';
comment on column public.movie_card.release_date is 'Primary release date; null when TMDB has none.';
comment on column public.movie_card.release_year is 'Year of release.';
comment on column public.movie_card.runtime is 'Running time in minutes.';
comment on column public.movie_card.original_language is 'ISO 639-1 code of the original language.';
comment on column public.movie_card.genres is 'Genre names, in TMDB order.';
comment on column public.movie_card.popularity is 'TMDB popularity score.';
comment on column public.movie_card.vote_average is 'TMDB vote average, 0 to 10.';
comment on column public.movie_card.vote_count is 'Number of TMDB votes.';
comment on column public.movie_card.weighted_rating is 'Bayesian vote average (movies.weighted_rating).';
comment on column public.movie_card.poster_path is 'TMDB image path.';

-- to_movie_card: the card of one movies row. Immutable and inlined by the planner: no cost over listing columns.
create or replace function public.to_movie_card(p_movie public.movies)
returns public.movie_card
language sql
immutable
set search_path = public, extensions
as $$
  select row('movie', p_movie.id, p_movie.title, p_movie.original_title, p_movie.release_date, p_movie.release_year,
             p_movie.runtime, p_movie.original_language, p_movie.genres, p_movie.popularity, p_movie.vote_average,
             p_movie.vote_count, p_movie.weighted_rating, p_movie.poster_path)::public.movie_card
$$;

comment on function public.to_movie_card is 'The movie_card of a movies row.';

grant execute on function public.to_movie_card to anon, authenticated, service_role;

create index movies_popularity_idx on public.movies (popularity, id) where not adult;

-- The few adult films, by id: lists read from a view as of its refresh (movie_popularity) check a film flagged
-- adult since with one probe of this small index.
create index movies_adult_idx on public.movies (id) where adult;

-- GET /v1/movies?sort=rating (weighted rating, keyset on id).
create index movies_rating_idx on public.movies (weighted_rating, id) where not adult;

-- GET /v1/movies?sort=release_date and the year-range filters; nulls sort as -infinity.
create index movies_release_idx on public.movies ((coalesce(release_date, '-infinity'::date)), id) where not adult;

create index movies_year_idx on public.movies (release_year) where not adult;

-- GET /v1/movies?sort=title.
create index movies_title_sort_idx on public.movies (lower(title), id) where not adult;

-- Search reads the 1,000 best-known films in vote order to tell a common word from a rare one (match_movies).
create index movies_vote_count_idx on public.movies (vote_count desc, id) where not adult;

-- GET /v1/movies?q=... and search: word-prefix title matches and weighted full text (search_vector @@ tsquery).
-- fastupdate off: with the default, rows a sync inserts wait in the index's pending list until the next vacuum,
-- and every search scans that list (25 ms a query after loading 100,000 films); the catalogue is read far more
-- often than it is written.
create index movies_search_vector_idx on public.movies using gin (search_vector) with (fastupdate = off)
  where not adult;

-- Search: typo-tolerant title matching (query <% title_folded, pg_trgm word similarity); fastupdate off as above.
create index movies_title_folded_trgm_idx on public.movies using gin (title_folded gin_trgm_ops)
  with (fastupdate = off) where not adult;

-- Similar films: the other films of a TMDB collection.
create index movies_collection_idx on public.movies (collection_id) where collection_id is not null and not adult;

-- GET /v1/movies?genre=... (array containment).
create index movies_genres_idx on public.movies using gin (genres);

alter table public.genres enable row level security;

alter table public.movies enable row level security;

create policy "Anyone can read genres" on public.genres for select to anon, authenticated using (true);

create policy "Anyone can read non-adult movies" on public.movies for select to anon, authenticated using (not adult);

-- list_movies: one page of the catalogue, filtered and sorted, with keyset pagination.
--   p_genre        genre name (any case) or TMDB genre id; unknown -> SQLSTATE 22023
--   p_year_from/to release year range, inclusive
--   p_language     ISO 639-1 original language
--   p_query        title words: every word of the query (accents and case folded) starts a word of the title or the
--                  original title, so `amelie` finds Amélie and `dark kn` finds The Dark Knight; no word, no rows
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
  movie public.movie_card,
  sort_key text
)
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_genre text;
  v_key text;
  v_type text;
  v_cmp text := case when p_descending then '<' else '>' end;
  v_dir text := case when p_descending then 'desc' else 'asc' end;
  v_title_query tsquery;
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
    -- A query of punctuation only matches nothing (an impossible tsquery), rather than every film.
    v_title_query := coalesce(public.title_query(p_query), to_tsquery('simple', 'a & !a'));
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
    select public.to_movie_card(m),
           (%1$s)::text as sort_key
    from public.movies m
    where not m.adult
      and ($1::text is null or m.genres @> array[$1::text])
      and ($2::integer is null or m.release_year >= $2)
      and ($3::integer is null or m.release_year <= $3)
      and ($4::text is null or m.original_language = $4)
      and ($5::tsquery is null or m.search_vector @@ $5)
      and ($6::text is null or (%1$s, m.id) %2$s ($6::%3$s, $7::integer))
    order by %1$s %4$s, m.id %4$s
    limit $8
  $q$, v_key, v_cmp, v_type, v_dir)
  using v_genre, p_year_from, p_year_to, p_language, v_title_query, p_after_key, p_after_id, p_limit;
end
$$;

comment on function public.list_movies is 'One page of the catalogue with filters, sorting and keyset pagination (GET /v1/movies).';

-- get_movie: one film by TMDB id, with everything the detail page shows. No row when absent or adult.
-- Security: invoker; public catalogue data only (the embedding itself is not returned).
create or replace function public.get_movie(p_id integer)
returns table (
  movie public.movie_card,
  keywords text[],
  cast_names text[],
  director text,
  overview text,
  imdb_id text,
  has_embedding boolean,
  updated_at timestamptz
)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select public.to_movie_card(m), m.keywords, m.cast_names, m.director, m.overview, m.imdb_id,
         m.embedding is not null, m.updated_at
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
set plan_cache_mode = force_custom_plan
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
set plan_cache_mode = force_custom_plan
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

-- Comments on the movies columns the catalogue migration left undescribed (operators read them in the Supabase
-- dashboard; test/sql/schema.test.ts requires one on every column of movies).
comment on column public.movies.created_at is 'When the film was first added to the catalogue.';

comment on column public.movies.updated_at is 'Last change to the row (set by the movies_touch_updated_at trigger).';

revoke execute on function public.list_movies, public.get_movie, public.list_genres, public.marquee_health from public;

grant execute on function public.list_movies, public.get_movie, public.list_genres, public.marquee_health
  to anon, authenticated, service_role;

grant select on public.genres, public.movies to anon, authenticated;
grant all on public.genres, public.movies to service_role;

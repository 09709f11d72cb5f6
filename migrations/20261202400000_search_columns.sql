-- Search and similar films (issue 12): accent folding (unaccent), the folded title and weighted full-text document
-- of every film as generated columns with their indexes, and the TMDB collection a film belongs to. The functions the
-- generated columns call come first; the rest of the issue's objects follow in the next migration (generated).

create extension if not exists unaccent;

-- fold_text: lower case without accents ("Amélie" -> "amelie"), what every title and text match compares.
-- unaccent() is only stable (its dictionary could be edited); this wrapper pins the dictionary and is declared
-- immutable so that expression indexes and generated columns may use it. Replacing the unaccent rules file would
-- need a reindex, which is the usual price of this well-known pattern.
create or replace function public.fold_text(p_text text)
returns text
language sql
immutable
strict
parallel safe
set search_path = public, extensions
as $$
  select lower(unaccent('unaccent'::regdictionary, p_text))
$$;

comment on function public.fold_text(text) is 'Lower case, accents removed (unaccent): the form titles, names and keywords are matched in.';

grant execute on function public.fold_text(text) to anon, authenticated, service_role;

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

alter table public.movies
  add column collection_id integer,
  add column collection_name text,
  add column title_folded text generated always as (public.fold_text(title || ' ' || coalesce(original_title, ''))) stored,
  add column search_vector tsvector generated always as (
    public.movie_search_vector(title, original_title, director, cast_names, keywords)
  ) stored;

comment on column public.movies.collection_id is 'TMDB collection (belongs_to_collection.id): the franchise or series the film belongs to; null when none or unknown.';

comment on column public.movies.collection_name is 'TMDB collection name, for example The Dark Knight Collection.';

comment on column public.movies.title_folded is 'Title and original title, lower case and unaccented (fold_text); generated. Title and typo matching read it.';

comment on column public.movies.search_vector is 'Full-text document (movie_search_vector): titles weight A, director and cast B, keywords C; generated. Lexical search reads it.';

drop index if exists public.movies_title_trgm_idx;

drop index if exists public.movies_original_title_trgm_idx;

create index movies_search_vector_idx on public.movies using gin (search_vector) where not adult;

create index movies_title_folded_trgm_idx on public.movies using gin (title_folded gin_trgm_ops) where not adult;

create index movies_collection_idx on public.movies (collection_id) where collection_id is not null and not adult;

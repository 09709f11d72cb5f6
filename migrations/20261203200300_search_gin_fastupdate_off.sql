-- The search GIN indexes without a pending list: with fastupdate on, rows a sync inserts wait in the pending list
-- until the next vacuum and every search scans it (25 ms a query after loading 100,000 films at once). The entries
-- already pending move into the index now.
alter index public.movies_search_vector_idx set (fastupdate = off);

alter index public.movies_title_folded_trgm_idx set (fastupdate = off);

select gin_clean_pending_list('public.movies_search_vector_idx'::regclass);

select gin_clean_pending_list('public.movies_title_folded_trgm_idx'::regclass);

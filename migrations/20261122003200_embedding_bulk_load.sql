-- Bulk embedding loads. Inserting vectors one by one into an existing HNSW index is several times slower than
-- building the index once after loading (on PGlite, 1,500 films took 28 s against 9 s), so a large first
-- backfill (the demo films on a fresh clone, or `marquee backfill embeddings --bulk`) suspends the index and
-- rebuilds it afterwards. The index definition lives here once; 20261122003100 created the same index.

-- set_embedding_index: p_present = false drops movies_embedding_hnsw_idx, true (re)creates it if missing.
-- Idempotent: a backfill killed between the two calls leaves no index, and the next call with true restores it.
-- Security: invoker; only the table owner (the jobs' role) may run DDL.
create or replace function public.set_embedding_index(p_present boolean)
returns table (present boolean)
language plpgsql
volatile
set search_path = public, extensions
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

-- Every SQL and PL/pgSQL function of ours plans its queries for the arguments of each call.
--
-- Why: PL/pgSQL caches the plan of each statement per connection and, after five calls, may switch to a generic
-- plan built without the argument values (PostgreSQL 18, and so PGlite, caches SQL functions' plans the same way).
-- For the recommendation sources that generic plan is catastrophic: on MovieLens (100k ratings) recommend_items
-- went from about 50 ms to 2-10 s per call from the sixth call on a connection, so a pooled server or the
-- evaluation slowed down a hundredfold after warming up. Planning each call costs well under a millisecond here.
--
-- Applies to the functions that exist now (triggers and immutable helpers aside); test/sql/schema.test.ts holds
-- later migrations to the same rule, since `create or replace function` resets a function's settings.
do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    join pg_language l on l.oid = p.prolang
    where n.nspname = 'public'
      and l.lanname in ('sql', 'plpgsql')
      and p.prorettype <> 'trigger'::regtype
      and p.provolatile <> 'i'
      and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
  loop
    execute format('alter function %s set plan_cache_mode = force_custom_plan', f);
  end loop;
end
$$;

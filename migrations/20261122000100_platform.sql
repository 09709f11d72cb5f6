-- Platform prerequisites shared by every later migration.
--
-- The same file applies to Supabase (where the roles, the auth schema and auth.uid() already exist and are left
-- untouched), to plain PostgreSQL 15+ with pgvector, and to PGlite. Everything is guarded so that re-running
-- it, or running it where Supabase already provides the object, is a no-op.

create extension if not exists vector;
create extension if not exists pg_trgm;

-- Supabase's API roles. On Supabase they exist (with more attributes than we set); on plain Postgres we create
-- them so that grants and RLS policies below mean the same thing everywhere.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

grant usage on schema public to anon, authenticated, service_role;

-- auth.uid(), auth.role() and auth.jwt() read the JWT claims the way PostgREST publishes them
-- (request.jwt.claims as JSON, or the older per-claim settings). Created only where Supabase has not.
create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

do $$
begin
  if not exists (
    select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'auth' and p.proname = 'jwt'
  ) then
    execute $fn$
      create function auth.jwt() returns jsonb
      language sql stable
      as $body$
        select coalesce(
          nullif(current_setting('request.jwt.claims', true), ''),
          '{}'
        )::jsonb
      $body$
    $fn$;
  end if;
  if not exists (
    select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'auth' and p.proname = 'uid'
  ) then
    execute $fn$
      create function auth.uid() returns uuid
      language sql stable
      as $body$
        select nullif(
          coalesce(
            nullif(current_setting('request.jwt.claim.sub', true), ''),
            auth.jwt() ->> 'sub'
          ),
          ''
        )::uuid
      $body$
    $fn$;
  end if;
  if not exists (
    select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'auth' and p.proname = 'role'
  ) then
    execute $fn$
      create function auth.role() returns text
      language sql stable
      as $body$
        select coalesce(
          nullif(current_setting('request.jwt.claim.role', true), ''),
          auth.jwt() ->> 'role'
        )
      $body$
    $fn$;
  end if;
end
$$;

grant execute on function auth.uid(), auth.role(), auth.jwt() to anon, authenticated, service_role;

-- The migration ledger. `marquee migrate` creates it before the first file runs; `supabase db push` keeps its own
-- ledger instead, so it is also created here to exist either way (marquee_health reads both).
create table if not exists public.marquee_migrations (
  name text primary key,
  checksum text not null,
  applied_at timestamptz not null default now()
);
alter table public.marquee_migrations enable row level security;
comment on table public.marquee_migrations is 'Migrations applied by the marquee migration runner (file name, SHA-256 of its content). Do not edit by hand.';

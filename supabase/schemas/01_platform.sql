-- Platform: the extensions (pgvector, pg_trgm), Supabase's API roles (anon, authenticated, service_role)
-- where plain Postgres lacks them, the auth.uid()/auth.role()/auth.jwt() helpers PostgREST-style claims feed, and the
-- updated_at trigger function every table uses.
--
-- The current definition of these objects (declared schema). Change them here, then run
-- `npx marquee schema diff <name>` to write the migration; `git log -p` on this file is their history.

create extension if not exists vector;

create extension if not exists pg_trgm;

-- Accent folding for title and full-text matching (Amélie = amelie). On Supabase it lands in the extensions schema.
create extension if not exists unaccent;

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

create or replace function public.touch_updated_at() returns trigger
language plpgsql
set search_path = public
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

comment on function public.touch_updated_at() is 'Trigger function: sets updated_at to now() on every update.';

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

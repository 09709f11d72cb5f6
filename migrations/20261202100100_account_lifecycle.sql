-- Account lifecycle: deleting an account with all its personal data, changing the password, signing out
-- everywhere.
--
-- Deletion deletes; it does not anonymise. Nothing personal is kept: ratings, interactions, credentials, cached
-- lists and neighbour rows (the user's own and the rows that name them as another user's neighbour) go with the
-- profile. The aggregates built from them (popularity, film neighbours, baselines) hold no user id and lose the
-- user's contribution at the next nightly run.
--
-- Every column that holds a user id is listed once, in personal_data_columns; delete_account walks that list.
-- test/sql/schema.test.ts fails when a table gains a user id column (a uuid, or a reference to users) that the
-- list does not cover, so a later table (imports, matches, book ratings) cannot be forgotten.
--
-- Tokens carry the user's token_version (claim tv); the edge refuses a token whose version is not the user's
-- current one. A password change or "sign out everywhere" bumps it, so every older token dies at once.

alter table public.users add column token_version integer not null default 0 check (token_version >= 0);
comment on column public.users.token_version is 'Version of the user''s tokens (JWT claim tv). Bumped by a password change and by signing out everywhere; the edge refuses tokens of an older version.';

create table public.personal_data_columns (
  table_name text not null,
  column_name text not null,
  match text not null check (match in ('equals', 'contains')),
  note text not null,
  primary key (table_name, column_name)
);
comment on table public.personal_data_columns is 'Every column of a public table that holds a user id, so that deleting an account reaches all of its data (delete_account). Add a row with every new table that holds user ids; the schema test enforces it.';
comment on column public.personal_data_columns.table_name is 'A table in schema public.';
comment on column public.personal_data_columns.column_name is 'The column holding a user id (uuid) or user ids (uuid[]).';
comment on column public.personal_data_columns.match is 'equals: rows whose column is the user are deleted; contains: rows whose uuid[] column contains the user are deleted (caches that name them).';
comment on column public.personal_data_columns.note is 'What the rows are, for the reader of the list.';
alter table public.personal_data_columns enable row level security;
grant select on public.personal_data_columns to service_role;

insert into public.personal_data_columns (table_name, column_name, match, note) values
  ('ratings', 'user_id', 'equals', 'the user''s star ratings'),
  ('interactions', 'user_id', 'equals', 'the user''s signals: views, likes, searches (with their text), hides'),
  ('user_credentials', 'user_id', 'equals', 'the password hash'),
  ('recommendation_cache', 'user_id', 'equals', 'the user''s cached recommendation lists'),
  ('user_neighbour_cache', 'user_id', 'equals', 'neighbours computed on request for the user'),
  ('user_neighbour_cache', 'neighbour_ids', 'contains', 'other users'' cached neighbours that include the user'),
  ('user_similarities', 'user_id', 'equals', 'the user''s nightly neighbours'),
  ('user_similarities', 'neighbour_id', 'equals', 'the user as another user''s nightly neighbour'),
  ('users', 'id', 'equals', 'the profile itself (last)');

-- delete_account: deletes an account and every row that holds its id, as listed in personal_data_columns, and
-- its sign-in throttle counters (keyed by email). One transaction: all or nothing.
--   p_user_id   the account (from a verified token)
-- Returns one row per listed column: the table, the column and how many rows were deleted (users last).
-- Security: owner or service_role only (deletes across users' rows: neighbour rows of others).
create or replace function public.delete_account(p_user_id uuid)
returns table (table_name text, column_name text, deleted bigint)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_email text;
  v_column record;
  v_count bigint;
begin
  select u.email into v_email from public.users u where u.id = p_user_id for update;
  if not found then
    return;
  end if;
  for v_column in
    select p.table_name, p.column_name, p.match
    from public.personal_data_columns p
    order by p.table_name = 'users', p.table_name, p.column_name
  loop
    if v_column.match = 'contains' then
      execute format('delete from public.%I where $1 = any (%I)', v_column.table_name, v_column.column_name)
        using p_user_id;
    else
      execute format('delete from public.%I where %I = $1', v_column.table_name, v_column.column_name)
        using p_user_id;
    end if;
    get diagnostics v_count = row_count;
    table_name := v_column.table_name;
    column_name := v_column.column_name;
    deleted := v_count;
    return next;
  end loop;
  delete from public.login_throttle t
  where t.key = 'account:' || v_email or t.key like 'pair:' || replace(replace(v_email, '\', '\\'), '%', '\%') || '|%';
end
$$;
comment on function public.delete_account is 'Deletes an account and all its personal data, walking personal_data_columns (DELETE /v1/auth/me).';

-- get_auth_user: the live profile of a user id (from a verified token), with its token version; no row for an
-- unknown or deleted user. Called on every authenticated request, so it is one primary-key lookup.
-- Security: invoker. As authenticated, RLS returns only the caller's own row.
drop function public.get_auth_user(uuid);
create function public.get_auth_user(p_user_id uuid)
returns table (id uuid, email text, username text, display_name text, created_at timestamptz, token_version integer)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select u.id, u.email, u.username, u.display_name, u.created_at, u.token_version
  from public.users u
  where u.id = p_user_id and u.deleted_at is null
$$;
comment on function public.get_auth_user is 'The live profile and token version behind a token''s sub claim (auth middleware, GET /v1/auth/me).';

-- complete_login: settles a successful attempt counted by begin_login. Forgets this client's failures on the
-- account, gives the attempt back to the account-wide counter (a distributed attack on the account keeps its
-- count), and stores an upgraded password hash when the edge computed one.
--   p_email, p_client      as given to begin_login
--   p_user_id              the account whose password matched
--   p_new_password_hash    optional re-hash with current parameters
-- Returns the live profile with its token version (no row if the account was deleted in the meantime).
-- Security: owner or service_role only.
drop function public.complete_login(text, text, uuid, text);
create function public.complete_login(
  p_email text,
  p_client text,
  p_user_id uuid,
  p_new_password_hash text default null
)
returns table (id uuid, email text, username text, display_name text, created_at timestamptz, token_version integer)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
begin
  delete from public.login_throttle t where t.key = 'pair:' || p_email || '|' || p_client;
  update public.login_throttle t set failures = greatest(t.failures - 1, 0) where t.key = 'account:' || p_email;
  if p_new_password_hash is not null then
    update public.user_credentials c set password_hash = p_new_password_hash where c.user_id = p_user_id;
  end if;
  return query
    select u.id, u.email, u.username, u.display_name, u.created_at, u.token_version
    from public.users u
    where u.id = p_user_id and u.deleted_at is null;
end
$$;
comment on function public.complete_login is 'Settles a successful login: forgets the client''s failures, stores an upgraded hash, returns the profile (POST /v1/auth/login).';

-- change_password: stores a new password hash and bumps the token version, so every token issued before dies;
-- forgets the client's sign-in failures (the edge checked the current password through begin_login).
--   p_user_id             the account (from a verified token whose current password the edge checked)
--   p_email, p_client     the throttle key of that check
--   p_new_password_hash   the PBKDF2 hash computed at the edge
-- Returns the profile with the new token version (no row for an unknown or deleted user).
-- Security: owner or service_role only (writes credentials).
create or replace function public.change_password(
  p_user_id uuid,
  p_email text,
  p_client text,
  p_new_password_hash text
)
returns table (id uuid, email text, username text, display_name text, created_at timestamptz, token_version integer)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
begin
  delete from public.login_throttle t where t.key = 'pair:' || p_email || '|' || p_client;
  update public.user_credentials c set password_hash = p_new_password_hash where c.user_id = p_user_id;
  return query
    update public.users u set token_version = u.token_version + 1
    where u.id = p_user_id and u.deleted_at is null
    returning u.id, u.email, u.username, u.display_name, u.created_at, u.token_version;
end
$$;
comment on function public.change_password is 'Stores a new password hash and revokes every earlier token (POST /v1/auth/password).';

-- revoke_tokens: "sign out everywhere": bumps the token version, so every token issued so far is refused.
--   p_user_id   the account (from a verified token)
-- Returns the new token version (no row for an unknown or deleted user).
-- Security: owner or service_role only.
create or replace function public.revoke_tokens(p_user_id uuid)
returns table (token_version integer)
language sql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  update public.users u set token_version = u.token_version + 1
  where u.id = p_user_id and u.deleted_at is null
  returning u.token_version
$$;
comment on function public.revoke_tokens is 'Revokes every token of a user (POST /v1/auth/logout-all).';

revoke execute on function public.delete_account(uuid) from public, anon, authenticated;
revoke execute on function public.get_auth_user(uuid) from public, anon;
revoke execute on function public.complete_login(text, text, uuid, text) from public, anon, authenticated;
revoke execute on function public.change_password(uuid, text, text, text) from public, anon, authenticated;
revoke execute on function public.revoke_tokens(uuid) from public, anon, authenticated;
grant execute on function public.delete_account(uuid) to service_role;
grant execute on function public.get_auth_user(uuid) to authenticated, service_role;
grant execute on function public.complete_login(text, text, uuid, text) to service_role;
grant execute on function public.change_password(uuid, text, text, text) to service_role;
grant execute on function public.revoke_tokens(uuid) to service_role;

-- Accounts: users (profiles), user_credentials (password hashes), login_throttle, their policies, and the functions
-- behind register, login and token verification.
--
-- The current definition of these objects (declared schema). Change them here, then run
-- `npx marquee schema diff <name>` to write the migration; `git log -p` on this file is their history.

create table public.users (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  username text,
  display_name text not null check (length(display_name) between 1 and 100),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  token_version integer not null default 0 check (token_version >= 0),
  public_profile boolean not null default false,
  time_zone text not null default 'UTC',
  matchable boolean not null default false
);

comment on table public.users is 'Marquee accounts (profile only; credentials live in user_credentials). Each user sees only their own row.';

comment on column public.users.token_version is 'Version of the user''s tokens (JWT claim tv). Bumped by a password change and by signing out everywhere; the edge refuses tokens of an older version.';

comment on column public.users.updated_at is 'Last change of the profile.';

comment on column public.users.created_at is 'When the account was created.';

comment on column public.users.id is 'User id; the sub claim of the user''s JWT.';

comment on column public.users.email is 'Login email, normalised (trimmed, lower case). Unique among live accounts.';

comment on column public.users.username is 'Optional public handle, unique case-insensitively.';

comment on column public.users.display_name is 'Name shown in the app.';

comment on column public.users.public_profile is 'The user made their username public: the username endpoints (/api/...) may find them. Off by default; everyone else answers 404 there.';

comment on column public.users.time_zone is 'IANA time zone name (Europe/Lisbon); a stored recommendation list expires at midnight there. UTC by default.';

comment on column public.users.matchable is 'The user opted in to taste matching: other users may see their display name or username as a match, and they see their own matches. Off by default (on for the demo users).';

comment on column public.users.deleted_at is 'Set when the account is deleted; a deleted user''s tokens are rejected.';

create unique index users_email_key on public.users (email) where deleted_at is null;

create unique index users_username_key on public.users (lower(username)) where deleted_at is null and username is not null;

create trigger users_touch_updated_at before update on public.users
  for each row execute function public.touch_updated_at();

alter table public.users enable row level security;

create table public.user_credentials (
  user_id uuid primary key references public.users (id) on delete cascade,
  password_hash text not null check (password_hash ~ '^[a-z0-9_]+\$[0-9]+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$'),
  updated_at timestamptz not null default now()
);

comment on table public.user_credentials is 'Password hashes, one per account, apart from the profile so that no profile read can reach them. Never readable by anon or authenticated.';

comment on column public.user_credentials.updated_at is 'When the password hash last changed.';

comment on column public.user_credentials.user_id is 'The account (users.id).';

comment on column public.user_credentials.password_hash is 'Self-describing hash: pbkdf2_sha256$<iterations>$<salt>$<hash>, base64url. The login path re-hashes when the parameters are weaker than the current ones.';

create trigger user_credentials_touch_updated_at before update on public.user_credentials
  for each row execute function public.touch_updated_at();

create table public.login_throttle (
  key text primary key check (length(key) <= 400),
  failures integer not null check (failures >= 0),
  window_started_at timestamptz not null,
  last_attempt_at timestamptz
);

comment on table public.login_throttle is 'Attempt counters with growing delays: pair:<email>|<client> (login per account and client), account:<email> (login per account, all clients), register:<client> (registrations per client). Shared by every Worker isolate because it lives here; rows expire after a quiet window.';

comment on column public.login_throttle.last_attempt_at is 'When the latest counted attempt started; the next one may start once the delay for the current count has passed since then.';

comment on column public.login_throttle.window_started_at is 'When the current run of attempts began (a run ends after a quiet window with no attempts).';

comment on column public.login_throttle.key is 'What is throttled: account:<email> or client:<address>.';

comment on column public.login_throttle.failures is 'Attempts in the window that have not succeeded (an attempt counts when it starts, so parallel guesses cannot overshoot the limit).';

alter table public.user_credentials enable row level security;

alter table public.login_throttle enable row level security;

grant all on public.users, public.user_credentials, public.login_throttle to service_role;

-- Row-level security on the user-owned tables. `(select auth.uid())` is evaluated once per statement, not per row.
create policy "Users can read their own live profile" on public.users
  for select to authenticated using (id = (select auth.uid()) and deleted_at is null);

create policy "Users can update their own live profile" on public.users
  for update to authenticated
  using (id = (select auth.uid()) and deleted_at is null)
  with check (id = (select auth.uid()));

grant select on public.users to authenticated;

-- Only the display fields: email changes and deletion go through the API, which normalises and re-checks them.
grant update (display_name, username, time_zone, matchable, public_profile) on public.users to authenticated;

-- register_user: creates an account (profile and password hash) in one transaction.
--   p_email          already normalised by the edge (trimmed, NFC, lower case)
--   p_password_hash  the PBKDF2 hash computed at the edge (the password itself never reaches the database)
--   p_display_name, p_username (optional)
-- Returns the new profile. A live account with the same email, or the same username in any case, raises
-- SQLSTATE 23505 with a detail naming which one (the edge answers 409).
-- Security: owner or service_role only (writes credentials).
create or replace function public.register_user(
  p_email text,
  p_password_hash text,
  p_display_name text,
  p_username text default null
)
returns table (id uuid, email text, username text, display_name text, created_at timestamptz)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_user public.users%rowtype;
begin
  if exists (select 1 from public.users u where u.email = p_email and u.deleted_at is null) then
    raise exception 'email already registered' using errcode = '23505', detail = 'an account with this email already exists';
  end if;
  if p_username is not null and exists (
    select 1 from public.users u where lower(u.username) = lower(p_username) and u.deleted_at is null
  ) then
    raise exception 'username taken' using errcode = '23505', detail = 'this username is taken';
  end if;
  begin
    insert into public.users (email, username, display_name)
    values (p_email, p_username, p_display_name)
    returning * into v_user;
  exception when unique_violation then
    -- Lost a race with a concurrent registration of the same email or username.
    raise exception 'email or username taken' using errcode = '23505',
      detail = 'an account with this email or username already exists';
  end;
  insert into public.user_credentials (user_id, password_hash) values (v_user.id, p_password_hash);
  return query select v_user.id, v_user.email, v_user.username, v_user.display_name, v_user.created_at;
end
$$;

comment on function public.register_user is 'Creates an account from a normalised email and an edge-computed password hash (POST /v1/auth/register).';

revoke execute on function public.register_user(text, text, text, text) from public, anon, authenticated;

grant execute on function public.register_user(text, text, text, text) to service_role;

-- begin_login: counts a login attempt per account and client and per account, then returns what the edge
-- needs to check the password.
--   p_email     normalised email; p_client   the client address ('unknown' when none is known)
--   p_now       the edge's clock
--   p_free_per_client   failures of one client on one account before delays start
--   p_free_per_account  failures on one account from all clients before delays start for everyone
--   p_delay_base_seconds, p_delay_max_seconds, p_window_seconds   see throttle_attempt
-- Returns one row: retry_after > 0 when the attempt must wait (the edge answers 429 without checking the
-- password); otherwise retry_after = 0 with the live account's id and password hash (both null for an unknown
-- email, so the edge can spend the same hashing time and answer the same 401). The attempt counts before the
-- password is checked, so parallel guesses cannot overshoot; complete_login (next migration) forgives it on success.
-- Security: owner or service_role only (returns password hashes).
create or replace function public.begin_login(
  p_email text,
  p_client text,
  p_now timestamptz,
  p_free_per_client integer,
  p_free_per_account integer,
  p_delay_base_seconds numeric,
  p_delay_max_seconds integer,
  p_window_seconds integer
)
returns table (retry_after integer, user_id uuid, password_hash text)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_retry integer;
begin
  select t.retry_after into v_retry
  from public.throttle_attempt(
    array['account:' || p_email, 'pair:' || p_email || '|' || p_client],
    array[p_free_per_account, p_free_per_client],
    p_now, p_delay_base_seconds, p_delay_max_seconds, p_window_seconds
  ) t;
  if v_retry > 0 then
    return query select v_retry, null::uuid, null::text;
    return;
  end if;
  return query
    select 0, u.id, c.password_hash
    from (select 1) as one
    left join public.users u on u.email = p_email and u.deleted_at is null
    left join public.user_credentials c on c.user_id = u.id;
end
$$;

comment on function public.begin_login is 'Counts a login attempt per account and client and per account, and returns the password hash to check or how long to wait (POST /v1/auth/login).';



create or replace function public.complete_login(
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

revoke execute on function public.complete_login(text, text, uuid, text) from public, anon, authenticated;

grant execute on function public.complete_login(text, text, uuid, text) to service_role;

create or replace function public.get_auth_user(p_user_id uuid)
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

revoke execute on function public.get_auth_user(uuid) from public, anon;

grant execute on function public.get_auth_user(uuid) to authenticated, service_role;

-- get_profile: the whole editable profile of one live account (GET and PATCH /v1/auth/me): the identity fields
-- get_auth_user returns plus the settings a user edits (time zone, matching opt-in, public profile).
-- No row for an unknown or deleted user. Security: invoker; RLS lets a JWT user read only their own row.
create or replace function public.get_profile(p_user_id uuid)
returns table (
  id uuid, email text, username text, display_name text, created_at timestamptz, time_zone text,
  matchable boolean, public_profile boolean
)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select u.id, u.email, u.username, u.display_name, u.created_at, u.time_zone, u.matchable, u.public_profile
  from public.users u
  where u.id = p_user_id and u.deleted_at is null
$$;

comment on function public.get_profile is 'A live account''s profile with its settings: time zone, matching opt-in, public profile (GET /v1/auth/me).';

revoke execute on function public.get_profile(uuid) from public, anon;

grant execute on function public.get_profile(uuid) to authenticated, service_role;

-- update_profile: PATCH /v1/auth/me. Each argument left null keeps its field; p_clear_username removes the
-- username (a null p_username cannot say it). Checks, each a clean 4xx at the edge:
--   p_username      3-30 letters, digits or underscores (22023), not another live account's in any case (23505)
--   p_display_name  1-100 characters after trimming (22023)
--   p_time_zone     a name PostgreSQL knows (pg_timezone_names: IANA names and UTC) (22023)
-- A public profile needs a username (22023): the username is how it is reached.
-- Returns the profile as get_profile does; no row for an unknown or deleted user.
-- Security: invoker; RLS and the column grants let a JWT user update only these fields of their own row.
create or replace function public.update_profile(
  p_user_id uuid,
  p_display_name text default null,
  p_username text default null,
  p_clear_username boolean default false,
  p_time_zone text default null,
  p_matchable boolean default null,
  p_public_profile boolean default null
)
returns table (
  id uuid, email text, username text, display_name text, created_at timestamptz, time_zone text,
  matchable boolean, public_profile boolean
)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_username text;
  v_public boolean;
begin
  if p_display_name is not null and length(btrim(p_display_name)) not between 1 and 100 then
    raise exception 'display name must be 1 to 100 characters' using errcode = '22023';
  end if;
  if p_username is not null and p_username !~ '^[A-Za-z0-9_]{3,30}$' then
    raise exception 'username must be 3 to 30 letters, digits or underscores' using errcode = '22023';
  end if;
  if p_time_zone is not null and not exists (select 1 from pg_timezone_names z where z.name = p_time_zone) then
    raise exception 'unknown time zone: %', p_time_zone using errcode = '22023';
  end if;
  if p_username is not null and exists (
    select 1 from public.users u
    where lower(u.username) = lower(p_username) and u.deleted_at is null and u.id <> p_user_id
  ) then
    raise exception 'username taken' using errcode = '23505', detail = 'this username is taken';
  end if;
  select case when p_clear_username then null else coalesce(p_username, u.username) end,
         coalesce(p_public_profile, u.public_profile)
  into v_username, v_public
  from public.users u where u.id = p_user_id and u.deleted_at is null;
  if not found then
    return;
  end if;
  if v_public and v_username is null then
    raise exception 'a public profile needs a username' using errcode = '22023';
  end if;
  begin
    update public.users u set
      display_name = coalesce(btrim(p_display_name), u.display_name),
      username = v_username,
      time_zone = coalesce(p_time_zone, u.time_zone),
      matchable = coalesce(p_matchable, u.matchable),
      public_profile = v_public
    where u.id = p_user_id and u.deleted_at is null;
  exception when unique_violation then
    -- Lost a race with another account taking the same username.
    raise exception 'username taken' using errcode = '23505', detail = 'this username is taken';
  end;
  return query select * from public.get_profile(p_user_id);
end
$$;

comment on function public.update_profile is 'Edits a profile: display name, username, time zone, matching opt-in, public profile; validated (PATCH /v1/auth/me).';

revoke execute on function public.update_profile(uuid, text, text, boolean, text, boolean, boolean) from public, anon;

grant execute on function public.update_profile(uuid, text, text, boolean, text, boolean, boolean) to authenticated, service_role;

-- On Supabase, accounts created by Supabase Auth (auth.users) get a Marquee profile, so that their tokens
-- (accepted through AUTH_JWKS_URL) name a known user. Absent elsewhere: plain Postgres has no auth.users.
do $outer$
begin
  if to_regclass('auth.users') is not null then
    execute $fn$
      create or replace function public.create_profile_for_auth_user() returns trigger
      language plpgsql
      security definer
      set search_path = public, extensions
      as $body$
      begin
        -- A native Marquee account may already own the email: then no profile is made, and the token is refused.
        insert into public.users (id, email, display_name)
        values (
          new.id,
          coalesce(lower(new.email), new.id::text || '@users.invalid'),
          left(coalesce(nullif(new.raw_user_meta_data ->> 'display_name', ''), split_part(coalesce(new.email, 'user'), '@', 1)), 100)
        )
        on conflict do nothing;
        return new;
      end
      $body$
    $fn$;
    execute 'revoke execute on function public.create_profile_for_auth_user() from public, anon, authenticated';
    execute 'drop trigger if exists create_marquee_profile on auth.users';
    execute 'create trigger create_marquee_profile after insert on auth.users
      for each row execute function public.create_profile_for_auth_user()';
  end if;
end
$outer$;

-- throttle_attempt: counts one attempt against several counters at once, unless one of them says to wait.
--   p_keys     counter keys, locked in the order given (callers pass them in one fixed order: no deadlocks)
--   p_free     attempts free of delay per key (same length as p_keys)
--   p_now      the edge's clock
--   p_delay_base_seconds, p_delay_max_seconds   the n-th attempt past the free ones waits base * 2^(n-1) seconds
--                                               after the previous one, at most max
--   p_window_seconds   a counter with no attempt for this long starts again from zero
-- Returns one row: retry_after 0 when the attempt was counted (on every key), else the seconds to wait
-- (nothing counted: waiting clients do not make their own delay grow).
-- Security: owner or service_role only.
create or replace function public.throttle_attempt(
  p_keys text[],
  p_free integer[],
  p_now timestamptz,
  p_delay_base_seconds numeric,
  p_delay_max_seconds integer,
  p_window_seconds integer
)
returns table (retry_after integer)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_window interval := make_interval(secs => p_window_seconds);
  v_wait numeric := 0;
  v_row public.login_throttle%rowtype;
  v_count integer;
  v_delay numeric;
begin
  if random() < 0.01 then
    delete from public.login_throttle t
    where coalesce(t.last_attempt_at, t.window_started_at) < p_now - greatest(v_window, interval '1 day');
  end if;
  for i in 1 .. coalesce(array_length(p_keys, 1), 0) loop
    insert into public.login_throttle as t (key, failures, window_started_at)
    values (p_keys[i], 0, p_now)
    on conflict (key) do nothing;
    select * into v_row from public.login_throttle t where t.key = p_keys[i] for update;
    v_count := case when coalesce(v_row.last_attempt_at, v_row.window_started_at) <= p_now - v_window then 0
                    else v_row.failures end;
    if v_count >= p_free[i] and v_row.last_attempt_at is not null then
      v_delay := least(p_delay_base_seconds * power(2::numeric, least(v_count - p_free[i], 30)), p_delay_max_seconds);
      v_wait := greatest(v_wait, extract(epoch from (v_row.last_attempt_at + make_interval(secs => v_delay) - p_now)));
    end if;
  end loop;
  if v_wait > 0 then
    return query select greatest(ceil(v_wait)::integer, 1);
    return;
  end if;
  update public.login_throttle t set
    failures = case when coalesce(t.last_attempt_at, t.window_started_at) <= p_now - v_window then 1 else t.failures + 1 end,
    window_started_at = case when coalesce(t.last_attempt_at, t.window_started_at) <= p_now - v_window then p_now
                             else t.window_started_at end,
    last_attempt_at = p_now
  where t.key = any (p_keys);
  return query select 0;
end
$$;

comment on function public.throttle_attempt is 'Counts an attempt on several throttle counters, or says how many seconds to wait first (login, registration).';

revoke execute on function public.throttle_attempt(text[], integer[], timestamptz, numeric, integer, integer) from public, anon, authenticated;

revoke execute on function public.begin_login(text, text, timestamptz, integer, integer, numeric, integer, integer) from public, anon, authenticated;

grant execute on function public.throttle_attempt(text[], integer[], timestamptz, numeric, integer, integer) to service_role;

grant execute on function public.begin_login(text, text, timestamptz, integer, integer, numeric, integer, integer) to service_role;

create table public.personal_data_columns (
  table_name text not null,
  column_name text not null,
  match text not null check (match in ('equals', 'contains')),
  note text not null,
  primary key (table_name, column_name)
);

comment on table public.personal_data_columns is 'Every column of a public table that holds a user id, so that deleting an account reaches all of its data (delete_account). Add a row with every new table that holds user ids; the schema test enforces it.';

comment on column public.personal_data_columns.note is 'What the rows are, for the reader of the list.';

comment on column public.personal_data_columns.match is 'equals: rows whose column is the user are deleted; contains: rows whose uuid[] column contains the user are deleted (caches that name them).';

comment on column public.personal_data_columns.column_name is 'The column holding a user id (uuid) or user ids (uuid[]).';

comment on column public.personal_data_columns.table_name is 'A table in schema public.';

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
  ('user_item_candidates', 'user_id', 'equals', 'the user''s nightly item candidates and signal snapshot'),
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

revoke execute on function public.change_password(uuid, text, text, text) from public, anon, authenticated;

revoke execute on function public.revoke_tokens(uuid) from public, anon, authenticated;

grant execute on function public.delete_account(uuid) to service_role;

grant execute on function public.change_password(uuid, text, text, text) to service_role;

grant execute on function public.revoke_tokens(uuid) to service_role;

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
  public_profile boolean not null default false
);

comment on table public.users is 'Marquee accounts (profile only; credentials live in user_credentials). Each user sees only their own row.';

comment on column public.users.updated_at is 'Last change of the profile.';

comment on column public.users.created_at is 'When the account was created.';

comment on column public.users.id is 'User id; the sub claim of the user''s JWT.';

comment on column public.users.email is 'Login email, normalised (trimmed, lower case). Unique among live accounts.';

comment on column public.users.username is 'Optional public handle, unique case-insensitively.';

comment on column public.users.display_name is 'Name shown in the app.';

comment on column public.users.public_profile is 'The user made their username public: the username endpoints (/api/...) may find them. Off by default; everyone else answers 404 there.';

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
  window_started_at timestamptz not null
);

comment on table public.login_throttle is 'Login attempts per account (key account:<email>) and per client address (key client:<address>) in the current fixed window. Shared by every Worker isolate because it lives here. Rows expire with their window.';

comment on column public.login_throttle.window_started_at is 'Start of the current counting window.';

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
grant update (display_name, username) on public.users to authenticated;

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

-- begin_login: counts a login attempt against the account and the client address, then returns what the edge
-- needs to check the password.
--   p_email       normalised email; p_client   the client address ('unknown' when none is known)
--   p_max_account, p_max_client   attempts allowed per fixed window of p_window_seconds
-- Returns one row: retry_after > 0 when either limit is exceeded (the edge answers 429 without checking the
-- password); otherwise retry_after = 0 with the live account's id and password hash (both null for an unknown
-- email, so the edge can spend the same hashing time and answer the same 401).
-- The attempt counts before the password is checked, so parallel guesses cannot overshoot the limit;
-- complete_login gives it back on success. Keys are locked account first, then client, in every caller.
-- Security: owner or service_role only (returns password hashes).
create or replace function public.begin_login(
  p_email text,
  p_client text,
  p_max_account integer,
  p_max_client integer,
  p_window_seconds integer
)
returns table (retry_after integer, user_id uuid, password_hash text)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
declare
  v_window interval := make_interval(secs => p_window_seconds);
  v_key text;
  v_max integer;
  v_failures integer;
  v_started timestamptz;
  v_retry integer := 0;
begin
  if random() < 0.01 then
    delete from public.login_throttle t where t.window_started_at < now() - greatest(v_window, interval '1 day');
  end if;
  foreach v_key in array array['account:' || p_email, 'client:' || p_client] loop
    v_max := case when v_key like 'account:%' then p_max_account else p_max_client end;
    insert into public.login_throttle as t (key, failures, window_started_at)
    values (v_key, 1, now())
    on conflict (key) do update set
      failures = case when t.window_started_at <= now() - v_window then 1 else t.failures + 1 end,
      window_started_at = case when t.window_started_at <= now() - v_window then now() else t.window_started_at end
    returning t.failures, t.window_started_at into v_failures, v_started;
    if v_failures > v_max then
      v_retry := greatest(v_retry, ceil(extract(epoch from (v_started + v_window - now())))::integer, 1);
    end if;
  end loop;
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

comment on function public.begin_login is 'Counts a login attempt per account and client, and returns the password hash to check or how long to wait (POST /v1/auth/login).';

revoke execute on function public.begin_login(text, text, integer, integer, integer) from public, anon, authenticated;

grant execute on function public.begin_login(text, text, integer, integer, integer) to service_role;

-- complete_login: settles a successful attempt counted by begin_login (a failed one needs nothing: it was
-- counted already). Clears the account's counter, gives the client's attempt back, and stores an upgraded
-- password hash when the edge computed one.
--   p_user_id              the account whose password matched
--   p_new_password_hash    optional re-hash with current parameters
-- Returns the live profile (no row if the account was deleted in the meantime).
-- Security: owner or service_role only.
create or replace function public.complete_login(
  p_email text,
  p_client text,
  p_user_id uuid,
  p_new_password_hash text default null
)
returns table (id uuid, email text, username text, display_name text, created_at timestamptz)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
begin
  delete from public.login_throttle t where t.key = 'account:' || p_email;
  update public.login_throttle t set failures = greatest(t.failures - 1, 0) where t.key = 'client:' || p_client;
  if p_new_password_hash is not null then
    update public.user_credentials c set password_hash = p_new_password_hash where c.user_id = p_user_id;
  end if;
  return query
    select u.id, u.email, u.username, u.display_name, u.created_at
    from public.users u
    where u.id = p_user_id and u.deleted_at is null;
end
$$;

comment on function public.complete_login is 'Settles a successful login: clears the throttle, stores an upgraded hash, returns the profile (POST /v1/auth/login).';

revoke execute on function public.complete_login(text, text, uuid, text) from public, anon, authenticated;

grant execute on function public.complete_login(text, text, uuid, text) to service_role;

-- get_auth_user: the live profile of a user id (from a verified token); no row for an unknown or deleted user.
-- Called on every authenticated request, so it is one primary-key lookup.
-- Security: invoker. As authenticated, RLS returns only the caller's own row.
create or replace function public.get_auth_user(p_user_id uuid)
returns table (id uuid, email text, username text, display_name text, created_at timestamptz)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select u.id, u.email, u.username, u.display_name, u.created_at
  from public.users u
  where u.id = p_user_id and u.deleted_at is null
$$;

comment on function public.get_auth_user is 'The live profile behind a token''s sub claim (auth middleware, GET /v1/auth/me).';

revoke execute on function public.get_auth_user(uuid) from public, anon;

grant execute on function public.get_auth_user(uuid) to authenticated, service_role;

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

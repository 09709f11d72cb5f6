-- Abuse resistance without lockouts (OWASP Authentication and Credential Stuffing Prevention cheat sheets).
--
-- The old login throttle counted failures per account and per client address in fixed windows, then refused
-- every attempt until the window ended: 11 wrong passwords locked an account for 15 minutes (even for its owner,
-- from anywhere), and 50 failures from one address locked every account behind it (an office, a carrier NAT).
-- Now:
-- - per account and client (key pair:<email>|<client>): a few free failures, then each further attempt waits a
--   delay that doubles per failure, up to a cap. Never a lockout: after the wait the right password works.
-- - per account (key account:<email>), across all clients: the same growing delays, but only after a limit much
--   higher than one client's (a distributed guess against one account).
-- - no per-address limit across accounts: one client cannot lock out the others behind its address. Spraying
--   from one address meets the API-wide rate limit at the edge instead.
-- - registrations per client (key register:<client>) get the same treatment.
-- Counters are forgotten after a quiet window with no attempts. The edge passes its clock (p_now), so tests can
-- move time and every Worker isolate shares the counts.

alter table public.login_throttle add column last_attempt_at timestamptz;
comment on column public.login_throttle.last_attempt_at is 'When the latest counted attempt started; the next one may start once the delay for the current count has passed since then.';
comment on column public.login_throttle.window_started_at is 'When the current run of attempts began (a run ends after a quiet window with no attempts).';
comment on table public.login_throttle is 'Attempt counters with growing delays: pair:<email>|<client> (login per account and client), account:<email> (login per account, all clients), register:<client> (registrations per client). Shared by every Worker isolate because it lives here; rows expire after a quiet window.';

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

drop function public.begin_login(text, text, integer, integer, integer);

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

revoke execute on function public.throttle_attempt(text[], integer[], timestamptz, numeric, integer, integer) from public, anon, authenticated;
revoke execute on function public.begin_login(text, text, timestamptz, integer, integer, numeric, integer, integer) from public, anon, authenticated;
grant execute on function public.throttle_attempt(text[], integer[], timestamptz, numeric, integer, integer) to service_role;
grant execute on function public.begin_login(text, text, timestamptz, integer, integer, numeric, integer, integer) to service_role;

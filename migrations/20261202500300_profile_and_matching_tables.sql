-- Taste matching and the profile edit (issue 13): the time zone and matching opt-in on users, the grant that lets
-- a user edit them, the cache of each user's matched and nearly matched users. Tables, grants and rows by hand;
-- the functions follow in the next migration (schema diff).

alter table public.users
  add column time_zone text not null default 'UTC',
  add column matchable boolean not null default false;

comment on column public.users.time_zone is 'IANA time zone name (Europe/Lisbon); a stored recommendation list expires at midnight there. UTC by default.';

comment on column public.users.matchable is 'The user opted in to taste matching: other users may see their display name or username as a match, and they see their own matches. Off by default (on for the demo users).';

-- The demo's synthetic users are on (the demo data loader sets it for new demo databases).
update public.users set matchable = true where email like '%@demo.marquee.dev' or email = 'demo@marquee.dev';

grant update (display_name, username, time_zone, matchable, public_profile) on public.users to authenticated;

create table public.user_match_cache (
  user_id uuid primary key references public.users (id) on delete cascade,
  fingerprint text not null,
  computed_at timestamptz not null default now(),
  expires_at timestamptz not null,
  other_ids uuid[] not null,
  shared_counts integer[] not null,
  agreed_counts integer[] not null,
  diff_sums real[] not null
);

comment on table public.user_match_cache is 'Each user''s matched and nearly matched users (one more agreeing film would match them), computed on request by user_matches and reused while the user''s signals and the settings hold, at most 10 minutes (other users'' signals change too).';

comment on column public.user_match_cache.user_id is 'Whose pairs these are (users.id).';

comment on column public.user_match_cache.fingerprint is 'The user''s ratings and interactions (count, newest change) and the threshold, minimum overlap and shrinkage the pairs were selected with.';

comment on column public.user_match_cache.computed_at is 'When the pairs were computed.';

comment on column public.user_match_cache.expires_at is 'When the pairs are recomputed even if the user changed nothing.';

comment on column public.user_match_cache.other_ids is 'The other users (users.id), matched or near, whatever their opt-in (read live).';

comment on column public.user_match_cache.shared_counts is 'Per other user: films both have a signal on (n).';

comment on column public.user_match_cache.agreed_counts is 'Per other user: shared films where the two values differ by at most 0.5.';

comment on column public.user_match_cache.diff_sums is 'Per other user: the sum of the value differences over the shared films (d).';

alter table public.user_match_cache enable row level security;

revoke all on public.user_match_cache from anon, authenticated;

grant all on public.user_match_cache to service_role;

insert into public.personal_data_columns (table_name, column_name, match, note) values
  ('user_match_cache', 'user_id', 'equals', 'the user''s cached matches'),
  ('user_match_cache', 'other_ids', 'contains', 'other users'' cached matches that include the user')
on conflict do nothing;

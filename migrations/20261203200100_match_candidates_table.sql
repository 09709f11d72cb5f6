-- Taste matching at scale (issue 13): the nightly job stores each user's matched and near candidates in
-- user_match_candidates, which replaces the 10-minute user_match_cache (its rows were a cache: nothing is lost;
-- user_matches computes a user's pairs on request until the next nightly run).

delete from public.personal_data_columns where table_name = 'user_match_cache';

drop table public.user_match_cache;

create table public.user_match_candidates (
  user_id uuid primary key references public.users (id) on delete cascade,
  computed_at timestamptz not null default now(),
  source text not null check (source in ('nightly', 'request', 'update')),
  fingerprint text not null,
  threshold real not null,
  min_overlap integer not null,
  shrinkage real not null,
  depth integer not null check (depth between 1 and 1000),
  signal_ids integer[] not null,
  signal_values real[] not null,
  other_ids uuid[] not null,
  shared_counts integer[] not null,
  agreed_counts integer[] not null,
  diff_sums real[] not null
);

comment on table public.user_match_candidates is 'Each user''s taste-matching candidates: the best matched and the best nearly matched users (one more agreeing film would match them), at most depth of each, with their agreement counts. Written by the nightly job; computed on request for a user it has not seen; updated by user_matches when the user''s own signals change.';

comment on column public.user_match_candidates.user_id is 'Whose candidates these are (users.id).';

comment on column public.user_match_candidates.computed_at is 'When the figures were computed or last updated.';

comment on column public.user_match_candidates.source is 'nightly (the job), request (computed in full on request) or update (the nightly or request row updated for the user''s changed films).';

comment on column public.user_match_candidates.fingerprint is 'The user''s ratings and interactions (count, newest change) when signal_values were read (match_fingerprint).';

comment on column public.user_match_candidates.threshold is 'The similarity a match needs, as selected.';

comment on column public.user_match_candidates.min_overlap is 'The films a match must share, as selected.';

comment on column public.user_match_candidates.shrinkage is 'The shrinkage the similarity was computed with.';

comment on column public.user_match_candidates.depth is 'Matched users kept, and near users kept (MATCH_CANDIDATES at the nightly run).';

comment on column public.user_match_candidates.signal_ids is 'The user''s films with a signal, ascending, as the figures were computed.';

comment on column public.user_match_candidates.signal_values is 'The user''s value (-1..1) on each of signal_ids: what a later update compares with.';

comment on column public.user_match_candidates.other_ids is 'The other users (users.id), matched ones first, whatever their opt-in (read live).';

comment on column public.user_match_candidates.shared_counts is 'Per other user: films both have a signal on (n).';

comment on column public.user_match_candidates.agreed_counts is 'Per other user: shared films where the two values differ by at most 0.5.';

comment on column public.user_match_candidates.diff_sums is 'Per other user: the sum of the value differences over the shared films (d).';

alter table public.user_match_candidates enable row level security;

revoke all on public.user_match_candidates from anon, authenticated;

grant all on public.user_match_candidates to service_role;

insert into public.personal_data_columns (table_name, column_name, match, note) values
  ('user_match_candidates', 'user_id', 'equals', 'the user''s match candidates'),
  ('user_match_candidates', 'other_ids', 'contains', 'other users'' match candidates that include the user')
on conflict do nothing;

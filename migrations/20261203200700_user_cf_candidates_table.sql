-- Hand-written: the nightly user-CF votes (user_cf_candidates), its privileges and its personal-data entry.

create table public.user_cf_candidates (
  user_id uuid primary key references public.users (id) on delete cascade,
  computed_at timestamptz not null default now(),
  total_similarity real not null,
  complete boolean not null,
  movie_ids integer[] not null,
  neighbour_counts integer[] not null,
  weighted real[] not null,
  deviations real[] not null,
  similarity_sums real[] not null,
  absolute_sums real[] not null,
  mean_correlations real[] not null,
  mean_ratings real[] not null
);

comment on table public.user_cf_candidates is 'Each user''s user-based CF votes as of the last `marquee jobs nightly` run (functions/lib/recommend/cf-candidates.ts): over the nightly neighbours (user_similarities, written in the same transaction) and their ratings then, the best films by weighted vote, which recommend_user_cf serves instead of aggregating every neighbour''s ratings per request. Arrays in rank order.';

comment on column public.user_cf_candidates.user_id is 'The user (users.id).';

comment on column public.user_cf_candidates.computed_at is 'When the nightly run computed the row.';

comment on column public.user_cf_candidates.total_similarity is 'Sum of the user''s neighbours'' similarities (the denominator of the normalised score).';

comment on column public.user_cf_candidates.complete is 'True when the row holds every film the neighbours rated (fewer than the depth kept): no film beyond it can rank.';

comment on column public.user_cf_candidates.movie_ids is 'Candidate films, best first: weighted descending, then film id (films the user had rated at the run left out).';

comment on column public.user_cf_candidates.neighbour_counts is 'Neighbours who rated each film, same order.';

comment on column public.user_cf_candidates.weighted is 'Sum of similarity x stars over those neighbours (the rank key), same order.';

comment on column public.user_cf_candidates.deviations is 'Sum of similarity x (stars - the neighbour''s mean), for the predicted rating, same order.';

comment on column public.user_cf_candidates.similarity_sums is 'Sum of the similarities of those neighbours, same order.';

comment on column public.user_cf_candidates.absolute_sums is 'Sum of the absolute similarities of those neighbours, same order.';

comment on column public.user_cf_candidates.mean_correlations is 'Mean raw correlation of those neighbours with the user, for the reason, same order.';

comment on column public.user_cf_candidates.mean_ratings is 'Mean stars those neighbours gave the film, for the reason, same order.';

alter table public.user_cf_candidates enable row level security;

revoke all on public.user_cf_candidates from anon, authenticated;

grant all on public.user_cf_candidates to service_role;

insert into public.personal_data_columns (table_name, column_name, match, note) values
  ('user_cf_candidates', 'user_id', 'equals', 'the user''s nightly user-CF votes')
on conflict do nothing;

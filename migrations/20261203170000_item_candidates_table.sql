-- Each user's nightly item-CF candidates (user_item_candidates), read by recommend_items instead of every
-- signal's neighbours; see supabase/schemas/05_recommendations.sql.
create table public.user_item_candidates (
  user_id uuid primary key references public.users (id) on delete cascade,
  computed_at timestamptz not null default now(),
  signal_ids integer[] not null,
  signal_weights real[] not null,
  movie_ids integer[] not null,
  scores real[] not null,
  because_ids integer[] not null
);

alter table public.user_item_candidates enable row level security;

grant all on public.user_item_candidates to service_role;

insert into public.personal_data_columns (table_name, column_name, match, note) values
  ('user_item_candidates', 'user_id', 'equals', 'the user''s nightly item candidates and signal snapshot')
on conflict do nothing;

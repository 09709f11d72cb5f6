-- The learned model's tables (issue 11): the fitted hybrid blend (recommendation_blend) and the nightly biased-MF
-- rating model (rating_model, rating_model_users, rating_model_films). Written by hand: `marquee schema diff`
-- generates functions, not tables; the functions that use them follow in the next migration.

create table public.recommendation_blend (
  id bigint generated always as identity primary key,
  fitted_at timestamptz not null default now(),
  weights real[] not null check (
    array_length(weights, 1) = 4 and weights[1] >= 0 and weights[2] >= 0 and weights[3] >= 0
    and weights[1] + weights[2] + weights[3] > 0 and weights[4] between 0 and 1),
  metric text not null,
  validation jsonb not null,
  candidates jsonb not null
);

alter table public.recommendation_blend enable row level security;

comment on table public.recommendation_blend is 'Hybrid blend weights fitted by `marquee tune` on a validation split of the ratings; the newest row serves (unless RECOMMENDATION_WEIGHTS overrides).';

comment on column public.recommendation_blend.id is 'Identity; the newest fit has the largest id.';

comment on column public.recommendation_blend.fitted_at is 'When the fit ran.';

comment on column public.recommendation_blend.weights is '{collaborative, content, popular, item share of collaborative}, as get_recommendations takes them.';

comment on column public.recommendation_blend.metric is 'What the fit maximised, e.g. ndcg@10.';

comment on column public.recommendation_blend.validation is 'The validation split (seed, share, users, ratings) and the chosen weights'' metrics on it.';

comment on column public.recommendation_blend.candidates is 'Every weight vector tried with its metrics, best first (the single sources included, so the fit never loses to its best source on validation).';

revoke all on public.recommendation_blend from anon, authenticated;

grant all on public.recommendation_blend to service_role;

create table public.rating_model (
  id boolean primary key default true check (id),
  global_mean real not null,
  factors integer not null check (factors >= 0),
  penalty real not null,
  epochs integer not null,
  validation_rmse real,
  baseline_rmse real,
  ratings integer not null,
  trained_at timestamptz not null default now()
);

alter table public.rating_model enable row level security;

comment on table public.rating_model is 'The rating model the nightly job fitted (one row): global mean and the settings chosen on its validation split.';

comment on column public.rating_model.id is 'Always true: the table holds one row.';

comment on column public.rating_model.global_mean is 'μ, the mean of the ratings it was fitted on.';

comment on column public.rating_model.factors is 'Length of each user and film factor vector.';

comment on column public.rating_model.penalty is 'L2 penalty chosen on the validation split.';

comment on column public.rating_model.epochs is 'SGD epochs chosen on the validation split (early stopping).';

comment on column public.rating_model.validation_rmse is 'RMSE on the validation split with the chosen settings.';

comment on column public.rating_model.baseline_rmse is 'RMSE on the validation split of μ + b_u + b_i alone.';

comment on column public.rating_model.ratings is 'Ratings the model was fitted on.';

comment on column public.rating_model.trained_at is 'When the nightly job fitted it.';

revoke all on public.rating_model from anon, authenticated;

grant all on public.rating_model to service_role;

create table public.rating_model_users (
  user_id uuid primary key references public.users (id) on delete cascade,
  bias real not null,
  factors real[] not null
);

alter table public.rating_model_users enable row level security;

comment on table public.rating_model_users is 'Per user: b_u and p_u of the rating model (replaced by each nightly run).';

comment on column public.rating_model_users.user_id is 'The user.';

comment on column public.rating_model_users.bias is 'b_u: how far the user rates above μ + b_i.';

comment on column public.rating_model_users.factors is 'p_u, rating_model.factors numbers.';

revoke all on public.rating_model_users from anon, authenticated;

grant all on public.rating_model_users to service_role;

insert into public.personal_data_columns (table_name, column_name, match, note) values
  ('rating_model_users', 'user_id', 'equals', 'the user''s bias and factors in the nightly rating model');


create table public.rating_model_films (
  movie_id integer primary key references public.movies (id) on delete cascade,
  bias real not null,
  factors real[] not null
);

alter table public.rating_model_films enable row level security;

comment on table public.rating_model_films is 'Per film: b_i and q_i of the rating model (replaced by each nightly run).';

comment on column public.rating_model_films.movie_id is 'The film.';

comment on column public.rating_model_films.bias is 'b_i: how far the film is rated above μ + b_u.';

comment on column public.rating_model_films.factors is 'q_i, rating_model.factors numbers.';

revoke all on public.rating_model_films from anon, authenticated;

grant all on public.rating_model_films to service_role;

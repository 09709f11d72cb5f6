-- Predicted stars from a model fitted to the ratings: biased matrix factorisation (Koren, Bell & Volinsky 2009),
--   r̂_ui = μ + b_u + b_i + p_u · q_i
-- trained by `marquee jobs nightly` (functions/lib/recommend/rating-model.ts: penalty and epochs chosen on a
-- validation split of the ratings, then refitted on all of them) and stored in the three tables below.
-- predict_ratings uses it for every film the model knows; the user-based CF formula it had (renamed
-- predict_ratings_neighbours) serves the films the model has not seen, and everything before the first run.
-- On ml-latest-small (split 0.8, seed 42) RMSE goes from 0.871 (CF) to about 0.86.

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

-- predict_ratings_neighbours: the user-based CF prediction predict_ratings made before the model (its contract is
-- in 20261201000200_collaborative_quality.sql), renamed as it is.
alter function public.predict_ratings(uuid, integer[], boolean) rename to predict_ratings_neighbours;
comment on function public.predict_ratings_neighbours is 'Predicted stars by user mean + film bias + Pearson neighbours (fallbacks: user mean + film bias, film mean, global mean); predict_ratings uses it where the rating model has no film.';

-- predict_ratings: the user's predicted stars for the given films, one row per distinct film, by film id.
--   method 'model':          μ + b_u + b_i + p_u·q_i, for a user and film the nightly model fitted;
--   method 'model_baseline': μ + b_u' + b_i for a film the model knows and a user it does not (signed up or
--                            first rated since the last run), b_u' = Σ(r - μ - b_i) / (n + 5) over their ratings now;
--   otherwise predict_ratings_neighbours (methods 'neighbours', 'user_mean', 'film_mean', 'global_mean').
-- Clamped to 0.5..5. Security definer (it reads other users' model rows) with its own caller check.
create or replace function public.predict_ratings(p_user_id uuid, p_movie_ids integer[], p_live boolean default false)
returns table (movie_id integer, predicted_rating real, neighbour_count integer, method text)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
rows 50
as $$
#variable_conflict use_column
begin
  perform public.recommendation_caller_check(p_user_id);
  return query
    with wanted as (select distinct w as movie_id from unnest(p_movie_ids) w),
    g as materialized (select m.global_mean from public.rating_model m),
    uf as materialized (select u.bias, u.factors from public.rating_model_users u where u.user_id = p_user_id),
    ub as materialized (
      select sum(r.rating - g.global_mean - coalesce(f.bias, 0)) / (count(*) + 5) as bias
      from public.ratings r
      cross join g
      left join public.rating_model_films f on f.movie_id = r.movie_id
      where r.user_id = p_user_id
    ),
    fitted as materialized (
      select w.movie_id,
             least(5, greatest(0.5,
               g.global_mean + coalesce(uf.bias, ub.bias, 0) + f.bias
               + coalesce((select sum(a * b) from unnest(uf.factors, f.factors) as x(a, b)), 0)))::real as p,
             case when uf.bias is not null then 'model' else 'model_baseline' end as method
      from wanted w
      cross join g
      join public.rating_model_films f on f.movie_id = w.movie_id
      cross join ub
      left join uf on true
    )
    select f.movie_id, f.p, 0, f.method from fitted f
    union all
    select n.movie_id, n.predicted_rating, n.neighbour_count, n.method
    from public.predict_ratings_neighbours(
      p_user_id, array(select w.movie_id from wanted w where w.movie_id not in (select f.movie_id from fitted f)),
      p_live) n
    order by 1;
end
$$;
comment on function public.predict_ratings is 'Predicted stars for given films: the nightly biased-MF rating model (μ + b_u + b_i + p_u·q_i), else user-based CF with its fallbacks; the method used per film.';
revoke execute on function public.predict_ratings from public;
grant execute on function public.predict_ratings to authenticated, service_role;

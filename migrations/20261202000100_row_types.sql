-- Row shapes declared once (see supabase/schemas/): the film card, a recommendation's evidence and the strategy
-- that served it become composite types, and every function that returns films returns them as columns.
-- This file holds what `marquee schema diff` does not generate: the new types (they come first, the functions
-- of the next migration return them) and recommendation_cache rebuilt around them. The cache is only a cache:
-- dropping it loses nothing, the next request per user recomputes and stores its list.

-- A film as every list shows it, declared once: catalogue pages, recommendations, popular, similar films and search
-- return it as their `movie` column, built by to_movie_card. kind says which catalogue a card comes from, so that
-- a second catalogue (books) can travel beside films in the same rows.
create type public.movie_card as (
  kind text,
  id integer,
  title text,
  original_title text,
  release_date date,
  release_year smallint,
  runtime smallint,
  original_language text,
  genres text[],
  popularity real,
  vote_average real,
  vote_count integer,
  weighted_rating real,
  poster_path text
);

comment on type public.movie_card is 'A film as lists show it (catalogue, recommendations, popular, similar, search).';
comment on column public.movie_card.kind is 'Catalogue of the item: movie.';
comment on column public.movie_card.id is 'TMDB movie id (movies.id).';
comment on column public.movie_card.title is 'Title in English as TMDB lists it.';
comment on column public.movie_card.original_title is 'Title in the original language.';
comment on column public.movie_card.release_date is 'Primary release date; null when TMDB has none.';
comment on column public.movie_card.release_year is 'Year of release.';
comment on column public.movie_card.runtime is 'Running time in minutes.';
comment on column public.movie_card.original_language is 'ISO 639-1 code of the original language.';
comment on column public.movie_card.genres is 'Genre names, in TMDB order.';
comment on column public.movie_card.popularity is 'TMDB popularity score.';
comment on column public.movie_card.vote_average is 'TMDB vote average, 0 to 10.';
comment on column public.movie_card.vote_count is 'Number of TMDB votes.';
comment on column public.movie_card.weighted_rating is 'Bayesian vote average (movies.weighted_rating).';
comment on column public.movie_card.poster_path is 'TMDB image path.';

-- The evidence behind one recommended film, declared once: what recommend_hybrid's blend found, as
-- get_recommendations returns it and recommendation_cache stores it. Catalogue-neutral: the film itself travels
-- beside it as a movie_card (a book would travel as its own card with the same evidence).
create type public.recommendation_row as (
  score real,
  predicted_rating real,
  sources text[],
  item_because_id integer,
  item_because_rating numeric,
  item_because_signal text,
  item_similarity real,
  cf_neighbours integer,
  cf_correlation real,
  cf_neighbour_mean real,
  content_method text,
  content_because_id integer,
  content_features text[],
  popular_count integer,
  popular_mean real
);

comment on type public.recommendation_row is 'Why one film is recommended: blended score, predicted stars and each source''s evidence.';
comment on column public.recommendation_row.score is 'Blended score, higher is better (comparable within one list only).';
comment on column public.recommendation_row.predicted_rating is 'Predicted stars (0.5-5) where the rating model has one.';
comment on column public.recommendation_row.sources is 'Sources that scored the film: item, cf, content, popular.';
comment on column public.recommendation_row.item_because_id is 'Item CF: the user''s film that contributes most (movies.id).';
comment on column public.recommendation_row.item_because_rating is 'Item CF: the user''s stars for item_because_id, when rated.';
comment on column public.recommendation_row.item_because_signal is 'Item CF: the strongest interaction on item_because_id (like, superlike...).';
comment on column public.recommendation_row.item_similarity is 'Item CF: similarity of the film to item_because_id.';
comment on column public.recommendation_row.cf_neighbours is 'User CF: neighbours who rated the film.';
comment on column public.recommendation_row.cf_correlation is 'User CF: mean similarity of those neighbours to the user.';
comment on column public.recommendation_row.cf_neighbour_mean is 'User CF: those neighbours'' mean rating of the film.';
comment on column public.recommendation_row.content_method is 'Content: embedding or features (TF-IDF of genres, keywords, people).';
comment on column public.recommendation_row.content_because_id is 'Content: the liked film it is closest to (movies.id).';
comment on column public.recommendation_row.content_features is 'Content: the features it shares with the user''s profile, most telling first.';
comment on column public.recommendation_row.popular_count is 'Popularity: Marquee ratings behind the Bayesian average.';
comment on column public.recommendation_row.popular_mean is 'Popularity: mean of those ratings.';

-- Which strategy serves a request and why, declared once: plan_recommendations decides it, get_recommendations
-- reports it on every row, and the edge reads it even when the list is empty.
create type public.recommendation_strategy as (
  requested text,
  served text,
  cold_start text,
  reason text,
  rated_count integer,
  liked_count integer
);

comment on type public.recommendation_strategy is 'The strategy a recommendation request asked for, the one that served, and why they differ.';
comment on column public.recommendation_strategy.requested is 'Strategy asked for: hybrid, cf, item, content or popular.';
comment on column public.recommendation_strategy.served is 'Strategy that produced the list: the requested one, cold_start (popularity blended with content) or popular.';
comment on column public.recommendation_strategy.cold_start is 'no_signals (nothing rated or liked) or few_ratings (fewer than 3 ratings); null otherwise.';
comment on column public.recommendation_strategy.reason is 'Why served differs from requested: no_signals, few_ratings, no_liked_films, source_empty; null when it does not.';
comment on column public.recommendation_strategy.rated_count is 'The user''s ratings when the list was planned.';
comment on column public.recommendation_strategy.liked_count is 'Films with a positive signal (rating of 3 or more stars, like, superlike, watchlist...) when planned.';

drop table public.recommendation_cache;

create table public.recommendation_cache (
  user_id uuid not null references public.users (id) on delete cascade,
  strategy text not null,
  rank smallint not null check (rank >= 1),
  fingerprint text not null,
  computed_at timestamptz not null default now(),
  movie_id integer not null,
  recommendation public.recommendation_row not null,
  served public.recommendation_strategy not null,
  primary key (user_id, strategy, rank)
);

alter table public.recommendation_cache enable row level security;

comment on table public.recommendation_cache is 'Each user''s last computed recommendation list per strategy (100 deep), reused while its fingerprint matches. Written only by get_recommendations; emptied by `marquee jobs nightly`.';

comment on column public.recommendation_cache.user_id is 'Whose list it is (users.id).';

comment on column public.recommendation_cache.strategy is 'The strategy requested: hybrid, cf, item or content (popular is never cached per user).';

comment on column public.recommendation_cache.rank is 'Rank in the list, 1 = best.';

comment on column public.recommendation_cache.fingerprint is 'What the list was computed from: the user''s ratings and interactions (count, newest change), the nightly run, the weights.';

comment on column public.recommendation_cache.computed_at is 'When the list was computed.';

comment on column public.recommendation_cache.movie_id is 'The recommended film (movies.id); its row is joined live when served.';

comment on column public.recommendation_cache.recommendation is 'Score and evidence (recommendation_row), as get_recommendations_live computed them.';

comment on column public.recommendation_cache.served is 'The strategy that produced the list and why (recommendation_strategy), as get_recommendations reports it.';

revoke all on public.recommendation_cache from anon, authenticated;

grant all on public.recommendation_cache to service_role;


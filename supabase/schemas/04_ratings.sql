-- Ratings and interactions: the taste signals users give (stars, likes, hides, watchlist...), the weight of each
-- signal, their policies, and the functions behind /v1/ratings and /v1/interactions.
--
-- The current definition of these objects (declared schema). Change them here, then run
-- `npx marquee schema diff <name>` to write the migration; `git log -p` on this file is their history.

create table public.ratings (
  user_id uuid not null references public.users (id) on delete cascade,
  movie_id integer not null references public.movies (id) on delete cascade,
  rating numeric(2, 1) not null check (rating between 0.5 and 5.0 and rating * 2 = trunc(rating * 2)),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (user_id, movie_id)
);

comment on table public.ratings is 'Explicit star ratings, one per user and film (0.5 to 5.0 in half steps). Each user sees and changes only their own.';

comment on column public.ratings.created_at is 'When the film was first rated.';

comment on column public.ratings.movie_id is 'The film rated (movies.id).';

comment on column public.ratings.user_id is 'Who rated (users.id).';

comment on column public.ratings.rating is 'Stars, 0.5 to 5.0 in steps of 0.5.';

comment on column public.ratings.updated_at is 'Last change; GET /v1/ratings/me lists newest first by this.';

-- Per-film aggregates (popularity, item neighbours) scan ratings by film.
create index ratings_movie_idx on public.ratings (movie_id, rating);

-- GET /v1/ratings/me (newest first).
create index ratings_user_recent_idx on public.ratings (user_id, updated_at desc, movie_id);

create trigger ratings_touch_updated_at before update on public.ratings
  for each row execute function public.touch_updated_at();

create table public.signal_weights (
  type text primary key check (type ~ '^[a-z_]+$'),
  weight real not null,
  description text not null
);

comment on table public.signal_weights is 'How much each interaction type counts as taste evidence for the recommendation engine. Edit a weight here to retune the engine; no deploy needed.';

comment on column public.signal_weights.description is 'What the signal means, for operators.';

comment on column public.signal_weights.type is 'Interaction type (interactions.type).';

comment on column public.signal_weights.weight is 'Signed weight: positive means the user likes the film, negative dislikes it, 0 records the signal without using it.';

insert into public.signal_weights (type, weight, description) values
  ('superlike', 3, 'Strongest positive signal, a super like.'),
  ('like', 2, 'A like.'),
  ('watchlist', 1, 'Added to the watchlist: intent to watch.'),
  ('seen', 0.5, 'Marked as seen without a rating.'),
  ('dislike', -2, 'A dislike.'),
  ('hide', -3, 'Hidden: never show this film again.'),
  ('view', 0, 'Opened the film''s page (implicit, recorded only).'),
  ('click', 0, 'Clicked the film in a list (implicit, recorded only).'),
  ('search', 0, 'Ran a search (implicit, recorded only).'),
  ('rate', 0, 'A rating, recorded as an interaction; its weight comes from rating_weights.')
on conflict (type) do nothing;

create table public.rating_weights (
  rating numeric(2, 1) primary key check (rating between 0.5 and 5.0 and rating * 2 = trunc(rating * 2)),
  weight real not null
);

comment on table public.rating_weights is 'Signal weight of each star rating (5 stars +3, 4 +2, 3 +1, 2 -1, 1 -2, half stars in between) used where ratings and interactions are blended.';

comment on column public.rating_weights.weight is 'Signed taste weight of that rating (positive: liked).';

comment on column public.rating_weights.rating is 'Stars, 0.5 to 5.0.';

insert into public.rating_weights (rating, weight) values
  (0.5, -2.5), (1.0, -2), (1.5, -1.5), (2.0, -1), (2.5, 0), (3.0, 1), (3.5, 1.5), (4.0, 2), (4.5, 2.5), (5.0, 3)
on conflict (rating) do nothing;

create table public.interactions (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  movie_id integer references public.movies (id) on delete cascade,
  type text not null references public.signal_weights (type),
  query text check (length(query) <= 500),
  rating numeric(2, 1) check (rating between 0.5 and 5.0 and rating * 2 = trunc(rating * 2)),
  created_at timestamptz not null default now(),
  check (type = 'search' or movie_id is not null),
  check (type <> 'search' or query is not null),
  check (type <> 'rate' or rating is not null)
);

comment on table public.interactions is 'Interaction signals (likes, hides, watchlist, views, searches...), an append-only log per user. Each user sees only their own.';

comment on column public.interactions.created_at is 'When the signal was recorded.';

comment on column public.interactions.movie_id is 'The film the signal is about (movies.id); null for a search.';

comment on column public.interactions.user_id is 'Who gave the signal (users.id).';

comment on column public.interactions.id is 'Row id (identity); the keyset cursor of GET /v1/interactions/me.';

comment on column public.interactions.type is 'Signal type; its weight is signal_weights.weight.';

comment on column public.interactions.query is 'The search text, for type = search.';

comment on column public.interactions.rating is 'The stars given, for type = rate.';

-- GET /v1/interactions/me (newest first, optional type filter) and the engine's per-user signal read.
create index interactions_user_recent_idx on public.interactions (user_id, created_at desc, id desc);

create index interactions_user_type_idx on public.interactions (user_id, type, movie_id);

create index interactions_movie_idx on public.interactions (movie_id) where movie_id is not null;

alter table public.ratings enable row level security;

alter table public.signal_weights enable row level security;

alter table public.rating_weights enable row level security;

alter table public.interactions enable row level security;

create policy "Anyone can read signal weights" on public.signal_weights for select to anon, authenticated using (true);

create policy "Anyone can read rating weights" on public.rating_weights for select to anon, authenticated using (true);

create policy "Users can read their own ratings" on public.ratings
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Users can add ratings as themselves" on public.ratings
  for insert to authenticated with check (user_id = (select auth.uid()));

create policy "Users can change their own ratings" on public.ratings
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

create policy "Users can delete their own ratings" on public.ratings
  for delete to authenticated using (user_id = (select auth.uid()));

grant select, insert, update, delete on public.ratings to authenticated;

create policy "Users can read their own interactions" on public.interactions
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Users can record interactions as themselves" on public.interactions
  for insert to authenticated with check (user_id = (select auth.uid()));

create policy "Users can remove their own interactions" on public.interactions
  for delete to authenticated using (user_id = (select auth.uid()));

grant select, insert, delete on public.interactions to authenticated;

-- State-like signals (a like, a hide, a watchlist entry...) exist at most once per user and film, so a repeated
-- click does not count twice in the engine; implicit signals (view, click, search) and `rate` stay a log.
create unique index interactions_state_key on public.interactions (user_id, movie_id, type)
  where type in ('like', 'superlike', 'dislike', 'seen', 'hide', 'watchlist');

comment on index public.interactions_state_key is 'At most one like/superlike/dislike/seen/hide/watchlist row per user and film.';

-- put_rating: creates or replaces the user's rating of a film.
--   p_rating   0.5 to 5.0 in half steps (else SQLSTATE 23514 from the table's check)
-- Unknown or adult film: SQLSTATE P0002. Returns the row and whether it was created (false: updated).
-- Concurrent writes of the same user and film serialise on the primary key: one row, the last write wins.
create or replace function public.put_rating(p_user_id uuid, p_movie_id integer, p_rating numeric)
returns table (
  movie_id integer,
  rating numeric,
  created_at timestamptz,
  updated_at timestamptz,
  created boolean
)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
begin
  if not exists (select 1 from public.movies m where m.id = p_movie_id and not m.adult) then
    raise exception 'movie % not found', p_movie_id using errcode = 'P0002';
  end if;
  return query
    insert into public.ratings as r (user_id, movie_id, rating)
    values (p_user_id, p_movie_id, p_rating)
    on conflict on constraint ratings_pkey do update set rating = excluded.rating
    returning r.movie_id, r.rating, r.created_at, r.updated_at, (r.xmax::text = '0');
end
$$;

comment on function public.put_rating is 'Creates or updates one rating (PUT /v1/ratings/{movieId}, POST /ratings).';

revoke execute on function public.put_rating(uuid, integer, numeric) from public, anon;

grant execute on function public.put_rating(uuid, integer, numeric) to authenticated, service_role;

-- list_my_ratings: the user's ratings, newest change first, with the film's title and year.
--   p_after_key, p_after_movie_id   keyset cursor: sort_key and movie_id of the previous page's last row
--   p_limit    1..201 (the edge asks for page size + 1)
-- Ordered by (updated_at, movie_id) descending.
create or replace function public.list_my_ratings(
  p_user_id uuid,
  p_after_key text default null,
  p_after_movie_id integer default null,
  p_limit integer default 21
)
returns table (
  movie_id integer,
  title text,
  release_year smallint,
  poster_path text,
  rating numeric,
  created_at timestamptz,
  updated_at timestamptz,
  sort_key text
)
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
begin
  if p_limit is null or p_limit < 1 or p_limit > 201 then
    raise exception 'limit must be between 1 and 201' using errcode = '22023';
  end if;
  if (p_after_key is null) <> (p_after_movie_id is null) then
    raise exception 'cursor needs both key and id' using errcode = '22023';
  end if;
  return query
    select r.movie_id, m.title, m.release_year, m.poster_path, r.rating, r.created_at, r.updated_at,
           r.updated_at::text
    from public.ratings r
    join public.movies m on m.id = r.movie_id
    where r.user_id = p_user_id
      and (p_after_key is null or (r.updated_at, r.movie_id) < (p_after_key::timestamptz, p_after_movie_id))
    order by r.updated_at desc, r.movie_id desc
    limit p_limit;
end
$$;

comment on function public.list_my_ratings is 'One page of a user''s ratings, newest first (GET /v1/ratings/me, GET /ratings/my).';

revoke execute on function public.list_my_ratings(uuid, text, integer, integer) from public, anon;

grant execute on function public.list_my_ratings(uuid, text, integer, integer) to authenticated, service_role;

-- delete_rating: removes the user's rating of a film. Returns the removed film id; no row when there was none
-- (the edge answers 404 whether or not someone else rated it).
create or replace function public.delete_rating(p_user_id uuid, p_movie_id integer)
returns table (movie_id integer)
language sql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  delete from public.ratings r where r.user_id = p_user_id and r.movie_id = p_movie_id
  returning r.movie_id
$$;

comment on function public.delete_rating is 'Removes one rating (DELETE /v1/ratings/{movieId}, DELETE /ratings/{id}).';

revoke execute on function public.delete_rating(uuid, integer) from public, anon;

grant execute on function public.delete_rating(uuid, integer) to authenticated, service_role;

-- record_interaction: records one signal.
--   p_type      a signal_weights.type (else SQLSTATE 22023)
--   p_movie_id  required except for search; unknown or adult film: SQLSTATE P0002
--   p_query     the search text, for search; p_rating the stars, for rate (which also writes public.ratings)
-- like, superlike and dislike replace each other (the latest opinion holds); state-like types are stored once,
-- and repeating one returns the existing row with created = false. Opinions on one film serialise on an
-- advisory lock so that two racing clicks cannot leave both a like and a dislike.
create or replace function public.record_interaction(
  p_user_id uuid,
  p_type text,
  p_movie_id integer default null,
  p_query text default null,
  p_rating numeric default null
)
returns table (
  id bigint,
  type text,
  movie_id integer,
  query text,
  rating numeric,
  weight real,
  created_at timestamptz,
  created boolean
)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_row public.interactions%rowtype;
  v_created boolean := true;
  v_state boolean := p_type in ('like', 'superlike', 'dislike', 'seen', 'hide', 'watchlist');
begin
  if not exists (select 1 from public.signal_weights w where w.type = p_type) then
    raise exception 'unknown interaction type: %', p_type using errcode = '22023';
  end if;
  if p_movie_id is not null and not exists (select 1 from public.movies m where m.id = p_movie_id and not m.adult) then
    raise exception 'movie % not found', p_movie_id using errcode = 'P0002';
  end if;
  if v_state then
    perform pg_advisory_xact_lock(hashtext(p_user_id::text), p_movie_id);
  end if;
  if p_type in ('like', 'superlike', 'dislike') then
    delete from public.interactions i
    where i.user_id = p_user_id and i.movie_id = p_movie_id
      and i.type in ('like', 'superlike', 'dislike') and i.type <> p_type;
  end if;
  if p_type = 'rate' then
    perform 1 from public.put_rating(p_user_id, p_movie_id, p_rating);
  end if;
  if v_state then
    insert into public.interactions (user_id, movie_id, type)
    values (p_user_id, p_movie_id, p_type)
    on conflict (user_id, movie_id, type)
      where type in ('like', 'superlike', 'dislike', 'seen', 'hide', 'watchlist')
      do nothing
    returning * into v_row;
    if v_row.id is null then
      v_created := false;
      select * into v_row from public.interactions i
      where i.user_id = p_user_id and i.movie_id = p_movie_id and i.type = p_type;
    end if;
  else
    insert into public.interactions (user_id, movie_id, type, query, rating)
    values (p_user_id, p_movie_id, p_type, p_query, p_rating)
    returning * into v_row;
  end if;
  return query
    select v_row.id, v_row.type, v_row.movie_id, v_row.query, v_row.rating,
           coalesce((select rw.weight from public.rating_weights rw where rw.rating = v_row.rating and v_row.type = 'rate'),
                    (select w.weight from public.signal_weights w where w.type = v_row.type)),
           v_row.created_at, v_created;
end
$$;

comment on function public.record_interaction is 'Records one interaction signal (POST /v1/interactions).';

revoke execute on function public.record_interaction(uuid, text, integer, text, numeric) from public, anon;

grant execute on function public.record_interaction(uuid, text, integer, text, numeric) to authenticated, service_role;

-- list_my_interactions: the user's signals, newest first, optionally of one type, with film title and year and
-- the signal's current weight.
--   p_after_key, p_after_id   keyset cursor (sort_key and id of the previous page's last row); p_limit 1..201
create or replace function public.list_my_interactions(
  p_user_id uuid,
  p_type text default null,
  p_after_key text default null,
  p_after_id bigint default null,
  p_limit integer default 21
)
returns table (
  id bigint,
  type text,
  movie_id integer,
  title text,
  release_year smallint,
  query text,
  rating numeric,
  weight real,
  created_at timestamptz,
  sort_key text
)
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
begin
  if p_limit is null or p_limit < 1 or p_limit > 201 then
    raise exception 'limit must be between 1 and 201' using errcode = '22023';
  end if;
  if (p_after_key is null) <> (p_after_id is null) then
    raise exception 'cursor needs both key and id' using errcode = '22023';
  end if;
  return query
    select i.id, i.type, i.movie_id, m.title, m.release_year, i.query, i.rating,
           case when i.type = 'rate' then rw.weight else w.weight end,
           i.created_at, i.created_at::text
    from public.interactions i
    join public.signal_weights w on w.type = i.type
    left join public.rating_weights rw on rw.rating = i.rating
    left join public.movies m on m.id = i.movie_id
    where i.user_id = p_user_id
      and (p_type is null or i.type = p_type)
      and (p_after_key is null or (i.created_at, i.id) < (p_after_key::timestamptz, p_after_id))
    order by i.created_at desc, i.id desc
    limit p_limit;
end
$$;

comment on function public.list_my_interactions is 'One page of a user''s interaction signals, newest first (GET /v1/interactions/me).';

revoke execute on function public.list_my_interactions(uuid, text, text, bigint, integer) from public, anon;

grant execute on function public.list_my_interactions(uuid, text, text, bigint, integer) to authenticated, service_role;

-- remove_interaction: takes back a state-like signal (like, superlike, dislike, seen, hide, watchlist) on a film.
-- Other types are a log and cannot be removed one by one (SQLSTATE 22023). Returns the removed ids; none when
-- the user had no such signal (the edge answers 404).
create or replace function public.remove_interaction(p_user_id uuid, p_type text, p_movie_id integer)
returns table (id bigint)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
begin
  if p_type not in ('like', 'superlike', 'dislike', 'seen', 'hide', 'watchlist') then
    raise exception 'interactions of type % cannot be removed', p_type using errcode = '22023';
  end if;
  return query
    delete from public.interactions i
    where i.user_id = p_user_id and i.type = p_type and i.movie_id = p_movie_id
    returning i.id;
end
$$;

comment on function public.remove_interaction is 'Removes a like, superlike, dislike, seen, hide or watchlist signal (DELETE /v1/interactions/{type}/{movieId}).';

revoke execute on function public.remove_interaction(uuid, text, integer) from public, anon;

grant execute on function public.remove_interaction(uuid, text, integer) to authenticated, service_role;

grant select on public.signal_weights, public.rating_weights to anon, authenticated;
grant all on public.ratings, public.signal_weights, public.rating_weights, public.interactions to service_role;
grant usage, select on sequence public.interactions_id_seq to service_role;

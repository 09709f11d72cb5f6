-- Ratings and interaction signals: the RPCs behind /v1/ratings and /v1/interactions.
--
-- Every function takes the acting user's id as p_user_id. Through a direct connection the edge has authorised
-- the call (the id comes from a verified token); through PostgREST the caller's JWT makes these run as
-- `authenticated`, and the RLS policies of the accounts migration confine them to auth.uid()'s rows, so a forged
-- p_user_id reaches nothing. All are security invoker.

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

-- delete_rating: removes the user's rating of a film. Returns the removed film id; no row when there was none
-- (the edge answers 404 whether or not someone else rated it).
create or replace function public.delete_rating(p_user_id uuid, p_movie_id integer)
returns table (movie_id integer)
language sql
volatile
set search_path = public, extensions
as $$
  delete from public.ratings r where r.user_id = p_user_id and r.movie_id = p_movie_id
  returning r.movie_id
$$;
comment on function public.delete_rating is 'Removes one rating (DELETE /v1/ratings/{movieId}, DELETE /ratings/{id}).';

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

-- remove_interaction: takes back a state-like signal (like, superlike, dislike, seen, hide, watchlist) on a film.
-- Other types are a log and cannot be removed one by one (SQLSTATE 22023). Returns the removed ids; none when
-- the user had no such signal (the edge answers 404).
create or replace function public.remove_interaction(p_user_id uuid, p_type text, p_movie_id integer)
returns table (id bigint)
language plpgsql
volatile
set search_path = public, extensions
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

revoke execute on function public.put_rating(uuid, integer, numeric) from public, anon;
revoke execute on function public.list_my_ratings(uuid, text, integer, integer) from public, anon;
revoke execute on function public.delete_rating(uuid, integer) from public, anon;
revoke execute on function public.record_interaction(uuid, text, integer, text, numeric) from public, anon;
revoke execute on function public.list_my_interactions(uuid, text, text, bigint, integer) from public, anon;
revoke execute on function public.remove_interaction(uuid, text, integer) from public, anon;
grant execute on function public.put_rating(uuid, integer, numeric) to authenticated, service_role;
grant execute on function public.list_my_ratings(uuid, text, integer, integer) to authenticated, service_role;
grant execute on function public.delete_rating(uuid, integer) to authenticated, service_role;
grant execute on function public.record_interaction(uuid, text, integer, text, numeric) to authenticated, service_role;
grant execute on function public.list_my_interactions(uuid, text, text, bigint, integer) to authenticated, service_role;
grant execute on function public.remove_interaction(uuid, text, integer) to authenticated, service_role;

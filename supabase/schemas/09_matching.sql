-- Taste matching between users (issue 13): who agrees with whom on the films both have a signal on, the cache of
-- each user's matched and nearly matched users, the matches endpoint and the per-film evidence that batches carry
-- (matchedUsers, potentialMatches).
--
-- The similarity. Each signal is a value in -1..1: a rating (stars - 3) / 2, clamped (5 stars 1, 4 stars 0.5,
-- 3 stars 0, 2 stars -0.5, 1 star and below -1); a film only liked or superliked 1, only disliked -1 (a rating
-- wins over a like; between like and dislike the newest). Over the n films both users have a signal on, with
-- d = sum |value_a - value_b| (a 1-star difference adds 0.5):
--   raw agreement    1 - d / 2n                       (1: identical, 0: opposite on everything)
--   similarity       (n - d/2 + k/2) / (n + k)        raw agreement shrunk towards 0.5 by k (default 2) films
-- so 5 films of perfect agreement reach 0.86 and 5 films alone never reach 0.9. Two users match when n is at least
-- the minimum overlap (default 5) and the similarity at least the threshold (default 0.8, MATCH_THRESHOLD at the
-- edge). "Agreeing" on a film, for the evidence, is a difference of at most 0.5 (one star, or a like and 4+ stars).
-- The measure works on likes alone (a like is 1) and on ratings alone, where Pearson has no answer for a user
-- whose ratings are all equal.
--
-- Privacy: another user appears (by display name and username, never id or email) only when they opted in
-- (users.matchable), and a user sees matches only when they opted in themself. The cache holds pairs with every
-- user; the opt-in is read live, so opting out hides a user at once.
--
-- The current definition of these objects (declared schema). Change them here, then run
-- `npx marquee schema diff <name>` to write the migration; `git log -p` on this file is their history.

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

-- match_similarity: the shrunk agreement of n shared films with summed difference d (see the top of this file).
create or replace function public.match_similarity(p_shared integer, p_diff_sum real, p_shrinkage real default 2)
returns real
language sql
immutable
parallel safe
set search_path = public, extensions
as $$
  select ((p_shared - p_diff_sum / 2 + p_shrinkage / 2) / nullif(p_shared + p_shrinkage, 0))::real
$$;

comment on function public.match_similarity is 'Taste similarity of two users from their shared films (n) and summed value difference (d): (n - d/2 + k/2) / (n + k).';

-- match_values: every signal value (-1..1, see the top of this file) on the given films, of the given users or of
-- everyone (p_user_ids null). One row per user and film. Reads every user's ratings: service role only, called by
-- the security-definer functions below after their caller check.
create or replace function public.match_values(p_movie_ids integer[], p_user_ids uuid[] default null)
returns table (user_id uuid, movie_id integer, value real)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
rows 1000
as $$
  with rated as (
    select r.user_id, r.movie_id, greatest(-1, least(1, (r.rating - 3) / 2))::real as value
    from public.ratings r
    where r.movie_id = any (p_movie_ids) and (p_user_ids is null or r.user_id = any (p_user_ids))
  ),
  signalled as (
    select distinct on (i.user_id, i.movie_id) i.user_id, i.movie_id,
           (case when i.type = 'dislike' then -1 else 1 end)::real as value
    from public.interactions i
    where i.movie_id = any (p_movie_ids) and i.type in ('like', 'superlike', 'dislike')
      and (p_user_ids is null or i.user_id = any (p_user_ids))
    order by i.user_id, i.movie_id, i.created_at desc, i.id desc
  )
  select rated.user_id, rated.movie_id, rated.value from rated
  union all
  select s.user_id, s.movie_id, s.value from signalled s
  where not exists (select 1 from public.ratings r where r.user_id = s.user_id and r.movie_id = s.movie_id)
$$;

comment on function public.match_values is 'Signal values in -1..1 (a rating (stars - 3) / 2, else like +1 / dislike -1) of users on films, for taste matching.';

-- user_matches: a user's matched pairs (n >= p_min_overlap, similarity >= p_threshold) and near pairs (one more
-- film of perfect agreement would match them), best first, whatever the other user's opt-in (callers filter on
-- users.matchable). Served from user_match_cache while the user's signals and the settings are those it was
-- computed with and for at most 10 minutes; recomputed otherwise, so a like that creates a match shows at once.
-- Cost: one pass over the ratings of the films the user has a signal on (ratings_movie_idx).
-- Security definer (reads everyone's signals) with a pinned search_path and the recommendation caller check.
create or replace function public.user_matches(
  p_user_id uuid,
  p_threshold real default 0.8,
  p_min_overlap integer default 5,
  p_shrinkage real default 2
)
returns table (other_id uuid, shared integer, agreed integer, diff_sum real, similarity real, matched boolean)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
rows 100
as $$
declare
  v_fingerprint text;
  v_cache public.user_match_cache;
begin
  perform public.recommendation_caller_check(p_user_id);
  if p_threshold is null or p_threshold <= 0 or p_threshold > 1 then
    raise exception 'threshold must be in (0, 1]' using errcode = '22023';
  end if;
  if p_min_overlap is null or p_min_overlap < 1 or p_shrinkage is null or p_shrinkage < 0 then
    raise exception 'minimum overlap must be at least 1 and shrinkage at least 0' using errcode = '22023';
  end if;
  v_fingerprint := concat_ws('|',
    (select count(*) || '@' || coalesce(max(r.updated_at)::text, '') from public.ratings r where r.user_id = p_user_id),
    (select count(*) || '@' || coalesce(max(i.created_at)::text, '') from public.interactions i where i.user_id = p_user_id),
    p_threshold::text, p_min_overlap::text, p_shrinkage::text);
  select * into v_cache from public.user_match_cache c
  where c.user_id = p_user_id and c.fingerprint = v_fingerprint and c.expires_at > now();
  if not found then
    with mine as materialized (
      select v.movie_id, v.value from public.match_values(
        array(select s.movie_id from public.user_signals(p_user_id) s), array[p_user_id]) v
    ),
    theirs as (
      select v.user_id, v.movie_id, v.value
      from public.match_values(array(select mine.movie_id from mine)) v
      where v.user_id <> p_user_id
    ),
    pairs as (
      select t.user_id, count(*)::integer as n, sum(abs(m.value - t.value))::real as d,
             (count(*) filter (where abs(m.value - t.value) <= 0.5))::integer as a
      from theirs t join mine m on m.movie_id = t.movie_id
      group by t.user_id
    ),
    kept as (
      select p.*, public.match_similarity(p.n, p.d, p_shrinkage) as s from pairs p
      where p.n + 1 >= p_min_overlap and public.match_similarity(p.n + 1, p.d, p_shrinkage) >= p_threshold
    )
    select coalesce(array_agg(k.user_id order by k.s desc, k.user_id), '{}'),
           coalesce(array_agg(k.n order by k.s desc, k.user_id), '{}'),
           coalesce(array_agg(k.a order by k.s desc, k.user_id), '{}'),
           coalesce(array_agg(k.d order by k.s desc, k.user_id), '{}')
    into v_cache.other_ids, v_cache.shared_counts, v_cache.agreed_counts, v_cache.diff_sums
    from kept k;
    if exists (select 1 from public.users u where u.id = p_user_id) then
      insert into public.user_match_cache as c
        (user_id, fingerprint, computed_at, expires_at, other_ids, shared_counts, agreed_counts, diff_sums)
      values (p_user_id, v_fingerprint, now(), now() + interval '10 minutes', v_cache.other_ids,
              v_cache.shared_counts, v_cache.agreed_counts, v_cache.diff_sums)
      on conflict (user_id) do update set
        fingerprint = excluded.fingerprint, computed_at = excluded.computed_at, expires_at = excluded.expires_at,
        other_ids = excluded.other_ids, shared_counts = excluded.shared_counts,
        agreed_counts = excluded.agreed_counts, diff_sums = excluded.diff_sums;
    end if;
  end if;
  return query
    select u.o, u.n, u.a, u.d, public.match_similarity(u.n, u.d, p_shrinkage),
           u.n >= p_min_overlap and public.match_similarity(u.n, u.d, p_shrinkage) >= p_threshold
    from unnest(v_cache.other_ids, v_cache.shared_counts, v_cache.agreed_counts, v_cache.diff_sums) as u(o, n, a, d)
    order by 5 desc, 1;
end
$$;

comment on function public.user_matches is 'A user''s matched and nearly matched users (shrunk agreement over shared ratings and likes), cached until their signals change (at most 10 minutes).';

-- get_matches: GET /v1/matches. The caller's matches, best first: similarity, films both have a signal on, how
-- many they agree on, and up to 5 films both liked (4 stars or more, or a like), best together first.
--   p_threshold, p_min_overlap, p_shrinkage   the matching settings (the edge passes MATCH_THRESHOLD ...)
--   p_limit                                   1..100
-- Nothing when the caller has not opted in (users.matchable); only other live users who opted in. Others are
-- named by username and display name, never by id or email.
-- Security definer with a pinned search_path and the caller check (a JWT user may ask only for themself).
create or replace function public.get_matches(
  p_user_id uuid,
  p_threshold real default 0.8,
  p_min_overlap integer default 5,
  p_shrinkage real default 2,
  p_limit integer default 20
)
returns table (
  username text, display_name text, similarity real, shared integer, agreed integer,
  both_liked_ids integer[], both_liked_titles text[]
)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
begin
  perform public.recommendation_caller_check(p_user_id);
  if p_limit is null or p_limit < 1 or p_limit > 100 then
    raise exception 'limit must be between 1 and 100' using errcode = '22023';
  end if;
  if not exists (select 1 from public.users u where u.id = p_user_id and u.matchable and u.deleted_at is null) then
    return;
  end if;
  return query
    with best as materialized (
      select m.other_id, m.similarity, m.shared, m.agreed, u.username, u.display_name
      from public.user_matches(p_user_id, p_threshold, p_min_overlap, p_shrinkage) m
      join public.users u on u.id = m.other_id and u.matchable and u.deleted_at is null
      where m.matched
      order by m.similarity desc, m.other_id
      limit p_limit
    ),
    mine as materialized (
      select v.movie_id, v.value from public.match_values(
        array(select s.movie_id from public.user_signals(p_user_id) s where s.weight > 0), array[p_user_id]) v
      where v.value >= 0.5
    ),
    liked as (
      select b.other_id, t.movie_id, m.value + t.value as together
      from best b
      join public.match_values(array(select mine.movie_id from mine), array(select best.other_id from best)) t
        on t.user_id = b.other_id and t.value >= 0.5
      join mine m on m.movie_id = t.movie_id
    ),
    shown as (
      select l.other_id, array_agg(l.movie_id order by l.together desc, l.movie_id) as ids,
             array_agg(f.title order by l.together desc, l.movie_id) as titles
      from (select l.*, row_number() over (partition by l.other_id order by l.together desc, l.movie_id) as k
            from liked l) l
      join public.movies f on f.id = l.movie_id
      where l.k <= 5
      group by l.other_id
    )
    select b.username, b.display_name, b.similarity, b.shared, b.agreed,
           coalesce(s.ids, '{}'), coalesce(s.titles, '{}')
    from best b left join shown s on s.other_id = b.other_id
    order by b.similarity desc, b.other_id;
end
$$;

comment on function public.get_matches is 'The caller''s taste matches, best first, with similarity, shared and agreed films and films both liked; opted-in users only (GET /v1/matches).';

-- match_evidence: for the films of one served batch, which of the caller's matches liked each (4 stars or more,
-- or a like; up to 3 named, best match first, and how many in all) and potentialMatches: how many opted-in users
-- the caller does not match yet would match if the caller liked the film (the pair gains the film, with the other
-- user's value on it). Only near pairs can cross, so only they are read. Nothing when the caller has not opted in.
-- One row per given film, in the given order. Cost: the cached pairs (user_matches) and the signals of those
-- users on the given films only.
-- Security definer with a pinned search_path and the caller check.
create or replace function public.match_evidence(
  p_user_id uuid,
  p_movie_ids integer[],
  p_threshold real default 0.8,
  p_min_overlap integer default 5,
  p_shrinkage real default 2
)
returns table (
  movie_id integer, matched_count integer, matched_usernames text[], matched_display_names text[],
  matched_similarities real[], potential_matches integer
)
language plpgsql
volatile
security definer
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
begin
  perform public.recommendation_caller_check(p_user_id);
  if coalesce(cardinality(p_movie_ids), 0) > 100 then
    raise exception 'at most 100 films' using errcode = '22023';
  end if;
  if not exists (select 1 from public.users u where u.id = p_user_id and u.matchable and u.deleted_at is null) then
    return;
  end if;
  return query
    with pairs as materialized (
      select m.* from public.user_matches(p_user_id, p_threshold, p_min_overlap, p_shrinkage) m
      join public.users u on u.id = m.other_id and u.matchable and u.deleted_at is null
    ),
    vals as materialized (
      select v.* from public.match_values(p_movie_ids, array(select pairs.other_id from pairs)) v
    ),
    influenced as (
      select v.movie_id, count(*)::integer as n,
             (array_agg(u.username order by p.similarity desc, p.other_id))[1:3] as usernames,
             (array_agg(u.display_name order by p.similarity desc, p.other_id))[1:3] as names,
             (array_agg(p.similarity order by p.similarity desc, p.other_id))[1:3] as sims
      from vals v join pairs p on p.other_id = v.user_id and p.matched
      join public.users u on u.id = v.user_id
      where v.value >= 0.5
      group by v.movie_id
    ),
    potential as (
      select v.movie_id, count(*)::integer as n
      from vals v join pairs p on p.other_id = v.user_id and not p.matched
      where p.shared + 1 >= p_min_overlap
        and public.match_similarity(p.shared + 1, (p.diff_sum + abs(1 - v.value))::real, p_shrinkage) >= p_threshold
      group by v.movie_id
    )
    select f.id, coalesce(i.n, 0), coalesce(i.usernames, '{}'), coalesce(i.names, '{}'), coalesce(i.sims, '{}'),
           coalesce(p.n, 0)
    from unnest(p_movie_ids) with ordinality as f(id, k)
    left join influenced i on i.movie_id = f.id
    left join potential p on p.movie_id = f.id
    order by f.k;
end
$$;

comment on function public.match_evidence is 'Per film of a served batch: the caller''s matches who liked it and how many users liking it would newly match (matchedUsers, potentialMatches).';

revoke execute on function public.match_similarity(integer, real, real), public.match_values(integer[], uuid[]),
  public.user_matches(uuid, real, integer, real), public.get_matches(uuid, real, integer, real, integer),
  public.match_evidence(uuid, integer[], real, integer, real)
from public;

grant execute on function public.match_similarity(integer, real, real) to anon, authenticated, service_role;

grant execute on function public.match_values(integer[], uuid[]), public.user_matches(uuid, real, integer, real)
  to service_role;

grant execute on function public.get_matches(uuid, real, integer, real, integer),
  public.match_evidence(uuid, integer[], real, integer, real)
  to authenticated, service_role;

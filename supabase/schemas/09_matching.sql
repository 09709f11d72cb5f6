-- Taste matching between users (issue 13): who agrees with whom on the films both have a signal on, each user's
-- stored matched and nearly matched users (nightly, updated as they interact), the matches endpoint and the
-- per-film evidence that batches carry (matchedUsers, potentialMatches).
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
-- (users.matchable), and a user sees matches only when they opted in themself. The stored pairs hold users whatever
-- their opt-in; the opt-in is read live, so opting in or out shows at once.
--
-- Scale. Comparing a user with everyone on request reads the ratings of every film they have a signal on (at
-- MovieLens-1M scale, 100,000+ rows for a heavy rater, and thousands of near pairs). Instead the nightly job
-- (node/jobs/nightly.ts, functions/lib/recommend/match-pairs.ts) stores each user's candidates: the N best matched
-- and the N best near users (N = MATCH_CANDIDATES, default 100) with their agreement counts, in
-- user_match_candidates, in time sum over films of raters^2 (the user-neighbour pass) and 2N pairs of space per
-- user. A request reads the stored pairs. When the user's own signals changed since they were stored, user_matches
-- updates only that user's pairs, bounded by the films that changed: the stored candidates' figures are adjusted
-- film by film (their value on the film, the user's old and new value), and up to 200 of the other users with a
-- signal on a changed film are compared in full, since only they can enter; so a like creates a match at once.
-- Other users' changes reach a user's stored figures at the next nightly run.
--
-- The current definition of these objects (declared schema). Change them here, then run
-- `npx marquee schema diff <name>` to write the migration; `git log -p` on this file is their history.

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

-- match_values: every signal value (-1..1, see the top of this file) on the given films (p_movie_ids null: on every
-- film), of the given users (p_user_ids null: of everyone). One row per user and film. Given users are joined to
-- the ratings by user (their rows through the primary key), given films alone through ratings_movie_idx. Reads
-- every user's ratings: service role only, called by the security-definer functions below after their caller
-- check, and by the nightly job (match_signal_snapshot).
create or replace function public.match_values(p_movie_ids integer[], p_user_ids uuid[] default null)
returns table (user_id uuid, movie_id integer, value real)
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
rows 1000
as $$
begin
  if p_user_ids is not null then
    return query
      with who as (select distinct w.id from unnest(p_user_ids) as w(id)),
      rated as (
        select r.user_id, r.movie_id, greatest(-1, least(1, (r.rating - 3) / 2))::real as value
        from who join public.ratings r on r.user_id = who.id
        where p_movie_ids is null or r.movie_id = any (p_movie_ids)
      ),
      signalled as (
        select distinct on (i.user_id, i.movie_id) i.user_id, i.movie_id,
               (case when i.type = 'dislike' then -1 else 1 end)::real as value
        from who join public.interactions i on i.user_id = who.id
        where i.type in ('like', 'superlike', 'dislike') and (p_movie_ids is null or i.movie_id = any (p_movie_ids))
        order by i.user_id, i.movie_id, i.created_at desc, i.id desc
      )
      select rated.user_id, rated.movie_id, rated.value from rated
      union all
      select s.user_id, s.movie_id, s.value from signalled s
      where not exists (select 1 from public.ratings r where r.user_id = s.user_id and r.movie_id = s.movie_id);
  else
    return query
      with rated as (
        select r.user_id, r.movie_id, greatest(-1, least(1, (r.rating - 3) / 2))::real as value
        from public.ratings r
        where p_movie_ids is null or r.movie_id = any (p_movie_ids)
      ),
      signalled as (
        select distinct on (i.user_id, i.movie_id) i.user_id, i.movie_id,
               (case when i.type = 'dislike' then -1 else 1 end)::real as value
        from public.interactions i
        where i.movie_id is not null and i.type in ('like', 'superlike', 'dislike')
          and (p_movie_ids is null or i.movie_id = any (p_movie_ids))
        order by i.user_id, i.movie_id, i.created_at desc, i.id desc
      )
      select rated.user_id, rated.movie_id, rated.value from rated
      union all
      select s.user_id, s.movie_id, s.value from signalled s
      where not exists (select 1 from public.ratings r where r.user_id = s.user_id and r.movie_id = s.movie_id);
  end if;
end
$$;

comment on function public.match_values is 'Signal values in -1..1 (a rating (stars - 3) / 2, else like +1 / dislike -1) of users on films, for taste matching.';

-- match_fingerprint: what a user's stored match figures depend on from their own signals: the count and newest
-- change of their ratings and of their interactions (epoch seconds, so it reads the same in any time zone). Cheap
-- (two index scans of the user's rows); match_signal_snapshot computes the same text for every user at once.
-- PL/pgSQL with plan_cache_mode = auto, not SQL: PostgreSQL 15 plans a SQL function's statements on every call,
-- and planning was most of its cost (0.25 ms a call, on the stored list's path); both statements read one user's
-- rows by key, so the cached generic plan is the custom one.
create or replace function public.match_fingerprint(p_user_id uuid)
returns text
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = auto
as $$
declare
  v_ratings text;
  v_interactions text;
begin
  select count(*) || '@' || coalesce(extract(epoch from max(r.updated_at))::text, '') into v_ratings
  from public.ratings r where r.user_id = p_user_id;
  select count(*) || '@' || coalesce(extract(epoch from max(i.created_at))::text, '') into v_interactions
  from public.interactions i where i.user_id = p_user_id;
  return concat_ws('|', v_ratings, v_interactions);
end
$$;

comment on function public.match_fingerprint is 'Count and newest change of a user''s ratings and interactions: whether their stored match figures may be stale.';

-- match_signal_snapshot: every user's signal values (films ascending) and match_fingerprint, read in one
-- statement, for the nightly job: the figures it stores are computed from exactly these values, which the row keeps
-- (signal_ids, signal_values) for user_matches to compare with later. Service role only.
create or replace function public.match_signal_snapshot()
returns table (user_id uuid, fingerprint text, movie_ids integer[], "values" real[])
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  with per_user as (
    select v.user_id, array_agg(v.movie_id order by v.movie_id) as movie_ids,
           array_agg(v.value order by v.movie_id) as vals
    from public.match_values(null, null) v
    group by v.user_id
  ),
  rated as (
    select r.user_id, count(*) || '@' || coalesce(extract(epoch from max(r.updated_at))::text, '') as f
    from public.ratings r group by r.user_id
  ),
  acted as (
    select i.user_id, count(*) || '@' || coalesce(extract(epoch from max(i.created_at))::text, '') as f
    from public.interactions i group by i.user_id
  )
  select p.user_id, concat_ws('|', coalesce(r.f, '0@'), coalesce(a.f, '0@')), p.movie_ids, p.vals
  from per_user p
  left join rated r on r.user_id = p.user_id
  left join acted a on a.user_id = p.user_id
  order by p.user_id
$$;

comment on function public.match_signal_snapshot is 'Every user''s taste-matching values and fingerprint, for the nightly job''s match candidates.';

-- match_pair_stats: the figures (n, agreed, d) of one user's values (p_movie_ids with p_values) against every other
-- user with a signal on one of those films (p_others null) or against the given users only.
create or replace function public.match_pair_stats(
  p_user_id uuid,
  p_movie_ids integer[],
  p_values real[],
  p_others uuid[] default null
)
returns table (other_id uuid, shared integer, agreed integer, diff_sum real)
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  with mine as (select m.movie_id, m.value from unnest(p_movie_ids, p_values) as m(movie_id, value))
  select t.user_id, count(*)::integer, (count(*) filter (where abs(m.value - t.value) <= 0.5))::integer,
         sum(abs(m.value - t.value))::real
  from public.match_values(p_movie_ids, p_others) t
  join mine m on m.movie_id = t.movie_id
  where t.user_id <> p_user_id
  group by t.user_id
$$;

comment on function public.match_pair_stats is 'Shared, agreed films and summed difference of one user''s values against other users, for taste matching.';

-- match_candidate_depth: matched (and near) users kept per user: what the newest nightly run stored
-- (MATCH_CANDIDATES), else 100.
create or replace function public.match_candidate_depth()
returns integer
language sql
stable
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  select coalesce((select (r.summary -> 'matches' ->> 'depth')::integer from public.recommendation_job_runs r
                   where r.job = 'nightly' and r.summary ? 'matches' order by r.started_at desc limit 1), 100)
$$;

comment on function public.match_candidate_depth is 'Matched and near users kept per user in user_match_candidates: the newest nightly run''s depth, else 100.';

-- user_matches: a user's matched pairs (n >= p_min_overlap, similarity >= p_threshold) and near pairs (one more
-- film of perfect agreement would match them), best first, whatever the other user's opt-in (callers filter on
-- users.matchable): at most `depth` of each (user_match_candidates.depth).
-- Read from user_match_candidates. When the user's fingerprint moved since, their current values are compared
-- with the stored ones: nothing changed (a view, a watchlist add) keeps the figures; up to 50 changed films update
-- them, in work bounded by those films: the stored candidates' figures are adjusted film by film (their value on
-- it, the user's old and new one), so every near user that potentialMatches counted for a film becomes a match
-- when the user likes it; and up to 200 of the other users with a signal on a changed film, the ones it brings
-- closest (agreeing with the new value, or disagreeing with a removed one), are compared in full, since only they
-- can enter. More changed films, no row (a user the job has not seen) or other settings compute the figures in
-- full, one pass over the ratings of the films the user has a signal on. The row is then stored, so a like that
-- creates a match shows at once. Other users' changes, and entering users past the 200, reach the figures at the
-- next nightly run.
-- Cost at MovieLens-1M scale: the stored row, a few ms; an update, the raters of the changed films plus the
-- signals of up to 200 users; in full, the raters of every film of the user (up to a few hundred thousand rows).
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
  v_row public.user_match_candidates;
  v_same boolean;
  v_ids integer[];
  v_values real[];
  v_changed integer[] := '{}';
  v_source text;
begin
  perform public.recommendation_caller_check(p_user_id);
  if p_threshold is null or p_threshold <= 0 or p_threshold > 1 then
    raise exception 'threshold must be in (0, 1]' using errcode = '22023';
  end if;
  if p_min_overlap is null or p_min_overlap < 1 or p_shrinkage is null or p_shrinkage < 0 then
    raise exception 'minimum overlap must be at least 1 and shrinkage at least 0' using errcode = '22023';
  end if;
  v_fingerprint := public.match_fingerprint(p_user_id);
  select * into v_row from public.user_match_candidates c where c.user_id = p_user_id;
  v_same := found and v_row.threshold = p_threshold and v_row.min_overlap = p_min_overlap
            and v_row.shrinkage = p_shrinkage;
  if not (v_same and v_row.fingerprint = v_fingerprint) then
    select coalesce(array_agg(v.movie_id order by v.movie_id), '{}'), coalesce(array_agg(v.value order by v.movie_id), '{}')
    into v_ids, v_values
    from public.match_values(null, array[p_user_id]) v;
    if v_same then
      select coalesce(array_agg(coalesce(o.movie_id, c.movie_id)), '{}') into v_changed
      from unnest(v_row.signal_ids, v_row.signal_values) as o(movie_id, value)
      full join unnest(v_ids, v_values) as c(movie_id, value) on c.movie_id = o.movie_id
      where o.value is distinct from c.value;
    end if;
    if v_same and cardinality(v_changed) = 0 then
      v_source := v_row.source;
    else
      v_row.depth := coalesce(v_row.depth, public.match_candidate_depth());
      if v_same and cardinality(v_changed) <= 50 then
        v_source := 'update';
        with changed as (
          select coalesce(o.movie_id, c.movie_id) as movie_id, o.value as old_value, c.value as new_value
          from unnest(v_row.signal_ids, v_row.signal_values) as o(movie_id, value)
          full join unnest(v_ids, v_values) as c(movie_id, value) on c.movie_id = o.movie_id
          where o.value is distinct from c.value
        ),
        stored as (
          select s.other_id, s.shared, s.agreed, s.diff_sum
          from unnest(v_row.other_ids, v_row.shared_counts, v_row.agreed_counts, v_row.diff_sums)
            as s(other_id, shared, agreed, diff_sum)
        ),
        theirs as materialized (
          select t.user_id, t.movie_id, t.value from public.match_values(v_changed, null) t
          where t.user_id <> p_user_id
        ),
        delta as (
          select t.user_id,
                 sum((ch.new_value is not null)::integer - (ch.old_value is not null)::integer) as dn,
                 sum(coalesce((abs(ch.new_value - t.value) <= 0.5)::integer, 0)
                     - coalesce((abs(ch.old_value - t.value) <= 0.5)::integer, 0)) as da,
                 sum(coalesce(abs(ch.new_value - t.value), 0) - coalesce(abs(ch.old_value - t.value), 0)) as dd
          from theirs t join changed ch on ch.movie_id = t.movie_id
          group by t.user_id
        ),
        updated as (
          select s.other_id, s.shared + coalesce(d.dn, 0)::integer as shared,
                 s.agreed + coalesce(d.da, 0)::integer as agreed, (s.diff_sum + coalesce(d.dd, 0))::real as diff_sum
          from stored s left join delta d on d.user_id = s.other_id
        ),
        entering as (
          select f.* from public.match_pair_stats(p_user_id, v_ids, v_values,
            array(select t.user_id from theirs t join changed ch on ch.movie_id = t.movie_id
                  where not exists (select 1 from stored s where s.other_id = t.user_id)
                  group by t.user_id
                  order by min(case when ch.new_value is null then 2 - abs(ch.old_value - t.value)
                                    else abs(ch.new_value - t.value) end), t.user_id
                  limit 200)) f
        ),
        pairs as (select * from updated union all select * from entering),
        kept as (
          select p.*, public.match_similarity(p.shared, p.diff_sum, p_shrinkage) as s,
                 p.shared >= p_min_overlap and public.match_similarity(p.shared, p.diff_sum, p_shrinkage) >= p_threshold
                   as is_match,
                 public.match_similarity(p.shared + 1, p.diff_sum, p_shrinkage) as s1
          from pairs p
          where p.shared + 1 >= p_min_overlap and public.match_similarity(p.shared + 1, p.diff_sum, p_shrinkage) >= p_threshold
        ),
        ranked as (
          select k.*, row_number() over (partition by k.is_match
                                         order by case when k.is_match then k.s else k.s1 end desc, k.other_id) as r
          from kept k
        )
        select coalesce(array_agg(k.other_id order by k.is_match desc, k.r), '{}'),
               coalesce(array_agg(k.shared order by k.is_match desc, k.r), '{}'),
               coalesce(array_agg(k.agreed order by k.is_match desc, k.r), '{}'),
               coalesce(array_agg(k.diff_sum order by k.is_match desc, k.r), '{}')
        into v_row.other_ids, v_row.shared_counts, v_row.agreed_counts, v_row.diff_sums
        from ranked k where k.r <= v_row.depth;
      else
        v_source := 'request';
        with kept as (
          select p.*, public.match_similarity(p.shared, p.diff_sum, p_shrinkage) as s,
                 p.shared >= p_min_overlap and public.match_similarity(p.shared, p.diff_sum, p_shrinkage) >= p_threshold
                   as is_match,
                 public.match_similarity(p.shared + 1, p.diff_sum, p_shrinkage) as s1
          from public.match_pair_stats(p_user_id, v_ids, v_values) p
          where p.shared + 1 >= p_min_overlap and public.match_similarity(p.shared + 1, p.diff_sum, p_shrinkage) >= p_threshold
        ),
        ranked as (
          select k.*, row_number() over (partition by k.is_match
                                         order by case when k.is_match then k.s else k.s1 end desc, k.other_id) as r
          from kept k
        )
        select coalesce(array_agg(k.other_id order by k.is_match desc, k.r), '{}'),
               coalesce(array_agg(k.shared order by k.is_match desc, k.r), '{}'),
               coalesce(array_agg(k.agreed order by k.is_match desc, k.r), '{}'),
               coalesce(array_agg(k.diff_sum order by k.is_match desc, k.r), '{}')
        into v_row.other_ids, v_row.shared_counts, v_row.agreed_counts, v_row.diff_sums
        from ranked k where k.r <= v_row.depth;
      end if;
    end if;
    if exists (select 1 from public.users u where u.id = p_user_id) then
      insert into public.user_match_candidates as c
        (user_id, computed_at, source, fingerprint, threshold, min_overlap, shrinkage, depth, signal_ids,
         signal_values, other_ids, shared_counts, agreed_counts, diff_sums)
      values (p_user_id, now(), v_source, v_fingerprint, p_threshold, p_min_overlap, p_shrinkage, v_row.depth,
              v_ids, v_values, v_row.other_ids, v_row.shared_counts, v_row.agreed_counts, v_row.diff_sums)
      on conflict (user_id) do update set
        computed_at = excluded.computed_at, source = excluded.source, fingerprint = excluded.fingerprint,
        threshold = excluded.threshold, min_overlap = excluded.min_overlap, shrinkage = excluded.shrinkage,
        depth = excluded.depth, signal_ids = excluded.signal_ids, signal_values = excluded.signal_values,
        other_ids = excluded.other_ids, shared_counts = excluded.shared_counts,
        agreed_counts = excluded.agreed_counts, diff_sums = excluded.diff_sums;
    end if;
  end if;
  return query
    select u.o, u.n, u.a, u.d, s.similarity, u.n >= p_min_overlap and s.similarity >= p_threshold
    from unnest(v_row.other_ids, v_row.shared_counts, v_row.agreed_counts, v_row.diff_sums) as u(o, n, a, d)
    cross join lateral (select public.match_similarity(u.n, u.d, p_shrinkage) as similarity) s
    order by 5 desc, 1;
end
$$;

comment on function public.user_matches is 'A user''s matched and nearly matched users (shrunk agreement over shared ratings and likes), from the nightly candidates, updated for the user''s own changed films at once.';

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

-- match_evidence_of: for the given films, which of the user's matches liked each (4 stars or more, or a like;
-- how many in all, and up to 3 by id, best match first) and potentialMatches: how many opted-in users the user
-- does not match yet would match if the user liked the film (the pair gains the film, with the other user's value
-- on it). Only near pairs can cross, so only they are read. Only other users who opted in (users.matchable) count.
-- One row per given film that has evidence (films nobody counts for have none). Cost: the stored pairs
-- (user_matches, at most 2 x depth users) and the signals of those users on the given films only: about one index
-- probe per pair and film. No caller check: called by the security-definer functions below after theirs.
create or replace function public.match_evidence_of(
  p_user_id uuid,
  p_movie_ids integer[],
  p_threshold real,
  p_min_overlap integer,
  p_shrinkage real
)
returns table (
  movie_id integer, matched_count integer, matched_ids uuid[], matched_similarities real[], potential_matches integer
)
language sql
volatile
set search_path = public, extensions
set plan_cache_mode = force_custom_plan
as $$
  with pairs as materialized (
    select m.* from public.user_matches(p_user_id, p_threshold, p_min_overlap, p_shrinkage) m
    join public.users u on u.id = m.other_id and u.matchable and u.deleted_at is null
  ),
  vals as materialized (
    select v.* from public.match_values(p_movie_ids, array(select pairs.other_id from pairs)) v
  ),
  influenced as (
    select v.movie_id, count(*)::integer as n,
           (array_agg(p.other_id order by p.similarity desc, p.other_id))[1:3] as ids,
           (array_agg(p.similarity order by p.similarity desc, p.other_id))[1:3] as sims
    from vals v join pairs p on p.other_id = v.user_id and p.matched
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
  select coalesce(i.movie_id, p.movie_id), coalesce(i.n, 0), coalesce(i.ids, '{}'), coalesce(i.sims, '{}'),
         coalesce(p.n, 0)
  from influenced i full join potential p on p.movie_id = i.movie_id
$$;

comment on function public.match_evidence_of is 'Match evidence of films for a user, by user id: matches who liked each, and users a like would newly match.';

-- match_evidence: match_evidence_of for the films of one served batch, with the matches named (username and
-- display name, read live) instead of by id. One row per given film, in the given order; nothing when the caller
-- has not opted in. Computed on every call: for a list that is not stored (a filtered request). Security definer
-- with a pinned search_path and the caller check.
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
    with e as materialized (
      select e.* from public.match_evidence_of(p_user_id, p_movie_ids, p_threshold, p_min_overlap, p_shrinkage) e
    )
    select f.id, coalesce(e.matched_count, 0), coalesce(n.usernames, '{}'), coalesce(n.names, '{}'),
           coalesce(e.matched_similarities, '{}'), coalesce(e.potential_matches, 0)
    from unnest(p_movie_ids) with ordinality as f(id, k)
    left join e on e.movie_id = f.id
    left join lateral (
      select array_agg(u.username order by o.k) as usernames, array_agg(u.display_name order by o.k) as names
      from unnest(e.matched_ids) with ordinality as o(id, k) join public.users u on u.id = o.id
    ) n on true
    order by f.k;
end
$$;

comment on function public.match_evidence is 'Per film of a served batch: the caller''s matches who liked it and how many users liking it would newly match (matchedUsers, potentialMatches).';

-- match_evidence_key: everything a user's match evidence depends on besides the films and the other users'
-- signals on them: the user's own signals (match_fingerprint), their stored pairs (when user_match_candidates
-- last changed), the profiles of the users in those pairs (how many are left, their newest profile change:
-- opting in or out, a new name, a deletion all move it) and the settings. Evidence stored under the current key
-- is what match_evidence_of would compute, except for other users' signal changes since (which reach the pairs
-- at the nightly run too). Cost: two index scans of the user's signals, the user's pairs row, one primary-key
-- read per stored pair (at most 2 x depth).
-- PL/pgSQL with plan_cache_mode = auto, as match_fingerprint (every statement reads one user's rows by key).
create or replace function public.match_evidence_key(
  p_user_id uuid,
  p_threshold real,
  p_min_overlap integer,
  p_shrinkage real
)
returns text
language plpgsql
stable
set search_path = public, extensions
set plan_cache_mode = auto
as $$
declare
  v_pairs text;
begin
  select extract(epoch from c.computed_at)::text || '|' || (
           select count(*) || '@' || coalesce(extract(epoch from max(u.updated_at))::text, '')
           from unnest(c.other_ids) as o(id) join public.users u on u.id = o.id)
  into v_pairs
  from public.user_match_candidates c where c.user_id = p_user_id;
  return concat_ws('|', public.match_fingerprint(p_user_id), p_threshold, p_min_overlap, p_shrinkage, v_pairs);
end
$$;

comment on function public.match_evidence_key is 'What a user''s stored match evidence depends on (own signals, stored pairs, those users'' profiles, settings): recommendation_cache.match_key.';

-- stored_match_evidence: the match evidence of served films of a user's stored list (recommendation_cache rows
-- of p_strategy), as match_evidence answers it, read from the rows when stored under the current
-- match_evidence_key. p_compute true: when a film lacks it, it is computed (match_evidence_of) for every film of
-- p_movie_ids and p_upcoming (the films the list will serve next) that lacks it, and stored on their rows; so
-- serving the same batch again, a first batch of an unchanged list, and the list's next batches read it. The
-- cost of one computation hardly depends on the number of films (it reads each paired user's signals once), so
-- the list's later batches come almost free. p_compute false: films without it are left out. The matches are
-- named live. Nothing when the user has not opted in. One row per film of p_movie_ids with evidence, in no order.
-- Concurrent callers compute the same rows and the last write stands (derived data).
-- No caller check: called by recommendation_list and recommendation_items after theirs.
create or replace function public.stored_match_evidence(
  p_user_id uuid,
  p_strategy text,
  p_movie_ids integer[],
  p_threshold real,
  p_min_overlap integer,
  p_shrinkage real,
  p_compute boolean,
  p_upcoming integer[] default null
)
returns table (
  movie_id integer, matched_count integer, matched_usernames text[], matched_display_names text[],
  matched_similarities real[], potential_matches integer
)
language plpgsql
volatile
set search_path = public, extensions
set plan_cache_mode = auto
as $$
declare
  v_key text;
  v_stale integer[];
  v_rows jsonb;
begin
  if coalesce(cardinality(p_movie_ids), 0) = 0 or p_threshold is null
     or not exists (select 1 from public.users u where u.id = p_user_id and u.matchable and u.deleted_at is null) then
    return;
  end if;
  v_key := public.match_evidence_key(p_user_id, p_threshold, p_min_overlap, p_shrinkage);
  if p_compute then
    if exists (select 1 from public.recommendation_cache c
               where c.user_id = p_user_id and c.strategy = p_strategy and c.movie_id = any (p_movie_ids)
                 and c.match_key is distinct from v_key) then
      select array_agg(c.movie_id) into v_stale from public.recommendation_cache c
      where c.user_id = p_user_id and c.strategy = p_strategy
        and (c.movie_id = any (p_movie_ids) or c.movie_id = any (coalesce(p_upcoming[1:100], '{}')))
        and c.match_key is distinct from v_key;
      select coalesce(jsonb_agg(to_jsonb(e)), '[]') into v_rows
      from public.match_evidence_of(p_user_id, v_stale, p_threshold, p_min_overlap, p_shrinkage) e;
      -- Computing may have updated the user's stored pairs (their signals moved): store under the key after.
      v_key := public.match_evidence_key(p_user_id, p_threshold, p_min_overlap, p_shrinkage);
      update public.recommendation_cache c
      set match_key = v_key, matched_count = coalesce(e.matched_count, 0), matched_ids = coalesce(e.matched_ids, '{}'),
          matched_similarities = coalesce(e.matched_similarities, '{}'),
          potential_matches = coalesce(e.potential_matches, 0)
      from unnest(v_stale) as f(id)
      left join jsonb_to_recordset(v_rows) as e(movie_id integer, matched_count integer, matched_ids uuid[],
                                                matched_similarities real[], potential_matches integer)
        on e.movie_id = f.id
      where c.user_id = p_user_id and c.strategy = p_strategy and c.movie_id = f.id;
    end if;
  end if;
  return query
    select c.movie_id, c.matched_count, coalesce(n.usernames, '{}'), coalesce(n.names, '{}'),
           coalesce(c.matched_similarities, '{}'), c.potential_matches
    from public.recommendation_cache c
    left join lateral (
      select array_agg(u.username order by o.k) as usernames, array_agg(u.display_name order by o.k) as names
      from unnest(c.matched_ids) with ordinality as o(id, k) join public.users u on u.id = o.id
    ) n on true
    where c.user_id = p_user_id and c.strategy = p_strategy and c.movie_id = any (p_movie_ids)
      and c.match_key = v_key;
end
$$;

comment on function public.stored_match_evidence is 'Match evidence of served films of a stored list, read from its rows when current, else (when asked) computed for those films and stored.';

revoke execute on function public.match_similarity(integer, real, real), public.match_values(integer[], uuid[]),
  public.match_fingerprint(uuid), public.match_signal_snapshot(), public.match_pair_stats(uuid, integer[], real[], uuid[]),
  public.match_candidate_depth(), public.user_matches(uuid, real, integer, real),
  public.get_matches(uuid, real, integer, real, integer), public.match_evidence(uuid, integer[], real, integer, real),
  public.match_evidence_of(uuid, integer[], real, integer, real), public.match_evidence_key(uuid, real, integer, real),
  public.stored_match_evidence(uuid, text, integer[], real, integer, real, boolean, integer[])
from public;

grant execute on function public.match_similarity(integer, real, real) to anon, authenticated, service_role;

grant execute on function public.match_values(integer[], uuid[]), public.match_fingerprint(uuid),
  public.match_signal_snapshot(), public.match_pair_stats(uuid, integer[], real[], uuid[]),
  public.match_candidate_depth(), public.user_matches(uuid, real, integer, real),
  public.match_evidence_of(uuid, integer[], real, integer, real), public.match_evidence_key(uuid, real, integer, real),
  public.stored_match_evidence(uuid, text, integer[], real, integer, real, boolean, integer[])
  to service_role;

grant execute on function public.get_matches(uuid, real, integer, real, integer),
  public.match_evidence(uuid, integer[], real, integer, real)
  to authenticated, service_role;

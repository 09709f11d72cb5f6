-- Hand-written: match evidence stored on the served rows of a stored list (issue 13), so a batch served again,
-- or a first batch of an unchanged list, reads it instead of recomputing it. Derived data: null until a batch
-- serves the film; the key says when it is stale.
alter table public.recommendation_cache
  add column match_key text,
  add column matched_count integer,
  add column matched_ids uuid[],
  add column matched_similarities real[],
  add column potential_matches integer;

comment on column public.recommendation_cache.match_key is 'The match evidence stored on this row was computed under this match_evidence_key (the user''s signals, their stored match pairs, those users'' profiles, the settings); null or another key: not stored, computed when the film is served.';

comment on column public.recommendation_cache.matched_count is 'Match evidence, as of match_key: the user''s opted-in matches who liked the film.';

comment on column public.recommendation_cache.matched_ids is 'Match evidence: up to 3 of those matches (users.id), best match first; their names are read live when served.';

comment on column public.recommendation_cache.matched_similarities is 'Match evidence: the similarity of each of matched_ids.';

comment on column public.recommendation_cache.potential_matches is 'Match evidence: opted-in users the user would newly match by liking the film (potentialMatches).';

insert into public.personal_data_columns (table_name, column_name, match, note) values
  ('recommendation_cache', 'matched_ids', 'contains', 'other users'' stored list rows whose match evidence names the user')
on conflict do nothing;

-- Hand-written: the EASE λ `marquee tune` fits beside the blend, read by the nightly job.
alter table public.recommendation_blend add column ease_lambda real check (ease_lambda > 0);

comment on column public.recommendation_blend.ease_lambda is 'EASE''s L2 penalty fitted on the same validation split (null: not fitted); the nightly job trains with the newest one unless told otherwise.';

-- Comments on the movies columns the catalogue migration left undescribed (operators read them in the Supabase
-- dashboard; test/sql/schema.test.ts requires one on every column of movies).
comment on column public.movies.created_at is 'When the film was first added to the catalogue.';
comment on column public.movies.updated_at is 'Last change to the row (set by the movies_touch_updated_at trigger).';

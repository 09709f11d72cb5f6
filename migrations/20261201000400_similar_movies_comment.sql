-- similar_movies no longer backs GET /v1/movies/{id}/similar (get_similar_movies does, blending co-rating with this
-- same embedding similarity); it stays as an RPC for clients that want embedding neighbours alone.
comment on function public.similar_movies is 'Films nearest to a film by embedding alone (an RPC for direct callers; GET /v1/movies/{id}/similar uses get_similar_movies).';

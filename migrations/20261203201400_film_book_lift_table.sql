-- Hand-written: the lift of each film-to-book pair (book-neighbours.ts writes it nightly; null until then).
alter table public.film_book_neighbours add column lift real;

comment on column public.film_book_neighbours.lift is 'Among readers (people with a 4+ star book): (readers / fans of the book) / (readers who are fans of the film / all readers); 1 = the book''s fans love the film no more than readers at large. Null for rows from before it was computed.';

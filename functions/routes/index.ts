/** Every endpoint, registered in one place; each lives in its own file under routes/<resource>/. */
import type { App } from "../context";
import * as changePassword from "./auth/change-password";
import * as deleteMe from "./auth/delete-me";
import * as getMe from "./auth/get-me";
import * as login from "./auth/login";
import * as registerAccount from "./auth/register";
import * as signOutEverywhere from "./auth/sign-out-everywhere";
import * as updateMe from "./auth/update-me";
import * as deleteBookRating from "./books/delete-book-rating";
import * as getBook from "./books/get-book";
import * as listBookRecommendations from "./books/list-book-recommendations";
import * as listBooks from "./books/list-books";
import * as listMyBookInteractions from "./books/list-my-book-interactions";
import * as listMyBookRatings from "./books/list-my-book-ratings";
import * as listSimilarBooks from "./books/list-similar-books";
import * as putBookRating from "./books/put-book-rating";
import * as recordBookInteraction from "./books/record-book-interaction";
import * as removeBookInteraction from "./books/remove-book-interaction";
import * as listGenres from "./genres/list-genres";
import * as getImport from "./imports/get-import";
import * as importLetterboxd from "./imports/import-letterboxd";
import * as listMyInteractions from "./interactions/list-my-interactions";
import * as recordInteraction from "./interactions/record-interaction";
import * as removeInteraction from "./interactions/remove-interaction";
import * as listMatches from "./matches/list-matches";
import * as getMovie from "./movies/get-movie";
import * as listMovies from "./movies/list-movies";
import * as listSimilarWithReasons from "./movies/list-similar-movies";
import * as ratingAliases from "./ratings/cinelibre-aliases";
import * as deleteRating from "./ratings/delete-rating";
import * as listMyRatings from "./ratings/list-my-ratings";
import * as putRating from "./ratings/put-rating";
import * as listPopular from "./recommendations/list-popular";
import * as listRecommendations from "./recommendations/list-recommendations";
import * as nextRecommendations from "./recommendations/next-recommendations";
import * as seedAliases from "./recommendations/seed-aliases";
import * as sessionRecommendations from "./recommendations/session-recommendations";
import * as searchMovies from "./search/search-movies";
import * as getDocs from "./system/get-docs";
import * as getHealth from "./system/get-health";
import * as getPing from "./system/get-ping";
import * as getMyTaste from "./taste/get-my-taste";
import * as getTasteGroup from "./taste/get-taste-group";
import * as checkUsername from "./usernames/check-username";
import * as debugUsername from "./usernames/debug-username";
import * as getMemory from "./usernames/get-memory";
import * as listUsernameRecommendations from "./usernames/list-username-recommendations";
import * as preloadUsernames from "./usernames/preload-usernames";
import * as warmUsernameCache from "./usernames/warm-username-cache";

export function registerRoutes(app: App) {
  for (const endpoint of [getPing, getHealth, getDocs, listMovies, getMovie, listGenres]) endpoint.register(app);

  for (const endpoint of [registerAccount, login, getMe, updateMe, deleteMe, changePassword, signOutEverywhere])
    endpoint.register(app);
  for (const endpoint of [listMyRatings, putRating, deleteRating, ratingAliases]) endpoint.register(app);
  for (const endpoint of [recordInteraction, listMyInteractions, removeInteraction]) endpoint.register(app);
  for (const endpoint of [importLetterboxd, getImport, getMyTaste, getTasteGroup]) endpoint.register(app);
  listMatches.register(app);
  // The Movie Recommender API's paths (/api/v1/...), over the same code.
  seedAliases.register(app);
  // The seeds' username paths, answering with a mode (ultra_fast, fallback, error) within a time budget.
  for (const endpoint of [
    checkUsername,
    listUsernameRecommendations,
    warmUsernameCache,
    preloadUsernames,
    debugUsername,
    getMemory,
  ])
    endpoint.register(app);

  // GET /v1/movies/{id}/similar blends co-rating with content similarity (embeddings where present, through
  // similar_movies) and explains each film.
  // /next before the list route's siblings: a literal path segment, declared once.
  for (const endpoint of [
    nextRecommendations,
    sessionRecommendations,
    listRecommendations,
    listPopular,
    listSimilarWithReasons,
    searchMovies,
  ])
    endpoint.register(app);

  // The second catalogue: books beside films (supabase/schemas/10_books.sql).
  for (const endpoint of [
    listBooks,
    getBook,
    listSimilarBooks,
    listBookRecommendations,
    listMyBookRatings,
    putBookRating,
    deleteBookRating,
    recordBookInteraction,
    listMyBookInteractions,
    removeBookInteraction,
  ])
    endpoint.register(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: "Marquee API",
      version: c.get("services")?.config.APP_VERSION ?? "0.1.0",
      description:
        'Movie and book recommendations at the edge. Every error is `{"error":{"code","message","requestId"}}`. ' +
        "This product uses the TMDB API but is not endorsed or certified by TMDB. Book data: Open Library (CC0); " +
        "the demo books are derived from goodbooks-10k by Zygmunt Zając, CC BY-SA 4.0.",
    },
    servers: [{ url: new URL(c.req.url).origin }],
  }));
}

/** `marquee serve`: the same as `npm start`. */
import type { Command } from "./command";

export const serveCommand: Command = {
  name: "serve",
  summary: "Run the API server on PORT (default 8787), migrating and seeding the embedded database first",
  usage: "",
  async run() {
    await import("../main");
    return new Promise<number>(() => {}); // runs until a signal stops it
  },
};

import { defineConfig } from "drizzle-kit";

// One config per database: each owns its schema file and its migrations folder.
export default defineConfig({
  dialect: "sqlite",
  schema: "./db/links.ts",
  out: "./migrations/links",
});

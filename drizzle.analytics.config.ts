import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./db/analytics.ts",
  out: "./migrations/analytics",
});

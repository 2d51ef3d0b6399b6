import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./db/webhooks.ts",
  out: "./migrations/webhooks",
});

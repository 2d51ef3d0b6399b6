import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./db/billing.ts",
  out: "./migrations/billing",
});

import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./db/ledger.ts",
  out: "./migrations/ledger",
});

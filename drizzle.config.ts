import { defineConfig } from "drizzle-kit";

/**
 * One database's drizzle-kit config: its schema is db/<name>.ts and its migrations go to
 * migrations/<name> (where its wrangler config's migrations_dir points; test/tooling checks).
 */
export function drizzleConfigOf(name: string) {
  return defineConfig({ dialect: "sqlite", schema: `./db/${name}.ts`, out: `./migrations/${name}` });
}

// drizzle-kit runs one schema and one output folder at a time: LINKFLOW_DB names the database
// (`npm run db:generate` sets it for each of scripts/stack.mjs's DATABASES). Unset, drizzle-kit
// stops on the missing schema file, whose name says what to set.
export default drizzleConfigOf(process.env["LINKFLOW_DB"] ?? "LINKFLOW_DB-not-set");

import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

/**
 * The vitest project of a consumer Worker (workers/consumers/<name>): its own wrangler.toml,
 * its database's migrations (applied by test/apply-migrations.ts), and a recorder Worker that
 * consumes `delivery-reports` (the fan-out's job in the stack) and is bound as RECORDER, so tests
 * see what the consumer reported. What differs per Worker is passed in and commented there.
 */
/** The plugin's Miniflare options for the Worker under test. */
type PluginOptions = Extract<Parameters<typeof cloudflareTest>[0], { miniflare?: unknown }>;
type MiniflareOptions = Exclude<NonNullable<PluginOptions["miniflare"]>, (...args: never[]) => unknown>;

export interface ConsumerProjectOptions {
  /** The D1 migrations folder under migrations/ (also turns on test/apply-migrations.ts). */
  database?: string;
  /** Vars and other plain bindings over the wrangler.toml's. */
  bindings?: Record<string, unknown>;
  /** More service bindings beside RECORDER. */
  serviceBindings?: Extract<MiniflareOptions["serviceBindings"], Record<string, unknown>>;
  /** The Worker's outbound fetch, answered by the test. */
  outboundService?: MiniflareOptions["outboundService"];
  testTimeout?: number;
}

export const ROOT = path.resolve(import.meta.dirname, "../..");

export function consumerProject(name: string, options: ConsumerProjectOptions = {}) {
  const dir = `workers/consumers/${name}`;
  return defineProject(async () => ({
    plugins: [
      cloudflareTest({
        wrangler: { configPath: path.join(ROOT, dir, "wrangler.toml") },
        miniflare: {
          bindings: {
            ...(options.database ? { TEST_MIGRATIONS: await readD1Migrations(path.join(ROOT, "migrations", options.database)) } : {}),
            ...options.bindings,
          },
          ...(options.outboundService ? { outboundService: options.outboundService } : {}),
          serviceBindings: { RECORDER: "report-recorder", ...options.serviceBindings },
          workers: [
            {
              name: "report-recorder",
              modules: true,
              scriptPath: path.join(ROOT, "test/support/event-recorder.js"),
              compatibilityDate: "2026-11-01",
              queueConsumers: { "delivery-reports": { maxBatchSize: 100, maxBatchTimeout: 0.05 } },
            },
          ],
        },
      }),
    ],
    test: {
      name,
      root: ROOT,
      include: [`${dir}/test/**/*.test.ts`],
      ...(options.database ? { setupFiles: [`${dir}/test/apply-migrations.ts`] } : {}),
      ...(options.testTimeout ? { testTimeout: options.testTimeout } : {}),
    },
  }));
}

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { applyMigrations, ensureDevVars, freePort, startStack } from "../../scripts/stack.mjs";

/** The tag that makes one subscriber fail on purpose (see workers/shared/consumer/fault-injection.ts). */
export const FAULT_TAG = "e2e-fault";

declare module "vitest" {
  interface ProvidedContext {
    baseUrl: string;
    adminToken: string;
    faultTag: string;
  }
}

/** Boots the whole stack once for the e2e files; tears it down with its state afterwards. */
export default async function setup(project: TestProject) {
  const persistTo = await mkdtemp(path.join(tmpdir(), "linkflow-e2e-"));
  const vars = ensureDevVars();
  const adminToken = vars["ADMIN_TOKEN"];
  if (!adminToken) throw new Error("ensureDevVars() gave no ADMIN_TOKEN");
  await applyMigrations({ persistTo, echo: false });
  const stack = await startStack({
    port: await freePort(),
    persistTo,
    logFile: path.join(persistTo, "wrangler.log"),
    vars: { FAULT_INJECTION_TAG: FAULT_TAG },
  });
  project.provide("baseUrl", stack.baseUrl);
  project.provide("adminToken", adminToken);
  project.provide("faultTag", FAULT_TAG);
  return async () => {
    if (process.env["E2E_KEEP_LOGS"]) console.log(stack.logs());
    await stack.stop();
    await rm(persistTo, { recursive: true, force: true });
  };
}

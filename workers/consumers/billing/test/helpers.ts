import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { deliverBatch, waitForReports, type DeliveryReport } from "../../../../test/support/consumer-harness";
import { valueOf } from "../../../../test/support/rpc-answers";
import worker from "../src/index";
import type { Usage } from "../src/usage";

/** The Worker's own Usage entrypoint, over real RPC (typed: the generated `exports` type is the api's). */
export const usageRpc = (exports as unknown as Record<"Usage", Service<Usage>>).Usage;

/** Its answers' values, for the tests that expect one. */
export const usage = {
  setPlan: async (input: unknown) => valueOf(await usageRpc.setPlan(input)),
  forTeam: async (input: unknown) => valueOf(await usageRpc.forTeam(input)),
};

export const deliver = (bodies: unknown[], attempts = 1) => deliverBatch(worker, env, "billing-events", bodies, attempts);

export function reportsOf(eventId: string, count = 1): Promise<DeliveryReport["reports"]> {
  return waitForReports(
    env.RECORDER,
    (all) => all.filter((r) => r.subscriber === "billing").flatMap((r) => r.reports.filter((x) => x.eventId === eventId)),
    count,
  );
}

export function invalidReportsWith(marker: string, count = 1): Promise<DeliveryReport["invalid"]> {
  return waitForReports(
    env.RECORDER,
    (all) => all.filter((r) => r.subscriber === "billing").flatMap((r) => r.invalid.filter((x) => x.body.includes(marker))),
    count,
  );
}

export async function ledgerRows(teamId: string) {
  const { results } = await env.BILLING_DB.prepare("SELECT event_id, link_id, period FROM usage_ledger WHERE team_id = ? ORDER BY created_at")
    .bind(teamId)
    .all<{ event_id: string; link_id: string; period: string }>();
  return results;
}

import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { z } from "zod";
import { deliverBatch, waitForReports, type DeliveryReport } from "../../../../test/support/consumer-harness";
import { valueOf } from "../../../../test/support/rpc-answers";
import worker from "../src/index";
import type { Stats } from "../src/stats";

/** The Worker's own Stats entrypoint, over real RPC (typed: the generated `exports` type is the api's). */
export const statsRpc = (exports as unknown as Record<"Stats", Service<Stats>>).Stats;

/** Its answers' values, for the tests that expect one. */
export const stats = {
  forLink: async (input: unknown) => valueOf(await statsRpc.forLink(input)),
  forTeam: async (input: unknown) => valueOf(await statsRpc.forTeam(input)),
};

export const deliver = (bodies: unknown[], attempts = 1) => deliverBatch(worker, env, "analytics-events", bodies, attempts);

export const UA = {
  safariMac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  chromeAndroid: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
  firefoxWindows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
  safariIpad: "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  googlebot: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
} as const;

/** Every report this consumer sent about `eventId`, once there are `count` of them. */
export function reportsOf(eventId: string, count = 1): Promise<DeliveryReport["reports"]> {
  return waitForReports(
    env.RECORDER,
    (all) => all.filter((r) => r.subscriber === "analytics").flatMap((r) => r.reports.filter((x) => x.eventId === eventId)),
    count,
  );
}

/** Dead letters this consumer reported whose body contains `marker`. */
export function invalidReportsWith(marker: string, count = 1): Promise<DeliveryReport["invalid"]> {
  return waitForReports(
    env.RECORDER,
    (all) => all.filter((r) => r.subscriber === "analytics").flatMap((r) => r.invalid.filter((x) => x.body.includes(marker))),
    count,
  );
}

const keyClicks = z.array(z.strictObject({ key: z.string(), clicks: z.number().int().positive() }));

/** API.md's stats answer, strictly: an extra or missing field fails. */
export const statsShape = z.strictObject({
  clicks: z.number().int().min(0),
  uniqueVisitors: z.number().int().min(0),
  botClicks: z.number().int().min(0),
  qrScans: z.number().int().min(0),
  timeseries: z.array(z.strictObject({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), clicks: z.number().int().min(0) })),
  countries: keyClicks,
  referrers: keyClicks,
  devices: keyClicks,
  browsers: keyClicks,
  os: keyClicks,
  cities: keyClicks,
  regions: keyClicks,
  rules: keyClicks,
});

export async function linkRecord(linkId: string) {
  return env.ANALYTICS_DB.prepare("SELECT team_id, slug, created_at, deleted_at FROM analytics_links WHERE link_id = ?")
    .bind(linkId)
    .first<{ team_id: string; slug: string | null; created_at: string | null; deleted_at: string | null }>();
}

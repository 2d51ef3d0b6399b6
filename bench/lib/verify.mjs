// After the burst: nothing lost, nothing counted twice. Every figure is read back through the
// public API (ledger, usage, stats, QR codes) or from what our own clients received (feed frames,
// webhook deliveries).
import { z } from "zod";
import { getJson, getStatus, mapConcurrent } from "./api.mjs";
import { waitIdle } from "./proc-stats.mjs";

const usageShape = z.object({ linksCreated: z.number() });
const statsShape = z.object({ clicks: z.number(), botClicks: z.number() });
// A browser's: the bench's clicks must count as people's, not bots'.
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/**
 * @typedef {object} Check
 * @property {string} what
 * @property {boolean} ok
 * @property {string} detail
 */

/**
 * @typedef {object} VerifyContext
 * @property {URL} base
 * @property {number[]} pids
 * @property {import("./api.mjs").Team} team
 * @property {import("./api.mjs").Link[]} links
 * @property {string[]} eventIds
 * @property {Map<string, import("./ledger.mjs").Delivery[]>} deliveries
 * @property {Set<string>} present
 * @property {import("./feed-listener.mjs").FeedListener} feed
 * @property {import("./webhook-receiver.mjs").Receiver | null} receiver null without the webhooks Worker
 * @property {(line: string) => void} log
 */

/**
 * @param {VerifyContext} ctx
 * @returns {Promise<Check[]>}
 */
export async function verifyBurst({ base, pids, team, links, eventIds, deliveries, present, feed, receiver, log }) {
  const n = links.length;
  /** @type {Check[]} */
  const checks = [];
  const check = (/** @type {string} */ what, /** @type {boolean} */ ok, /** @type {string} */ detail) => {
    checks.push({ what, ok, detail });
    log(`  ${ok ? "ok  " : "FAIL"} ${what}: ${detail}`);
  };

  for (const subscriber of [...present].sort()) {
    const mine = eventIds.map((id) => (deliveries.get(id) ?? []).find((d) => d.subscriber === subscriber));
    const delivered = mine.filter((d) => d?.status === "delivered").length;
    const duplicates = mine.reduce((sum, d) => sum + (d?.duplicates ?? 0), 0);
    check(`ledger: ${subscriber}`, delivered === n, `${delivered}/${n} delivered, ${duplicates} redeliveries recognised as duplicates`);
  }
  const frames = feed.totals();
  const missingFrames = links.filter((l) => feed.firstAt(l.id, "LinkCreated") === undefined).length;
  check(
    "dashboard feed",
    missingFrames === 0 && frames.frames === frames.events,
    `${n - missingFrames}/${n} LinkCreated frames, ${frames.frames - frames.events} repeated`,
  );
  if (receiver) {
    const received = eventIds.map((id) => receiver.receipt(id));
    const unique = received.filter((r) => r !== undefined).length;
    const copies = received.reduce((sum, r) => sum + (r?.count ?? 0), 0);
    check(
      "webhook receipts",
      unique === n,
      `${unique}/${n} link.created received and verified (${copies - unique} retried copies), ${receiver.totals().badSignatures} refused`,
    );
  }

  // One click per link, then the stats must say exactly one per link.
  await mapConcurrent(links, 16, async (link) => {
    const res = await fetch(new URL(`/${link.slug}`, base), { redirect: "manual", headers: { "user-agent": BROWSER_UA } });
    await res.arrayBuffer();
    if (res.status !== 302) throw new Error(`GET /${link.slug} answered ${res.status}`);
  });
  log(`  ${n} clicks (one per link) drained in ${((await waitIdle(pids)) / 1000).toFixed(1)} s`);

  if (present.has("billing")) {
    const usage = await getJson(usageShape, base, team, "/v1/usage");
    check("usage (billing)", usage.linksCreated === n, `linksCreated ${usage.linksCreated}, expected ${n}`);
  }
  if (present.has("analytics")) {
    const team_ = await getJson(statsShape, base, team, "/v1/stats");
    check("team stats (analytics)", team_.clicks === n, `clicks ${team_.clicks} (bots ${team_.botClicks}), expected ${n}`);
    const perLink = await mapConcurrent(links, 8, (l) => getJson(statsShape, base, team, `/v1/links/${l.id}/stats`));
    const exact = perLink.filter((s) => s.clicks === 1).length;
    check("per-link stats (analytics)", exact === n, `${exact}/${n} links with exactly 1 click`);
  }
  if (present.has("qr")) {
    const statuses = await mapConcurrent(links, 8, (l) => getStatus(base, team, `/v1/links/${l.id}/qr`));
    const ready = statuses.filter((s) => s === 200).length;
    check("QR codes (GET /v1/links/:id/qr)", ready === n, `${ready}/${n} answer 200`);
  }
  return checks;
}

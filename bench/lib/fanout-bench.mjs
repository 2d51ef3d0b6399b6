// Part 3 and 4: from a create's 201 to (a) the dashboard's WebSocket frame and (b) the last
// subscriber's `delivered` in the ledger, link by link; then a burst, its drain time, the peak
// memory of workerd meanwhile, and a check that nothing was lost or counted twice.
import { z } from "zod";
import { callOrThrow, createLinkTimed, createTeam, mapConcurrent } from "./api.mjs";
import { listenFeed } from "./feed-listener.mjs";
import { deliveriesOf, eventIdsOf, settledDeliveries } from "./ledger.mjs";
import { quantile } from "./load.mjs";
import { resetPeakMemory, waitIdle, watchMemory } from "./proc-stats.mjs";
import { verifyBurst } from "./verify.mjs";
import { startWebhookReceiver } from "./webhook-receiver.mjs";

const webhookCreated = z.object({ secret: z.string() });

/**
 * @typedef {object} FanoutContext
 * @property {{ url: URL, pids: number[], workerNames: string[] }} stack
 * @property {string} adminToken
 * @property {import("./options.mjs").BenchOptions} options
 * @property {(line: string) => void} log
 */

/** @param {number[]} values */
function spread(values) {
  const sorted = Float64Array.from(values).sort();
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), n: values.length };
}

/**
 * Which subscribers the fan-out routes LinkCreated to (from the ledger of one event), and which
 * of them have their Worker in the stack (`linkflow-<subscriber>`).
 * @param {FanoutContext} ctx
 * @param {import("./api.mjs").Team} team
 */
async function subscribersOf({ stack }, team) {
  const probe = await createLinkTimed(stack.url, team, "https://example.com/fanout/probe");
  const [eventId] = await eventIdsOf(stack.url, team, [probe.id], "LinkCreated");
  if (!eventId) throw new Error("the probe link has no LinkCreated");
  // The fan-out opens a pending delivery per subscriber when it routes the event.
  /** @type {string[]} */
  let all = [];
  await until(async () => {
    all = (await deliveriesOf(stack.url, team, eventId)).map((d) => d.subscriber).sort();
    return all.length > 0;
  }, 30_000);
  if (all.length === 0) throw new Error("the fan-out routed the probe's LinkCreated to no subscriber within 30 s");
  const present = new Set(all.filter((s) => stack.workerNames.includes(`linkflow-${s}`)));
  return { all, present, missing: all.filter((s) => !present.has(s)) };
}

/**
 * A team with a live feed and, when the webhooks Worker runs, an endpoint at our receiver.
 * @param {FanoutContext} ctx
 * @param {string} name
 * @param {import("./webhook-receiver.mjs").Receiver} receiver
 * @param {boolean} webhooks
 */
async function watchedTeam({ stack, adminToken }, name, receiver, webhooks) {
  const team = await createTeam(stack.url, adminToken, name);
  if (webhooks) {
    const hook = await callOrThrow(webhookCreated, stack.url, "POST", "/v1/webhooks", team.auth, { url: receiver.url, events: ["link.created"] });
    receiver.trust(hook.secret);
  }
  return { team, feed: await listenFeed(stack.url, team) };
}

/**
 * Waits until `done` holds, checking every 200 ms; false when the time ran out.
 * @param {() => boolean | Promise<boolean>} done
 * @param {number} timeoutMs
 */
async function until(done, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return true;
}

/**
 * @param {Map<string, import("./ledger.mjs").Delivery[]>} deliveries
 * @param {string} eventId
 * @param {Set<string>} present
 * @returns {number | undefined} when the last present subscriber was recorded delivered
 */
function lastDelivered(deliveries, eventId, present) {
  const mine = (deliveries.get(eventId) ?? []).filter((d) => present.has(d.subscriber));
  if (mine.length < present.size || mine.some((d) => d.status !== "delivered" || !d.processedAt)) return undefined;
  return Math.max(...mine.map((d) => Date.parse(d.processedAt ?? "")));
}

/** @param {FanoutContext} ctx */
export async function benchFanout(ctx) {
  const { stack, options, log } = ctx;
  const receiver = await startWebhookReceiver();
  try {
    const subscribers = await subscribersOf(ctx, await createTeam(stack.url, ctx.adminToken, "bench fan-out probe"));
    const webhooks = subscribers.present.has("webhooks");
    log(`  subscribers of LinkCreated: ${subscribers.all.join(", ")}${subscribers.missing.length ? `; no Worker for: ${subscribers.missing.join(", ")}` : ""}`);
    await waitIdle(stack.pids);

    // (a)/(b): links one at a time, each timed from its 201.
    const one = await watchedTeam(ctx, "bench fan-out", receiver, webhooks);
    /** @type {(import("./api.mjs").Link & { respondedAt: number })[]} */
    const links = [];
    for (let i = 0; i < options.fanout; i++) links.push(await createLinkTimed(stack.url, one.team, `https://example.com/fanout/${i}`));
    const ids = await eventIdsOf(
      stack.url,
      one.team,
      links.map((l) => l.id),
      "LinkCreated",
    );
    const settled = await settledDeliveries(stack.url, one.team, ids, subscribers.present, 120_000);
    await until(() => links.every((l) => one.feed.firstAt(l.id, "LinkCreated") !== undefined), 30_000);
    one.feed.close();
    const toFrame = links.flatMap((l) => {
      const at = one.feed.firstAt(l.id, "LinkCreated");
      return at === undefined ? [] : [at - l.respondedAt];
    });
    const toDelivered = links.flatMap((l, i) => {
      const at = lastDelivered(settled, ids[i] ?? "", subscribers.present);
      return at === undefined ? [] : [at - l.respondedAt];
    });
    const toWebhook = links.flatMap((l, i) => {
      const at = receiver.receipt(ids[i] ?? "")?.firstAt;
      return at === undefined ? [] : [at - l.respondedAt];
    });
    const latency = { frame: spread(toFrame), delivered: spread(toDelivered), webhook: spread(toWebhook), links: links.length };
    log(
      `  ${links.length} links: frame p50 ${latency.frame.p50.toFixed(0)} ms p99 ${latency.frame.p99.toFixed(0)} ms (${toFrame.length} frames); last delivered p50 ${latency.delivered.p50.toFixed(0)} ms p99 ${latency.delivered.p99.toFixed(0)} ms (${toDelivered.length} complete)`,
    );
    await waitIdle(stack.pids);

    // The burst: creates at concurrency 16, then everything drains; memory watched throughout.
    const burst = await watchedTeam(ctx, "bench burst", receiver, webhooks);
    await resetPeakMemory(stack.pids);
    const watch = watchMemory(stack.pids);
    const t0 = performance.timeOrigin + performance.now();
    const made = await mapConcurrent(
      Array.from({ length: options.burst }, (_, i) => i),
      16,
      (i) => createLinkTimed(stack.url, burst.team, `https://example.com/burst/${i}`),
    );
    const sentMs = performance.timeOrigin + performance.now() - t0;
    await waitIdle(stack.pids);
    const memory = await watch.stop();
    const burstIds = await eventIdsOf(
      stack.url,
      burst.team,
      made.map((l) => l.id),
      "LinkCreated",
    );
    const burstSettled = await settledDeliveries(stack.url, burst.team, burstIds, subscribers.present, 180_000);
    await until(() => made.every((l) => burst.feed.firstAt(l.id, "LinkCreated") !== undefined), 30_000);
    const ends = made.flatMap((l, i) => {
      const id = burstIds[i] ?? "";
      const last = [burst.feed.firstAt(l.id, "LinkCreated"), lastDelivered(burstSettled, id, subscribers.present), receiver.receipt(id)?.firstAt];
      return last.filter((t) => t !== undefined);
    });
    const drainMs = Math.max(...ends) - t0;
    log(
      `  burst of ${made.length}: sent in ${(sentMs / 1000).toFixed(1)} s, drained in ${(drainMs / 1000).toFixed(1)} s; workerd peak RSS ${(memory.hwmKb / 1024).toFixed(0)} MB`,
    );
    const verification = await verifyBurst({
      base: stack.url,
      pids: stack.pids,
      team: burst.team,
      links: made,
      eventIds: burstIds,
      deliveries: burstSettled,
      present: subscribers.present,
      feed: burst.feed,
      receiver: webhooks ? receiver : null,
      log,
    });
    burst.feed.close();
    return {
      subscribers: { all: subscribers.all, present: [...subscribers.present], missing: subscribers.missing },
      latency,
      burst: { links: made.length, sentMs, drainMs, memory },
      verification,
    };
  } finally {
    await receiver.stop();
  }
}

// The notes under the bench's table (BENCHMARKS.md): how the run was made and what it saw.
import os from "node:os";

/** The lines under the table: the machine, the sizes, and what each part saw besides its figures. @param {import("./report.mjs").Results} r */
export function notes(r) {
  const o = r.options;
  const lines = [
    `- Machine: ${r.cores} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.versions.node}. Load average (1, 5, 15 min) at the start ${r.loadBefore.map((l) => l.toFixed(2)).join(", ")}, at the end ${r.loadAfter.map((l) => l.toFixed(2)).join(", ")}.`,
    `- Sizes: ${o.links.toLocaleString("en-US")} links, ${o.connections} connections, ${o.rounds} round(s) of ${o.seconds} s per side (median reported); creates ${o.creates1} at concurrency 1 and ${o.creates16} at 16; fan-out ${o.fanout} links; burst ${o.burst}. Redirect layouts: ${o.layouts.join(", ")} (split: the fan-out and consumers in a second workerd at nice 19 while redirects are measured); creates and fan-out ${o.createLayout === "split" ? "split the same way" : "in one workerd"}. State (D1, R2, Durable Objects) on ${r.stateOn}, for the floor too.`,
    `- Workers running: ${r.workers.join(", ")}.`,
  ];
  const lookupsOf = (/** @type {import("./runtime.mjs").Lookups} */ l) => `cache ${l.cache}, KV ${l.kv}, primary ${l.primary}, refused ${l.refused}`;
  if (r.readModel) lines.push(`- Read model before redirects were measured: ${r.readModel.records} of ${r.readModel.links} links had their KV record.`);
  for (const layout of /** @type {const} */ (["split", "single"])) {
    const result = r.redirect[layout];
    if (!result) continue;
    lines.push(
      `- Slug lookups the api logged (${layout}): warm-up (every slug once, ${result.lookups.warmUpRequests} requests) ${lookupsOf(result.lookups.warmUp)}; measured warm rounds (${result.ours.responses} requests) ${lookupsOf(result.lookups.rounds)}; cold rounds (${result.cold.ours.responses} requests) ${lookupsOf(result.cold.lookups)}.`,
    );
  }
  if (r.fanout) {
    const { subscribers, verification } = r.fanout;
    lines.push(
      `- Subscribers of LinkCreated: ${subscribers.all.join(", ")}${subscribers.missing.length ? `. **No Worker for ${subscribers.missing.join(", ")}**: its deliveries stay pending and are left out of the figures above.` : " (all present)."}`,
    );
    lines.push(`- After the burst (each link then clicked once): ${verification.map((c) => `${c.ok ? "✓" : "✗"} ${c.what} (${c.detail})`).join("; ")}.`);
  }
  if (r.clicks) {
    lines.push(
      `- Clicks part, stores that grew (B a click) with the day open: ${r.clicks.stores.map((s) => `${s.name} ${s.perClick.toFixed(1)}`).join("; ")}; after the fold: ${r.clicks.foldedStores.map((s) => `${s.name} ${s.perClick.toFixed(1)}`).join("; ")}. A create: ${r.clicks.createStores.map((g) => `${g.name} ${g.perCreate.toFixed(0)} B`).join("; ")}. Drained ${(r.clicks.drainedMs / 1000).toFixed(1)} s after the last click; ${r.clicks.topicMessages} click batches on the topic, ${r.clicks.copies} copies to subscriber queues.`,
    );
  }
  return lines;
}

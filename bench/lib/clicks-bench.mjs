// Part 5: clicks at production shape. 100 links, then N clicks at a fixed rate (1,000/s by
// default) from browsers with varied user agents, referrers and addresses, plus bots and HEAD
// requests; then, once the pipeline has drained: bytes added to every store per click (SQLite
// page usage of each D1 database and Durable Object), workerd CPU per click for the whole
// pipeline, queue messages per click (from the fan-out's ledger), and every count checked
// against what was sent (clicks, bot clicks, unique visitors per link).
import { z } from "zod";
import { bulkCreate, createTeam, getJson, mapConcurrent } from "./api.mjs";
import { describeLoad, runLoad } from "./load.mjs";
import { cpuMeter, waitIdle } from "./proc-stats.mjs";
import { ledgerCounts, storeGrowth, storeUsage } from "./store-usage.mjs";

const statsShape = z.object({ clicks: z.number(), uniqueVisitors: z.number(), botClicks: z.number() });

const BROWSERS = [
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 OPR/115.0.0.0",
];
const BOTS = [
  "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
  "Twitterbot/1.0",
  "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
  "curl/8.5.0",
];
const REFERRERS = [
  "https://news.ycombinator.com/item?id=1",
  "https://www.google.com/",
  "https://t.co/abc",
  "https://www.reddit.com/r/x",
  "https://mail.example.com/",
  null,
  null,
  null,
];

/** A small deterministic generator, so two runs send the same clicks. */
/** @param {number} seed */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * @typedef {object} ClicksContext
 * @property {{ url: URL, pids: number[], mf: import("miniflare").Miniflare }} stack
 * @property {string} state the stack's persistence directory
 * @property {string} adminToken
 * @property {{ clicks: number, clickRate: number, clickLinks: number, connections: number }} options
 * @property {(line: string) => void} log
 */

/** @param {ClicksContext} ctx */
export async function benchClicks({ stack, state, adminToken, options, log }) {
  const team = await createTeam(stack.url, adminToken, "bench clicks");
  await waitIdle(stack.pids);
  // What a create keeps: the link, its event (outbox and log), the ledger's record and every
  // subscriber's effect and receipt, all within the retention windows.
  const storesBeforeCreates = await storeUsage(state);
  const links = await bulkCreate(stack.url, team, options.clickLinks, "clicks");
  log(`  ${links.length} links created; their events drained in ${((await waitIdle(stack.pids)) / 1000).toFixed(1)} s`);
  const createGrowth = storeGrowth(storesBeforeCreates, await storeUsage(state));
  const bytesPerCreate = createGrowth.reduce((sum, g) => sum + g.bytes, 0) / links.length;
  log(`  ${bytesPerCreate.toFixed(0)} B stored a create: ${createGrowth.map((g) => `${g.name} ${(g.bytes / links.length).toFixed(0)}`).join("; ")}`);

  // The clicks, decided up front: what each link must count afterwards is known exactly.
  const next = random(12);
  /** @template T @param {readonly T[]} list @returns {T} */
  const pick = (list) => /** @type {T} */ (list[Math.floor(next() * list.length)]);
  const expected = new Map(links.map((l) => [l.slug, { id: l.id, humans: 0, bots: 0, visitors: new Set() }]));
  const requests = Array.from({ length: options.clicks }, () => {
    const link = pick(links);
    const roll = next();
    const head = roll < 0.03;
    const bot = !head && roll < 0.13;
    const ua = bot ? pick(BOTS) : pick(BROWSERS);
    const ip = `198.${18 + Math.floor(next() * 2)}.${Math.floor(next() * 250)}.${1 + Math.floor(next() * 250)}`;
    const counts = expected.get(link.slug);
    if (counts) {
      if (head || bot) counts.bots += 1;
      else {
        counts.humans += 1;
        counts.visitors.add(`${ip}|${ua}`);
      }
    }
    const referer = pick(REFERRERS);
    /** @type {Record<string, string>} */
    const headers = { "user-agent": ua, "cf-connecting-ip": ip };
    if (referer) headers["referer"] = referer;
    return { method: head ? "HEAD" : "GET", path: `/${link.slug}`, headers };
  });
  // autocannon's parser waits for a body after a HEAD answer: HEAD requests go through fetch.
  const gets = requests.filter((r) => r.method === "GET");
  const heads = requests.filter((r) => r.method === "HEAD");

  // Steady state is measured after the day's visitor sets fold (as the analytics cron does 3 h
  // after midnight UTC), run through the Worker's own scheduled handler: first for what earlier
  // parts left open, so only these clicks' sets are folded below.
  const analytics = await stack.mf.getWorker("linkflow-analytics");
  const now = new Date();
  const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 4));
  const foldDay = async () => {
    for (let run = 0; run < 20; run++) {
      const before = await storeUsage(state);
      await analytics.scheduled({ scheduledTime: tomorrow, cron: "*/15 * * * *" });
      if (storeGrowth(before, await storeUsage(state)).length === 0) return;
    }
  };
  await foldDay();
  const storesBefore = await storeUsage(state);
  log(`  ${storesBefore.size} stores read; sending ${requests.length} clicks`);
  const ledgerBefore = await ledgerCounts(state);
  const cpu = await cpuMeter(stack.pids);
  let sent = 0;
  const [load] = await Promise.all([
    runLoad({
      origin: stack.url,
      connections: options.connections,
      amount: gets.length,
      rate: options.clickRate,
      request: { method: "GET", setupRequest: (r) => ({ ...r, ...gets[sent++ % gets.length] }) },
    }),
    mapConcurrent(heads, 2, async (r) => {
      const res = await fetch(new URL(r.path, stack.url), { method: "HEAD", headers: r.headers, redirect: "manual" });
      if (res.status !== 302) throw new Error(`HEAD ${r.path} answered ${res.status}`);
    }),
  ]);
  load.responses += heads.length;
  log(`  ${describeLoad(load)} (+ ${heads.length} HEAD requests alongside)`);
  const drainedMs = await waitIdle(stack.pids);
  const cpuUs = await cpu.microsEach(load.responses);
  const storesAfter = await storeUsage(state);
  const ledgerAfter = await ledgerCounts(state);

  const growth = storeGrowth(storesBefore, storesAfter);
  const bytes = growth.reduce((sum, s) => sum + s.bytes, 0);

  await foldDay();
  const storesFolded = await storeUsage(state);
  const foldedGrowth = storeGrowth(storesBefore, storesFolded);
  const foldedBytes = foldedGrowth.reduce((sum, s) => sum + s.bytes, 0);
  const diff = (/** @type {Record<string, number>} */ a, /** @type {Record<string, number>} */ b) => {
    let n = 0;
    for (const [type, count] of Object.entries(b)) if (type === "LinkClicked" || type === "ClicksRecorded") n += count - (a[type] ?? 0);
    return n;
  };
  const topicMessages = diff(ledgerBefore.events, ledgerAfter.events);
  const copies = diff(ledgerBefore.deliveries, ledgerAfter.deliveries);

  // Every count against what was sent.
  const stats = await mapConcurrent([...expected.values()], 8, async (e) => ({ e, s: await getJson(statsShape, stack.url, team, `/v1/links/${e.id}/stats`) }));
  let wrongClicks = 0;
  let wrongBots = 0;
  let wrongUniques = 0;
  for (const { e, s } of stats) {
    if (s.clicks !== e.humans) wrongClicks += 1;
    if (s.botClicks !== e.bots) wrongBots += 1;
    if (s.uniqueVisitors !== e.visitors.size) wrongUniques += 1;
  }
  const sentHumans = [...expected.values()].reduce((n, e) => n + e.humans, 0);
  const countedHumans = stats.reduce((n, { s }) => n + s.clicks, 0);
  const result = {
    clicks: load.responses,
    rate: options.clickRate,
    bytesPerCreate,
    createStores: createGrowth.map((g) => ({ ...g, perCreate: g.bytes / links.length })),
    load,
    drainedMs,
    bytesPerClick: bytes / load.responses,
    stores: growth.slice(0, 8).map((s) => ({ ...s, perClick: s.bytes / load.responses })),
    foldedBytesPerClick: foldedBytes / load.responses,
    foldedStores: foldedGrowth.slice(0, 8).map((s) => ({ ...s, perClick: s.bytes / load.responses })),
    cpuUsPerClick: cpuUs,
    topicMessages,
    copies,
    messagesPerClick: (topicMessages + copies) / load.responses,
    sentHumans,
    countedHumans,
    wrong: { clicks: wrongClicks, bots: wrongBots, uniques: wrongUniques, links: stats.length },
  };
  log(
    `  drained in ${(drainedMs / 1000).toFixed(1)} s; ${result.bytesPerClick.toFixed(0)} B stored a click; ${cpuUs.toFixed(0)} µs of workerd CPU a click; ${topicMessages} topic messages + ${copies} subscriber copies = ${result.messagesPerClick.toFixed(3)} a click`,
  );
  for (const s of result.stores) log(`    ${s.name}: +${s.bytes} B (${s.perClick.toFixed(1)} B a click)`);
  log(`  after the day folded: ${result.foldedBytesPerClick.toFixed(1)} B stored a click (steady state)`);
  for (const s of result.foldedStores) log(`    ${s.name}: +${s.bytes} B (${s.perClick.toFixed(1)} B a click)`);
  log(
    `  counts: ${countedHumans} of ${sentHumans} human clicks; links with a wrong count: clicks ${wrongClicks}, bots ${wrongBots}, uniques ${wrongUniques} (of ${stats.length})`,
  );
  return result;
}

// `npm run chaos`: drives the real local stack (every Worker in one `wrangler dev`) with a burst of
// creates and clicks while one fault is injected per scenario, waits for the drain with the
// reconciler's cron ticking, and checks every effect exactly once (verify.ts). One line per
// scenario (`held` / `LOST n` / `DOUBLED n`), a summary, and a non-zero exit when anything is lost
// or doubled. Options: --short (a smaller burst), --only <name>[,<name>], --report <file> (writes
// the markdown report, e.g. CHAOS.md).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { applyMigrations, ensureDevVars, freePort, startStack } from "../../scripts/stack.mjs";
import { sleep } from "./http.ts";
import { burst, createTeam, FeedClient, subscribe, type Burst, type Stack } from "./load.ts";
import { startReceiver, type Receiver } from "./receiver.ts";
import { SCENARIOS, type Scenario } from "./scenarios.ts";
import { verify, type Verdict } from "./verify.ts";

const { values: args } = parseArgs({ options: { short: { type: "boolean", default: false }, only: { type: "string" }, report: { type: "string" } } });
const SIZE = args.short ? { links: 40, clicks: 120 } : { links: 120, clicks: 400 };
/** The reconciler and the webhook sweep, sped up so a run fits in minutes (production: 120 s, 600 s, 120 s; a cron a minute; 60 s and 30 s are the least stale-pending and stranded ages the Workers take). */
const FAST_RECOVERY_VARS = { RECONCILE_GRACE_SECONDS: "10", RECONCILE_STALE_PENDING_SECONDS: "60", WEBHOOKS_STRANDED_AFTER_SECONDS: "30" };
const CRON_EVERY_MS = 5_000;
const DRAIN_DEADLINE_MS = 8 * 60_000;

interface Outcome {
  scenario: Scenario;
  verdict: Verdict | null;
  error: string | null;
  burst: Burst | null;
  recoveryMs: number | null;
  restartMs: number | null;
}

const adminToken: string = ensureDevVars()["ADMIN_TOKEN"] ?? "";
if (!adminToken) throw new Error(".dev.vars has no ADMIN_TOKEN");

const chosen = args.only ? SCENARIOS.filter((s) => args.only?.split(",").includes(s.name)) : SCENARIOS;
if (chosen.length === 0) throw new Error(`no scenario named ${args.only}; there are ${SCENARIOS.map((s) => s.name).join(", ")}`);

const outcomes: Outcome[] = [];
const started = Date.now();
for (const scenario of chosen) {
  process.stdout.write(`${scenario.name.padEnd(34)} running ...\r`);
  const outcome = await runScenario(scenario);
  outcomes.push(outcome);
  console.log(lineOf(outcome));
}
const bad = outcomes.filter((o) => !o.verdict || o.verdict.lost > 0 || o.verdict.doubled > 0);
console.log(`\n${outcomes.length - bad.length} of ${outcomes.length} scenarios held (${Math.round((Date.now() - started) / 1000)} s)`);
if (args.report) await writeFile(args.report, reportOf(outcomes));
process.exit(bad.length === 0 ? 0 : 1);

async function runScenario(scenario: Scenario): Promise<Outcome> {
  const outcome: Outcome = { scenario, verdict: null, error: null, burst: null, recoveryMs: null, restartMs: null };
  const persistTo = await mkdtemp(path.join(os.tmpdir(), `linkflow-chaos-${scenario.name}-`));
  const receivers: { receiver: Receiver; events: string[] }[] = [];
  let stack: Awaited<ReturnType<typeof startStack>> | null = null;
  let ticker: NodeJS.Timeout | null = null;
  try {
    await applyMigrations({ persistTo, echo: false });
    for (const r of scenario.receivers) receivers.push({ receiver: await startReceiver(r.mode), events: r.events });
    const port = await freePort();
    const launchedAt = Date.now();
    const vars: Record<string, string> = { ...FAST_RECOVERY_VARS, ...(scenario.chaos ? { CHAOS: JSON.stringify(scenario.chaos(launchedAt)) } : {}) };
    const launch = () => startStack({ port, persistTo, vars, logFile: path.join(persistTo, "wrangler.log") });
    stack = await launch();
    const where: Stack = { baseUrl: stack.baseUrl };
    const team = await createTeam(where, adminToken, `chaos ${scenario.name}`);
    for (const { receiver, events } of receivers) await subscribe(team, receiver, events);
    const feed = new FeedClient(team, where);
    await feed.connect();
    ticker = setInterval(
      () =>
        void fetch(`${where.baseUrl}/__scheduled?cron=*+*+*+*+*`).then(
          (r) => r.arrayBuffer(),
          () => undefined,
        ),
      CRON_EVERY_MS,
    );

    if (scenario.burstNotBeforeMs) await sleep(Math.max(0, launchedAt + scenario.burstNotBeforeMs - Date.now()));
    const links = Math.round(SIZE.links * (scenario.linksFactor ?? 1));
    const clicks = Math.round(SIZE.clicks * (scenario.linksFactor ?? 1));
    const options = { clients: 8, clickClients: 4, tag: scenario.name };
    let run: Burst;
    let faultsEnd: number;
    if (scenario.kill) {
      // First a quarter of the links and every click; 1.5 s later each isolate has sealed, spooled and
      // sent its batches (an open batch, 1 s of clicks, would die with the process: the stated limit).
      const first = await burst(team, where, { ...options, links: Math.floor(links / 4), clicks });
      await sleep(1_500);
      // Then the other creates, the whole stack SIGKILLed the moment half of them are answered, with
      // the other creators' requests in flight (their outcome is unknown: verify reads what exists).
      const running = stack;
      let killing: Promise<void> | null = null;
      const rest = links - first.created.length;
      const second = await burst(team, where, {
        ...options,
        links: rest,
        clicks: 0,
        clickClients: 0,
        tag: `${scenario.name}-b`,
        stopOnError: true,
        onCreated: (n) => {
          if (n === Math.floor(rest / 2)) killing = running.kill();
        },
      });
      if (!killing) throw new Error("the burst ended before the kill");
      await killing;
      run = { created: [...first.created, ...second.created], unanswered: first.unanswered + second.unanswered, clicks: first.clicks };
      const restartAt = Date.now();
      stack = await launch();
      outcome.restartMs = Date.now() - restartAt;
      await feed.reconnect();
      faultsEnd = Date.now();
    } else {
      let reconnecting: Promise<void> | null = null;
      run = await burst(team, where, {
        ...options,
        links,
        clicks,
        // Halfway, the feed client drops and reconnects with `since`, as a flaky network makes it.
        onCreated: (n) => {
          if (n === Math.floor(links / 2)) reconnecting = sleep(200).then(() => feed.reconnect());
        },
      });
      await reconnecting;
      faultsEnd = Date.now();
    }
    outcome.burst = run;
    if (scenario.faultsEndAtMs) faultsEnd = Math.max(faultsEnd, launchedAt + scenario.faultsEndAtMs);

    const deadline = Date.now() + DRAIN_DEADLINE_MS;
    for (;;) {
      await sleep(CRON_EVERY_MS);
      const verdict = await verify(team, where, run, feed, receivers).catch((error: unknown) => {
        outcome.error = String(error);
        return null;
      });
      if (verdict) {
        outcome.verdict = verdict;
        outcome.error = null;
        if (verdict.lost === 0 && verdict.doubled === 0 && Date.now() >= faultsEnd) {
          outcome.recoveryMs = Date.now() - faultsEnd;
          break;
        }
      }
      if (Date.now() > deadline) break;
    }
    feed.close();
  } catch (error) {
    outcome.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
  } finally {
    if (ticker) clearInterval(ticker);
    if (outcome.error && stack) console.error(stack.logs().slice(-4_000));
    await stack?.stop().catch(() => undefined);
    for (const { receiver } of receivers) await receiver.close();
    if (!process.env["CHAOS_KEEP_STATE"]) await rm(persistTo, { recursive: true, force: true });
    else console.log(`state kept in ${persistTo}`);
  }
  return outcome;
}

function statusOf(o: Outcome): string {
  if (!o.verdict) return "ERROR";
  const parts = [];
  if (o.verdict.lost > 0) parts.push(`LOST ${o.verdict.lost}`);
  if (o.verdict.doubled > 0) parts.push(`DOUBLED ${o.verdict.doubled}`);
  return parts.length ? parts.join(" ") : "held";
}

function lineOf(o: Outcome): string {
  const counts = o.verdict
    ? Object.entries(o.verdict.tallies)
        .map(([k, t]) => `${k} ${t.found}/${t.expected}`)
        .join(" · ")
    : (o.error ?? "");
  const recovery = o.recoveryMs !== null ? ` · recovered in ${Math.round(o.recoveryMs / 1000)} s` : "";
  return `${o.scenario.name.padEnd(34)} ${statusOf(o).padEnd(10)} ${counts}${recovery}`;
}

function reportOf(list: Outcome[]): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const rows = list.map((o) => {
    const b = o.burst;
    const clicks = b ? [...b.clicks.values()].reduce((a, n) => a + n, 0) : 0;
    const effects = o.verdict
      ? Object.entries(o.verdict.tallies)
          .map(([k, t]) => `${k} ${t.found}/${t.expected}${t.lost ? ` (lost ${t.lost})` : ""}${t.doubled ? ` (doubled ${t.doubled})` : ""}`)
          .join("<br>")
      : (o.error ?? "").split("\n")[0];
    const info = o.verdict
      ? Object.entries(o.verdict.info)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${k}: ${n}`)
          .join("<br>")
      : "";
    const recovery = o.recoveryMs !== null ? `${Math.round(o.recoveryMs / 1000)} s` : "—";
    const restart = o.restartMs !== null ? ` (restart ${Math.round(o.restartMs / 1000)} s)` : "";
    return `| ${o.scenario.name} | ${o.scenario.fault} | **${statusOf(o)}** | ${b ? `${b.created.length} created, ${b.unanswered} unanswered, ${clicks} clicks` : "—"} | ${effects} | ${recovery}${restart} | ${info} |`;
  });
  return [
    "# Chaos runs",
    "",
    "Written by `npm run chaos -- --report CHAOS.md` (test/chaos/): the real local stack (every Worker in one",
    "`wrangler dev`, D1, R2, Queues and Durable Objects on miniflare, nothing mocked), a fresh state per",
    "scenario, one fault each. The load: links created by 8 concurrent clients while 4 others click them",
    "(a browser User-Agent, so every click is a human one), a webhook receiver verifying every Standard",
    "Webhooks signature subscribed to `link.created` and `link.clicked`, a live-feed client that drops and",
    "reconnects with `since`. The api's cron is fired every 5 s (production: every minute) with shortened",
    "ages: grace 10 s, stale pending 60 s, stranded webhook deliveries 30 s (production 120 s, 600 s, 120 s).",
    "",
    "Checked once the drain is over, each as found/expected (LOST: missing, DOUBLED: there twice):",
    "`links` every create answered 201 exists; `events` one LinkCreated per existing link; `ledger` every",
    "subscriber of LinkCreated `delivered` (events × its subscribers: 5, 6 since the preview Worker, 7 since the redirects Worker); `usage` GET /v1/usage equals the links that exist;",
    "`stats` per-link clicks equal the 302s the run got; `qr` a stored QR code per link (200, not 202);",
    "`webhooks` one accepted webhook-id per LinkCreated and per click, per receiver (redeliveries of an id",
    "are absorbed by the id, counted on the right); `feed` each LinkCreated frame exactly once across",
    "reconnects. Recovery: from the end of the fault (the restart, the D1 window's end, the burst's end for",
    "lasting faults) to the first check where everything held.",
    "",
    `## Run of ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC${args.short ? " (--short)" : ""}`,
    "",
    `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${os.platform()} ${os.release()}.`,
    "",
    "| scenario | fault | result | load | effects found/expected | recovery after the fault | absorbed on the way |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

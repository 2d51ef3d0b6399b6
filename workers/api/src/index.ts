import { advanceReplayJobs } from "./admin/replay-jobs";
import { createApp } from "./app";
import { configOf } from "./config";
import { linksDb } from "./db";
import { relayUnpublishedEvents } from "./outbox/relay";
import { fastRedirect } from "./redirect/fast-redirect";

// The Durable Object classes this Worker hosts (other Workers bind them by script_name).
export { TeamFeed } from "../../../durable-objects/team-feed/team-feed";

const app = createApp();

export default {
  // A cached live short link is answered before the router; everything else goes through the app.
  fetch: (request: Request, env: ApiEnv, ctx: ExecutionContext) => fastRedirect(request, env, ctx) ?? app.fetch(request, env, ctx),
  /**
   * Every minute: the outbox relay re-sends what the request path could not, and running
   * replay jobs go on by a bounded slice. Neither waits for, nor is stopped by, the other.
   */
  async scheduled(controller, env) {
    const db = linksDb(env.LINKS_DB);
    const [relay, replays] = await Promise.allSettled([
      relayUnpublishedEvents(env.LINK_EVENTS, db, new Date(controller.scheduledTime)),
      (async () => advanceReplayJobs(db, env.LEDGER, configOf(env).REPLAY_PAGES_PER_RUN))(),
    ]);
    for (const outcome of [relay, replays]) if (outcome.status === "rejected") throw outcome.reason;
  },
} satisfies ExportedHandler<ApiEnv>;

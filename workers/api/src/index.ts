import { createApp } from "./app";
import { withChaos } from "./chaos-env";
import { runMinuteCron } from "./cron";
import { fastRedirect } from "./redirect/fast-redirect";

// The Durable Object classes this Worker hosts (other Workers bind them by script_name).
export { TeamFeed } from "../../../durable-objects/team-feed/team-feed";
export { LinkClickCap } from "../../../durable-objects/link-click-cap/link-click-cap";

// The minute cron over RPC, bound by the edge Worker as API_CRON (local stack only, cron.ts).
export { Maintenance } from "./cron";

const app = createApp();

export default {
  // A cached live short link is answered before the router; everything else goes through the app.
  // withChaos: the env itself, except in a chaos run (the CHAOS var) that fails queue sends.
  fetch: (request: Request, realEnv: ApiEnv, ctx: ExecutionContext) => {
    const env = withChaos(realEnv);
    return fastRedirect(request, env, ctx) ?? app.fetch(request, env, ctx);
  },
  /** The minute cron (cron.ts runMinuteCron: outbox relay, replay jobs, reconcilers, retention). */
  async scheduled(controller, realEnv) {
    await runMinuteCron(withChaos(realEnv), controller.scheduledTime);
  },
} satisfies ExportedHandler<ApiEnv>;

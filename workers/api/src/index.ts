import { createApp } from "./app";
import { linksDb } from "./db";
import { relayUnpublishedEvents } from "./outbox/relay";
import { fastRedirect } from "./redirect/fast-redirect";

// The Durable Object classes this Worker hosts (other Workers bind them by script_name).
export { TeamFeed } from "../../../durable-objects/team-feed/team-feed";

const app = createApp();

export default {
  // A cached live short link is answered before the router; everything else goes through the app.
  fetch: (request: Request, env: ApiEnv, ctx: ExecutionContext) => fastRedirect(request, env, ctx) ?? app.fetch(request, env, ctx),
  /** Every minute: the outbox relay re-sends what the request path could not. */
  async scheduled(controller, env) {
    await relayUnpublishedEvents(env.LINK_EVENTS, linksDb(env.LINKS_DB), new Date(controller.scheduledTime));
  },
} satisfies ExportedHandler<ApiEnv>;

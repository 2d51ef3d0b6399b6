import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { linkQuotaOf } from "../billing/quota";
import { configOf, shortBaseUrl } from "../config";
import { linkRateOf } from "../limits/link-rate";
import type { LinkWriteContext } from "./link-service";
import { ownHostSet } from "./url-policy";

export function linkWriteContext(c: Context<AppEnv>): LinkWriteContext {
  const base = new URL(shortBaseUrl(c.env, c.req.url));
  const requestHost = new URL(c.req.url).host;
  return {
    // The request's session: a write request's starts on the primary, and every D1 write runs
    // there, the guarded batches of link-writes.ts whole (AppEnv "session").
    db: c.get("session").db,
    teamId: c.get("team").id,
    traceId: c.get("traceId"),
    ownHosts: ownHostSet([base.host, requestHost, ...configOf(c.env).OWN_HOSTS]),
    domain: base.host,
    // The plan as the api knows it (teams.plan, written with billing's copy by the admin route): no RPC on this path.
    quota: linkQuotaOf(c.get("team").plan),
    rate: linkRateOf(c.get("team").plan, configOf(c.env).LIMITS_MULTIPLIER),
  };
}

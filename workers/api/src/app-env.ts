import type { Database } from "./db";
import type { DbSession } from "./http/db-session";

export interface AuthenticatedTeam {
  id: string;
  name: string;
  plan: "free" | "pro";
  keyId: string;
}

/** What the shared middleware and error handler need of any app of this codebase (the api's, the edge's): the trace id. */
export interface TracedEnv {
  Variables: { traceId: string };
}

/** Hono's typing of this Worker: its bindings and the per-request variables middleware sets. */
export interface AppEnv {
  Bindings: ApiEnv;
  Variables: {
    traceId: string;
    /**
     * The links database on the PRIMARY (the plain binding, no session), for what must see the
     * latest state whatever the client last saw: the API-key lookup and its revocation
     * (auth/require-team.ts: a revoked key stops at once), the feed token's key check, every
     * admin route, the short-link redirect (redirect/*), and the outbox's bookkeeping of
     * published events (one isolate-wide batch of marks per client).
     */
    db: Database;
    /**
     * The request's D1 session (under /v1 only; http/db-session.ts), for a team's own data:
     * listing and reading links and the event log, the links behind QR codes, previews and
     * stats, and the link writes. A POST, PUT, PATCH or DELETE starts it `first-primary`: its reads see the latest
     * state and its writes, like every D1 write, run on the primary, the quota and rate guards
     * of link-writes.ts inside the same batch; a GET or HEAD starts from the client's
     * `Linkflow-Bookmark`, else `first-unconstrained` (the nearest replica). The answer carries
     * the session's bookmark, so the client reads its own writes next time.
     */
    session: DbSession;
    team: AuthenticatedTeam;
  };
}

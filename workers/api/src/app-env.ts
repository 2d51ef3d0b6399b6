import type { Database } from "./db";

export interface AuthenticatedTeam {
  id: string;
  name: string;
  plan: "free" | "pro";
  keyId: string;
}

/** Hono's typing of this Worker: its bindings and the per-request variables middleware sets. */
export interface AppEnv {
  Bindings: ApiEnv;
  Variables: {
    traceId: string;
    db: Database;
    team: AuthenticatedTeam;
  };
}

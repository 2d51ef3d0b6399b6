import { teamIdSchema } from "#events";

export type TeamCheck = { ok: true } | { ok: false; boundTo: string };

/**
 * The team a TeamFeed object belongs to, kept in its own SQLite storage (tables made by
 * migrateFeedStorage). The object's name (`idFromName(teamId)`) is not always known to it,
 * so it learns its team from the first caller that names one and refuses every later call
 * naming another: one team's events can never reach another team's sockets.
 */
export class TeamBinding {
  private team: string | null = null;

  constructor(
    private readonly sql: SqlStorage,
    /** The object's name when the runtime gives it: a call naming another team is refused even on first contact. */
    private readonly name: string | undefined,
  ) {}

  /** Binds the object to `teamId` if it has no team yet; refuses a call for any other team. Synchronous: no call can slip in between. */
  claim(teamId: string): TeamCheck {
    const bound = this.boundTeam();
    if (bound !== null) return bound === teamId ? { ok: true } : { ok: false, boundTo: bound };
    const named = teamIdSchema.safeParse(this.name);
    if (named.success && named.data !== teamId) return { ok: false, boundTo: named.data };
    this.sql.exec("INSERT INTO feed_team (id, team_id, bound_at) VALUES (1, ?, ?)", teamId, new Date().toISOString());
    this.team = teamId;
    return { ok: true };
  }

  boundTeam(): string | null {
    if (this.team === null) {
      this.team = this.sql.exec<{ team_id: string }>("SELECT team_id FROM feed_team WHERE id = 1").toArray()[0]?.team_id ?? null;
    }
    return this.team;
  }
}

import { isNull, ne, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { webhookEndpoints, type EndpointRow } from "#db/webhooks";
import type { z } from "zod";
import type { updateInputSchema } from "#contracts/webhooks/endpoints";
import { rpcRefusal, type RpcRefusal } from "../../../shared/rpc";

// What a team's change to an endpoint writes, and who may enable it again (README "Webhooks").

const TEAM_DISABLED_REASON = "disabled by the team";

/** The changes of a team's update, as the Webhooks RPC contract parses them. */
type EndpointChanges = z.infer<typeof updateInputSchema>["changes"];

/**
 * A receiver that answered 410 Gone asked to be sent nothing more: only a change that
 * says so (`receiverOptOutAcknowledged: true`) enables its endpoint again.
 */
export function receiverOptOutConflict(row: EndpointRow, changes: EndpointChanges): RpcRefusal | null {
  if (changes.enabled !== true || row.enabled || row.disabledBy !== "receiver" || changes.receiverOptOutAcknowledged === true) return null;
  return rpcRefusal(
    "conflict",
    `The endpoint's receiver answered 410 Gone${row.disabledAt ? ` at ${row.disabledAt}` : ""}, asking to be sent no more webhooks. To enable it anyway, send "enabled": true with "receiverOptOutAcknowledged": true.`,
  );
}

/** The columns an update writes at `now`. */
export function endpointUpdateSet(changes: EndpointChanges, now: string): SQLiteUpdateSetSource<typeof webhookEndpoints> {
  const set: SQLiteUpdateSetSource<typeof webhookEndpoints> = { updatedAt: now };
  if (changes.url !== undefined) set.url = changes.url;
  if (changes.events !== undefined) set.events = changes.events;
  if (changes.description !== undefined) set.description = changes.description;
  // Re-enabling starts a fresh count: the failures that disabled it are history.
  if (changes.enabled === true)
    Object.assign(set, { enabled: true, disabledReason: null, disabledAt: null, disabledBy: null, consecutiveFailures: 0, failingSince: null });
  // Disabling a disabled endpoint keeps who disabled it and why: the team must not turn a receiver's opt-out into its own.
  if (changes.enabled === false) {
    const stillEnabled = sql`${webhookEndpoints.enabled} = 1`;
    Object.assign(set, {
      enabled: false,
      disabledReason: sql`CASE WHEN ${stillEnabled} THEN ${TEAM_DISABLED_REASON} ELSE ${webhookEndpoints.disabledReason} END`,
      disabledAt: sql`CASE WHEN ${stillEnabled} THEN ${now} ELSE ${webhookEndpoints.disabledAt} END`,
      disabledBy: sql`CASE WHEN ${stillEnabled} THEN 'team' ELSE ${webhookEndpoints.disabledBy} END`,
    });
  }
  return set;
}

/** The condition that the endpoint was not disabled by its receiver (a 410): an unacknowledged enable applies only then. */
export function receiverHasNotOptedOut(): SQL | undefined {
  return or(isNull(webhookEndpoints.disabledBy), ne(webhookEndpoints.disabledBy, "receiver"));
}

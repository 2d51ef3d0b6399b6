import { clickRecordsOf, type ClickRecord, type ClicksRecorded, type EventOf } from "#events";

/**
 * The LinkClicked v2 event a human click of a batch stands for. Its webhook body is what
 * the click's own LinkClicked produced before clicks were batched (same fields, same order),
 * then v2's `trigger` ("qr" for a QR scan) and `rule` (the targeting rule's index, or null);
 * a click of a v1 batch says "link" and null. Its id, derived from the batch id, is the same on
 * every redelivery of the batch: the `webhook-id` receivers dedupe on. Bot and HEAD clicks are
 * only counts in a batch, so they never become a link.clicked webhook (`bot` is always false,
 * `method` always GET).
 */
export function linkClickedOf(click: ClickRecord): EventOf<"LinkClicked"> {
  return {
    id: click.eventId,
    type: "LinkClicked",
    version: 2,
    occurredAt: click.occurredAt,
    teamId: click.teamId,
    subject: click.linkId,
    traceId: click.traceId,
    data: {
      linkId: click.linkId,
      slug: click.slug,
      method: "GET",
      country: click.country,
      referrerHost: click.referrerHost,
      userAgent: click.userAgent,
      bot: false,
      visitorHash: click.visitorHash,
      trigger: click.trigger,
      rule: click.rule,
    },
  };
}

/** The teams whose links a batch holds human clicks of (bot counts make no webhook). */
export function clickingTeamsOf(batch: ClicksRecorded): string[] {
  const links = new Set(batch.data.clicks.map(([link]) => link));
  return [...new Set(batch.data.links.filter((_, i) => links.has(i)).map((l) => l.teamId))];
}

/**
 * The clicks of `teams` as LinkClicked events. A batch none of whose teams is in `teams`
 * (the usual case: few teams subscribe to link.clicked) is not expanded at all.
 */
export function clickEventsFor(batch: ClicksRecorded, teams: ReadonlySet<string>): EventOf<"LinkClicked">[] {
  if (!batch.data.links.some((l) => teams.has(l.teamId))) return [];
  return clickRecordsOf(batch)
    .filter((click) => teams.has(click.teamId))
    .map(linkClickedOf);
}

import { z } from "zod";
import { isoDateTimeSchema, linkControlsShape, linkIdSchema, teamIdSchema, type LinkEvent, type LinkSnapshot, type LinkSnapshotV2 } from "#events";

/**
 * The redirects read model's contract (workers/consumers/redirects writes it, the redirect path
 * reads it): one Workers KV value per slug, in the REDIRECTS namespace. The projection consumer
 * is its only writer; the redirect path never reads the links database in the common case.
 *
 * Order-insensitive by construction: a slug's value keeps, per link that ever held the slug, the
 * newest thing known about that link there (`holders`), each with the link version it came from
 * (`at`: the link's updatedAt, which the api makes strictly increasing per link, or its
 * deletedAt). Applying the changes of any set of events in any order, any number of times, gives
 * the same value; the slug's `current` link is derived from the holders, never written directly.
 */

/** KV key of a slug's record. Slugs are case-sensitive, and so are KV keys. */
export const redirectKey = (slug: string): string => `slug:${slug}`;

/** What a redirect needs of a link. Readers ignore fields they do not know (additive changes). */
export const redirectLinkSchema = z.object({
  id: linkIdSchema,
  teamId: teamIdSchema,
  slug: z.string().min(1).max(64),
  /** Empty for a deleted link (its LinkDeleted does not carry the url; a 410 needs none). */
  url: z.string(),
  expiresAt: isoDateTimeSchema.nullable(),
  deletedAt: isoDateTimeSchema.nullable(),
  // The link controls (README "Link controls"), copied from LinkCreated v3 / LinkUpdated v2;
  // absent in records written from older events. Stored for the redirect path, which acts on
  // `utm` and `expiredUrl` so far. Never the password or its hash: only whether one is set.
  passwordProtected: linkControlsShape.passwordProtected.optional(),
  expiredUrl: linkControlsShape.expiredUrl.optional(),
  maxClicks: linkControlsShape.maxClicks.optional(),
  rules: linkControlsShape.rules.optional(),
  utm: linkControlsShape.utm.optional(),
  og: linkControlsShape.og.optional(),
});
export type RedirectLink = z.infer<typeof redirectLinkSchema>;

/**
 * One link's standing at one slug: `live` (it redirects there), `moved` (it left the slug, which is
 * free again) or `deleted` (deleted while there: the slug stays taken and answers 410 forever).
 */
export const holderSchema = z.object({
  at: isoDateTimeSchema,
  state: z.enum(["live", "moved", "deleted"]),
  /** The link as of `at` (with `deletedAt` set when deleted); absent when moved. */
  link: redirectLinkSchema.optional(),
});
export type Holder = z.infer<typeof holderSchema>;

export const redirectRecordSchema = z.object({
  v: z.literal(1),
  /** The link the slug names now (null when every holder moved away): what the redirect reads. */
  current: redirectLinkSchema.nullable(),
  holders: z.record(linkIdSchema, holderSchema),
});
export type RedirectRecord = z.infer<typeof redirectRecordSchema>;

/** One event's effect on one slug. */
export interface SlugChange {
  slug: string;
  linkId: string;
  holder: Holder;
}

const CONTROL_FIELDS = ["passwordProtected", "expiredUrl", "maxClicks", "rules", "utm", "og"] as const;

/**
 * A link's record as events carry it, reduced to what a redirect needs, with its controls when
 * the event carries them (LinkCreated v3, LinkUpdated v2).
 */
function redirectLinkOf(link: LinkSnapshot | LinkSnapshotV2, teamId: string): RedirectLink {
  const record: RedirectLink = { id: link.id, teamId, slug: link.slug, url: link.url, expiresAt: link.expiresAt, deletedAt: null };
  if ("passwordProtected" in link) {
    for (const field of CONTROL_FIELDS) Object.assign(record, { [field]: link[field] });
  }
  return record;
}

/** The slugs an event touches and what it says about each (clicks touch none). */
export function slugChangesOf(event: LinkEvent): SlugChange[] {
  switch (event.type) {
    case "LinkCreated":
    case "LinkUpdated": {
      const link = event.data.link;
      const changes: SlugChange[] = [
        { slug: link.slug, linkId: link.id, holder: { at: link.updatedAt, state: "live", link: redirectLinkOf(link, event.teamId) } },
      ];
      if (event.type === "LinkUpdated") {
        const previousSlug = event.data.previous.slug;
        if (previousSlug !== undefined && previousSlug !== link.slug)
          changes.push({ slug: previousSlug, linkId: link.id, holder: { at: link.updatedAt, state: "moved" } });
      }
      return changes;
    }
    case "LinkDeleted": {
      // The event does not carry the url: a deleted link only ever answers 410, which needs none.
      const { linkId, slug, deletedAt } = event.data;
      const link: RedirectLink = { id: linkId, teamId: event.teamId, slug, url: "", expiresAt: null, deletedAt };
      return [{ slug, linkId, holder: { at: deletedAt, state: "deleted", link } }];
    }
    case "LinkClicked":
    case "ClicksRecorded":
      return [];
  }
}

/**
 * The newer of two standings of one link at one slug: `deleted` is final (a deleted link never
 * changes again), otherwise the later version wins. A tie is the same event twice; should two
 * different standings ever tie (two deletions, or two versions with one `at`), their serialised
 * form decides, so the choice never depends on which arrived first.
 */
function newerHolder(known: Holder | undefined, incoming: Holder): Holder {
  if (!known) return incoming;
  const rank = (h: Holder) => (h.state === "deleted" ? 1 : 0);
  if (rank(incoming) !== rank(known)) return rank(incoming) > rank(known) ? incoming : known;
  if (incoming.at !== known.at) return incoming.at > known.at ? incoming : known;
  return JSON.stringify(incoming) > JSON.stringify(known) ? incoming : known;
}

/**
 * The slug's current link: the holder that is live or deleted there, the latest if several claim
 * it (only while some of their events are still on their way: a slug has one holder at a time;
 * the link id breaks a tie so every order gives the same answer).
 */
function currentOf(holders: Record<string, Holder>): RedirectLink | null {
  let best: [string, Holder] | undefined;
  for (const entry of Object.entries(holders)) {
    if (entry[1].state === "moved") continue;
    if (!best || entry[1].at > best[1].at || (entry[1].at === best[1].at && entry[0] > best[0])) best = entry;
  }
  return best?.[1].link ?? null;
}

/**
 * Applies changes of one slug to its stored record (null: none yet). Pure, idempotent and
 * commutative: the same changes in any order give the same record.
 */
export function applySlugChanges(record: RedirectRecord | null, changes: readonly SlugChange[]): RedirectRecord {
  const holders: Record<string, Holder> = { ...(record?.holders ?? {}) };
  for (const change of changes) holders[change.linkId] = newerHolder(holders[change.linkId], change.holder);
  return { v: 1, current: currentOf(holders), holders };
}

/** True when applying the changes would store nothing new (a redelivered event): no KV write. */
export function sameRecord(a: RedirectRecord | null, b: RedirectRecord): boolean {
  return a !== null && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A record no link holds any more (every holder moved away) is kept, so that a late event cannot
 * bring the slug back, but only for as long as an event can still arrive: the event log's replay
 * window (30 days) plus a margin. KV deletes it then (`expirationTtl` on the put).
 */
export const VACANT_RECORD_TTL_SECONDS = 35 * 24 * 3600;

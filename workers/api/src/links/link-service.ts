import type { LinkRow } from "#db/links";
import type { LinkEvent, LinkFieldV2, LinkSnapshotV2 } from "#events";
import type { LinkQuota } from "../billing/quota";
import { isUniqueViolation, type Database } from "../db";
import { ApiError } from "../http/errors";
import { newId } from "../../../shared/ids";
import type { LinkRate } from "../limits/link-rate";
import { newEvent } from "../outbox/new-event";
import type { CreateLinkInput, UpdateLinkInput } from "./link-schemas";
import { findLiveLink, slugsTaken } from "./link-store";
import { hashLinkPassword } from "./link-password";
import { linkSnapshot } from "./link-view";
import { insertLinksWithEvents, softDeleteLinkWithEvent, updateLinkWithEvent } from "./link-writes";
import { generateSlug } from "./slug";
import { checkDestination } from "./url-policy";

export interface LinkWriteContext {
  db: Database;
  teamId: string;
  traceId: string;
  /** Hosts this deployment answers on (ownHostSet): a destination on one of them would loop. */
  ownHosts: ReadonlySet<string>;
  /** The short domain new links live on (LinkCreated v2 carries it). */
  domain: string;
  /** The team's monthly allowance of new links (its plan's). */
  quota: LinkQuota;
  /** The team's cap on new links a minute (its plan's, times LIMITS_MULTIPLIER). */
  rate: LinkRate;
}

export interface LinkChange {
  row: LinkRow;
  event: LinkEvent;
}

const SLUG_ATTEMPTS = 5;

function slugTaken(slug: string): ApiError {
  return new ApiError("conflict", `The slug "${slug}" is taken.`, [{ path: "slug", message: "is taken" }]);
}

/** The destination policy of `url` (checkDestination), for any field holding a URL: its normalised form, or a 400 naming `path`. */
function destinationOrThrow(raw: string, ctx: LinkWriteContext, path: string, httpsOnly = false): string {
  const checked = checkDestination(raw, ctx.ownHosts);
  if (!checked.ok) throw ApiError.invalid(`The ${path} ${checked.problem}.`, [{ path, message: checked.problem }]);
  if (httpsOnly && !checked.href.startsWith("https:")) throw ApiError.invalid(`The ${path} must use https.`, [{ path, message: "must use https" }]);
  return checked.href;
}

/**
 * Checks what the schema cannot (it needs the deployment's hosts or the clock) and replaces
 * every URL (url, expiredUrl, each rule's url, og.image) with its normalised form, the one
 * stored and served.
 */
export function checkLinkPolicyOrThrow(
  input: Pick<UpdateLinkInput, "url" | "expiresAt" | "expiredUrl" | "rules" | "og">,
  ctx: LinkWriteContext,
  now: Date,
  path = "",
): void {
  if (input.url !== undefined) input.url = destinationOrThrow(input.url, ctx, `${path}url`);
  if (input.expiresAt && Date.parse(input.expiresAt) <= now.getTime()) {
    throw ApiError.invalid("The expiresAt must be in the future.", [{ path: `${path}expiresAt`, message: "must be in the future" }]);
  }
  if (input.expiredUrl) input.expiredUrl = destinationOrThrow(input.expiredUrl, ctx, `${path}expiredUrl`);
  if (input.rules) {
    for (const [i, rule] of input.rules.entries()) rule.url = destinationOrThrow(rule.url, ctx, `${path}rules.${i}.url`);
  }
  if (input.og?.image !== undefined) input.og.image = destinationOrThrow(input.og.image, ctx, `${path}og.image`, true);
}

/**
 * The stored form of a password field: its hash (slow: PBKDF2, link-password.ts), null to
 * remove it, undefined when not sent.
 */
export async function passwordHashOf(password: string | null | undefined): Promise<string | null | undefined> {
  if (password === undefined || password === null) return password;
  return hashLinkPassword(password);
}

/**
 * Builds a new link and its LinkCreated event (nothing is written yet). `passwordHash` is the
 * input's password already hashed (passwordHashOf): hashing is slow, and done once per link.
 */
export function buildLinkCreation(input: CreateLinkInput, slug: string, ctx: LinkWriteContext, now: Date, passwordHash: string | null = null): LinkChange {
  const at = now.toISOString();
  const id = newId("lnk");
  const row: LinkRow = {
    id,
    slug,
    teamId: ctx.teamId,
    url: input.url,
    title: input.title ?? null,
    tags: input.tags ?? [],
    expiresAt: input.expiresAt ?? null,
    createdAt: at,
    updatedAt: at,
    deletedAt: null,
    lastEventId: "",
    passwordHash,
    expiredUrl: input.expiredUrl ?? null,
    maxClicks: input.maxClicks ?? null,
    rules: input.rules ?? null,
    utm: input.utm ?? null,
    og: input.og ?? null,
  };
  const event = newEvent("LinkCreated", 3, id, { link: linkSnapshot(row), domain: ctx.domain }, { teamId: ctx.teamId, traceId: ctx.traceId, occurredAt: at });
  row.lastEventId = event.id;
  return { row, event };
}

/**
 * Writes one new link with its event; a team over its monthly quota gets 402, one over its
 * links a minute 429, and nothing is written.
 */
async function insertNewLinkOrThrow(change: LinkChange, ctx: LinkWriteContext): Promise<LinkChange> {
  const [refused] = await insertLinksWithEvents(ctx.db, [change], ctx);
  if (refused) throw refused;
  return change;
}

export async function createLink(input: CreateLinkInput, ctx: LinkWriteContext): Promise<LinkChange> {
  const now = new Date();
  checkLinkPolicyOrThrow(input, ctx, now);
  if (input.slug !== undefined) {
    if ((await slugsTaken(ctx.db, [input.slug])).has(input.slug)) throw slugTaken(input.slug);
  }
  return createCheckedLink(input, ctx, now, (await passwordHashOf(input.password)) ?? null);
}

/** Creates a link whose input passed checkLinkPolicyOrThrow, its password (if any) already hashed. */
export async function createCheckedLink(input: CreateLinkInput, ctx: LinkWriteContext, now: Date, passwordHash: string | null): Promise<LinkChange> {
  if (input.slug !== undefined) {
    const change = buildLinkCreation(input, input.slug, ctx, now, passwordHash);
    try {
      return await insertNewLinkOrThrow(change, ctx);
    } catch (error) {
      if (isUniqueViolation(error, "links.slug")) throw slugTaken(input.slug);
      throw error;
    }
  }
  // 55^7 ≈ 1.5e12 slugs: a collision is rare, several in a row mean something is wrong.
  for (let attempt = 1; ; attempt++) {
    const change = buildLinkCreation(input, generateSlug(), ctx, now, passwordHash);
    try {
      return await insertNewLinkOrThrow(change, ctx);
    } catch (error) {
      if (!isUniqueViolation(error, "links.slug") || attempt >= SLUG_ATTEMPTS) throw error;
    }
  }
}

/** Fields a PATCH sets as sent (`password` is handled on its own: it is stored as a hash). */
const FIELDS = ["url", "slug", "title", "tags", "expiresAt", "expiredUrl", "maxClicks", "rules", "utm", "og"] as const satisfies readonly LinkFieldV2[];

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Null when nothing would change (no write, no event). */
export async function updateLink(linkId: string, input: UpdateLinkInput, ctx: LinkWriteContext): Promise<LinkChange | null> {
  const before = await findLiveLink(ctx.db, ctx.teamId, linkId);
  if (!before) throw ApiError.notFound("Link");
  const now = new Date();
  checkLinkPolicyOrThrow(input, ctx, now);

  const changed: LinkFieldV2[] = FIELDS.filter((field) => input[field] !== undefined && !sameValue(input[field], before[field]));
  // A new password always changes the hash (a fresh salt); null changes only a link that has one.
  const passwordChanged = typeof input.password === "string" || (input.password === null && before.passwordHash !== null);
  if (passwordChanged) changed.push("password");
  if (changed.length === 0) return null;
  if (input.slug !== undefined && changed.includes("slug") && (await slugsTaken(ctx.db, [input.slug])).has(input.slug)) {
    throw slugTaken(input.slug);
  }

  const at = new Date(Math.max(now.getTime(), Date.parse(before.updatedAt) + 1)).toISOString();
  const after: LinkRow = { ...before, updatedAt: at };
  const previous: Partial<Omit<LinkSnapshotV2, "passwordProtected">> = {};
  for (const field of changed) {
    if (field === "password") continue; // no previous value: not even whether one was set
    Object.assign(previous, { [field]: before[field] });
    Object.assign(after, { [field]: input[field] });
  }
  if (passwordChanged) after.passwordHash = (await passwordHashOf(input.password)) ?? null;
  const event = newEvent(
    "LinkUpdated",
    2,
    before.id,
    { link: linkSnapshot(after), changed, previous },
    { teamId: ctx.teamId, traceId: ctx.traceId, occurredAt: at },
  );
  after.lastEventId = event.id;
  const { id: _id, teamId: _team, createdAt: _created, deletedAt: _deleted, ...changes } = after;
  try {
    if (!(await updateLinkWithEvent(ctx.db, before, changes, event))) {
      throw new ApiError("conflict", "The link was changed or deleted at the same moment; read it again and retry.");
    }
  } catch (error) {
    if (input.slug !== undefined && isUniqueViolation(error, "links.slug")) throw slugTaken(input.slug);
    throw error;
  }
  return { row: after, event };
}

export async function deleteLink(linkId: string, ctx: LinkWriteContext): Promise<LinkChange> {
  const link = await findLiveLink(ctx.db, ctx.teamId, linkId);
  if (!link) throw ApiError.notFound("Link");
  const at = new Date().toISOString();
  const event = newEvent(
    "LinkDeleted",
    1,
    link.id,
    { linkId: link.id, slug: link.slug, deletedAt: at },
    { teamId: ctx.teamId, traceId: ctx.traceId, occurredAt: at },
  );
  // Two deletes racing: only one wins the guarded write; the loser answers 404 like a later delete would.
  if (!(await softDeleteLinkWithEvent(ctx.db, link, at, event))) throw ApiError.notFound("Link");
  return { row: { ...link, deletedAt: at, updatedAt: at, lastEventId: event.id }, event };
}

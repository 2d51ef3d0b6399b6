// Test support for the redirects read model. Local KV is immediately consistent; production KV is
// not: a location keeps what it read for `cacheTtl`, and a write reaches other locations within
// about 60 s. `KvPropagation` makes that delay explicit on top of the real KV binding, with a
// clock the test moves by hand, so the staleness bound can be tested without waiting.
import { env } from "cloudflare:test";
import { parseEvent, type LinkEvent } from "#events";
import { applySlugChanges, redirectKey, redirectRecordSchema, sameRecord, slugChangesOf, type SlugChange } from "#contracts/redirects/redirect-record";
import type { RedirectStore } from "../src/redirect/read-model";
import { eventRowsFor } from "./helpers";

interface Version {
  value: unknown;
  writtenAt: number;
}

/**
 * The namespace as the world sees it: every write goes to the real KV at once (its central copy);
 * a location sees a write `replicationMs` after it was made, and keeps what it read for
 * `cacheTtlMs`. Worst case, a location sees a write replicationMs + cacheTtlMs after it.
 */
export class KvPropagation {
  readonly #versions = new Map<string, Version[]>();

  constructor(
    readonly clock: () => number,
    readonly replicationMs: number,
    readonly cacheTtlMs: number,
  ) {}

  async put(key: string, value: unknown): Promise<void> {
    await env.REDIRECTS.put(key, JSON.stringify(value));
    const versions = this.#versions.get(key) ?? [];
    versions.push({ value, writtenAt: this.clock() });
    this.#versions.set(key, versions);
  }

  /** What a location fetching the key now (its cache empty) gets: the newest write old enough to have reached it. */
  async visibleNow(key: string): Promise<unknown> {
    const versions = this.#versions.get(key);
    if (!versions) return env.REDIRECTS.get(key, "json");
    const reached = versions.filter((v) => v.writtenAt + this.replicationMs <= this.clock());
    return reached.at(-1)?.value ?? null;
  }

  /** One Cloudflare location reading the namespace, with its own read cache. */
  location(): RedirectStore {
    const cache = new Map<string, { value: unknown; until: number }>();
    return {
      read: async (key) => {
        const now = this.clock();
        const hit = cache.get(key);
        if (hit && hit.until > now) return hit.value;
        const value = await this.visibleNow(key);
        cache.set(key, { value, until: now + this.cacheTtlMs });
        return value;
      },
    };
  }
}

/**
 * What the redirects projection (workers/consumers/redirects) does with events, through the same
 * contract functions: per slug, read the record, apply the changes, write it if it changed.
 */
export async function project(
  events: LinkEvent[],
  write: (key: string, value: unknown) => Promise<void> = (k, v) => env.REDIRECTS.put(k, JSON.stringify(v)),
): Promise<void> {
  const bySlug = new Map<string, SlugChange[]>();
  for (const change of events.flatMap(slugChangesOf)) bySlug.set(change.slug, [...(bySlug.get(change.slug) ?? []), change]);
  for (const [slug, changes] of bySlug) {
    const stored = await env.REDIRECTS.get(redirectKey(slug), "json");
    const record = stored === null ? null : redirectRecordSchema.parse(stored);
    const next = applySlugChanges(record, changes);
    if (!sameRecord(record, next)) await write(redirectKey(slug), next);
  }
}

/** A link's events as the api wrote them to its outbox, oldest first. */
export async function linkEvents(linkId: string): Promise<LinkEvent[]> {
  return (await eventRowsFor(linkId)).map((row) => {
    const parsed = parseEvent(JSON.parse(row.envelope));
    if (!parsed.success) throw new Error(`unreadable event ${row.id}: ${parsed.error.message}`);
    return parsed.data;
  });
}

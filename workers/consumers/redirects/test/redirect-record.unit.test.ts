// The contract's merge (contracts/redirects/redirect-record.ts), pure: any order, any number of
// times, one batch or many, gives the same record per slug.
import { describe, expect, it } from "vitest";
import { applySlugChanges, redirectRecordSchema, sameRecord, slugChangesOf, type RedirectRecord } from "#contracts/redirects/redirect-record";
import type { LinkEvent } from "#events";
import { at, clicked, created, createdV3, deleted, lifeOfALink, newLinkId, newSlug, sampleControls, teamId, updated, updatedV2 } from "./helpers";

type Records = Map<string, RedirectRecord>;

/** Applies each batch in turn, as the consumer does: per slug, the stored record merged with the batch's changes. */
function project(batches: LinkEvent[][], start: Records = new Map()): Records {
  const records = new Map(start);
  for (const batch of batches) {
    const changes = batch.flatMap(slugChangesOf);
    for (const slug of new Set(changes.map((c) => c.slug))) {
      records.set(
        slug,
        applySlugChanges(
          records.get(slug) ?? null,
          changes.filter((c) => c.slug === slug),
        ),
      );
    }
  }
  return records;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const oneByOne = (events: LinkEvent[]) => events.map((e) => [e]);

describe("applySlugChanges: one link's life", () => {
  const life = lifeOfALink();
  const [create, , moveAway, moveBack, remove] = life.events as [LinkEvent, LinkEvent, LinkEvent, LinkEvent, LinkEvent];
  const reference = project(oneByOne(life.events));

  it("ends with the slug it was deleted at answering 410 and the slug it left vacant", () => {
    expect(reference.get(life.a)?.current).toEqual({ id: life.id, teamId, slug: life.a, url: "", expiresAt: null, deletedAt: at(4) });
    expect(reference.get(life.a)?.holders[life.id]).toMatchObject({ state: "deleted", at: at(4) });
    expect(reference.get(life.b)).toEqual({ v: 1, current: null, holders: { [life.id]: { at: at(3), state: "moved" } } });
  });

  it("gives the same record for each slug whatever the order of the five events (all 120), one per batch or all in one", () => {
    const orders = permutations(life.events);
    expect(orders).toHaveLength(120);
    for (const order of orders) {
      expect(project(oneByOne(order))).toEqual(reference);
      expect(project([order])).toEqual(reference);
    }
  });

  it("changes nothing on a duplicate, whenever it comes", () => {
    for (const order of permutations(life.events)) {
      const twice = [...order, ...order].map((e) => [e]);
      expect(project(twice)).toEqual(reference);
    }
    for (const event of life.events) {
      const after = project([[event]], reference);
      for (const [slug, record] of after) expect(sameRecord(reference.get(slug) ?? null, record), slug).toBe(true);
    }
  });

  it("never revives a deleted link: a late older event leaves the slug at 410", () => {
    const deletedFirst = project([[remove], [create], [moveBack], [moveAway]]);
    expect(deletedFirst.get(life.a)?.current?.deletedAt).toBe(at(4));
    const late = project([[create]], reference);
    expect(sameRecord(reference.get(life.a) ?? null, late.get(life.a) as RedirectRecord)).toBe(true);
  });

  it("an update that keeps the slug touches that slug only; the new url wins over the old in either order", () => {
    const [, urlChange] = life.events as [LinkEvent, LinkEvent];
    expect(slugChangesOf(urlChange).map((c) => c.slug)).toEqual([life.a]);
    for (const order of [
      [create, urlChange],
      [urlChange, create],
    ]) {
      expect(project(oneByOne(order)).get(life.a)?.current?.url).toBe("https://example.com/v1");
    }
  });
});

describe("applySlugChanges: a slug changing hands", () => {
  it("a second link taking a slug the first moved away from wins it, whatever the order", () => {
    const [a, b] = [newSlug("a"), newSlug("b")];
    const first = newLinkId();
    const second = newLinkId();
    const events = [
      created({ id: first, slug: a, url: "https://first.example/", minute: 0 }),
      updated({ id: first, slug: b, url: "https://first.example/", minute: 1 }, { slug: a }),
      created({ id: second, slug: a, url: "https://second.example/", minute: 2 }),
    ];
    const orders = permutations(events);
    const reference = project(oneByOne(events));
    expect(reference.get(a)?.current).toMatchObject({ id: second, url: "https://second.example/" });
    expect(reference.get(b)?.current).toMatchObject({ id: first, slug: b });
    for (const order of orders) {
      expect(project(oneByOne(order))).toEqual(reference);
      expect(project([order])).toEqual(reference);
    }
    // Before the first link's move has arrived, both claim the slug: the later one is current.
    expect(project([[events[0] as LinkEvent], [events[2] as LinkEvent]]).get(a)?.current?.id).toBe(second);
  });

  it("clicks touch no slug", () => {
    expect(slugChangesOf(clicked({ id: newLinkId(), slug: newSlug(), url: "" }))).toEqual([]);
  });

  it("deleted wins over a live version with the same `at`, in either order", () => {
    const id = newLinkId();
    const slug = newSlug();
    const live = slugChangesOf(created({ id, slug, url: "https://x.example/", minute: 4 }));
    const gone = slugChangesOf(deleted({ id, slug, url: "", minute: 4 }));
    expect(applySlugChanges(null, [...live, ...gone])).toEqual(applySlugChanges(null, [...gone, ...live]));
    expect(applySlugChanges(null, [...live, ...gone]).current?.deletedAt).toBe(at(4));
  });
});

describe("slugChangesOf: link controls (LinkCreated v3, LinkUpdated v2)", () => {
  it("copies passwordProtected, expiredUrl, maxClicks, rules, utm and og from the snapshot into the record", () => {
    const id = newLinkId();
    const slug = newSlug("c");
    const [change] = slugChangesOf(createdV3({ id, slug, url: "https://example.com/c" }));
    expect(change?.holder.link).toEqual({ id, teamId, slug, url: "https://example.com/c", expiresAt: null, deletedAt: null, ...sampleControls });
    const stored = project([[createdV3({ id, slug, url: "https://example.com/c" })]]).get(slug);
    expect(redirectRecordSchema.parse(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
    expect(stored?.current).toMatchObject(sampleControls);
  });

  it("follows a LinkUpdated v2 that removes controls (null), and the password flag", () => {
    const id = newLinkId();
    const slug = newSlug("c");
    const cleared = { ...sampleControls, passwordProtected: false, expiredUrl: null, rules: null, og: null };
    const records = project([
      [createdV3({ id, slug, url: "https://example.com/c", minute: 0 })],
      [
        updatedV2({ id, slug, url: "https://example.com/c", minute: 1 }, cleared, ["password", "expiredUrl", "rules", "og"], {
          expiredUrl: sampleControls.expiredUrl,
        }),
      ],
    ]);
    expect(records.get(slug)?.current).toMatchObject(cleared);
  });

  it("the password's hash is never there: only whether one is set", () => {
    const [change] = slugChangesOf(createdV3({ id: newLinkId(), slug: newSlug("c"), url: "https://example.com/c" }));
    expect(Object.keys(change?.holder.link ?? {}).filter((key) => /password/i.test(key))).toEqual(["passwordProtected"]);
    expect(JSON.stringify(change)).not.toMatch(/pbkdf2|passwordHash/);
  });

  it("older versions (LinkCreated v1/v2, LinkUpdated v1) give records without any control field, as before", () => {
    const id = newLinkId();
    const slug = newSlug("o");
    for (const event of [
      created({ id, slug, url: "https://example.com/o" }),
      updated({ id, slug, url: "https://example.com/o2", minute: 1 }, { url: "https://example.com/o" }),
    ]) {
      const [change] = slugChangesOf(event);
      expect(Object.keys(change?.holder.link ?? {}).sort()).toEqual(["deletedAt", "expiresAt", "id", "slug", "teamId", "url"]);
    }
  });

  it("a record mixing a v2 holder and a v3 holder parses, and readers that know neither ignore the controls", () => {
    const a = newSlug("m");
    const older = newLinkId();
    const newer = newLinkId();
    const records = project([
      [created({ id: older, slug: a, url: "https://example.com/old", minute: 0 }), deleted({ id: older, slug: a, url: "", minute: 1 })],
      [createdV3({ id: newer, slug: a, url: "https://example.com/new", minute: 2 })],
    ]);
    const stored = records.get(a);
    expect(redirectRecordSchema.safeParse(stored).success).toBe(true);
  });
});

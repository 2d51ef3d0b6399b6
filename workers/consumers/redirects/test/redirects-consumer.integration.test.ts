// The consumer through its real queue handler (the toolkit's parse, performBatch, settle and
// reports), on a real local KV namespace: what each event writes, what a redelivery, a reversed
// batch and a corrupt stored value do.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { redirectKey, VACANT_RECORD_TTL_SECONDS } from "#contracts/redirects/redirect-record";
import type { LinkEvent } from "#events";
import {
  at,
  clicked,
  created,
  createdV3,
  deleted,
  deliver,
  lifeOfALink,
  listed,
  newLinkId,
  newSlug,
  record,
  reportsFor,
  sampleControls,
  teamId,
  updated,
  updatedV2,
} from "./helpers";

const acked = (result: { explicitAcks: string[]; retryMessages: unknown[] }, count: number) => {
  expect(result.retryMessages).toEqual([]);
  expect(result.explicitAcks).toHaveLength(count);
};

describe("records written per event", () => {
  it("create, url change, move, delete: each slug's record follows, one batch at a time", async () => {
    const { id, a, b, events } = lifeOfALink();
    const [create, urlChange, moveAway, moveBack, remove] = events as [LinkEvent, LinkEvent, LinkEvent, LinkEvent, LinkEvent];

    acked(await deliver([create]), 1);
    expect(await record(a)).toEqual({
      v: 1,
      current: { id, teamId, slug: a, url: "https://example.com/v0", expiresAt: null, deletedAt: null },
      holders: { [id]: { at: at(0), state: "live", link: { id, teamId, slug: a, url: "https://example.com/v0", expiresAt: null, deletedAt: null } } },
    });
    expect((await listed(a))?.expiration).toBeUndefined();

    acked(await deliver([urlChange]), 1);
    expect((await record(a))?.current?.url).toBe("https://example.com/v1");

    acked(await deliver([moveAway]), 1);
    expect((await record(a))?.current).toBeNull();
    expect((await record(a))?.holders[id]).toEqual({ at: at(2), state: "moved" });
    expect((await record(b))?.current).toMatchObject({ id, slug: b, url: "https://example.com/v1", deletedAt: null });

    acked(await deliver([moveBack]), 1);
    expect((await record(a))?.current).toMatchObject({ id, slug: a, deletedAt: null });
    expect((await record(b))?.current).toBeNull();

    acked(await deliver([remove]), 1);
    expect((await record(a))?.current).toEqual({ id, teamId, slug: a, url: "", expiresAt: null, deletedAt: at(4) });
    for (const event of events) expect(await reportsFor(event.id, 1)).toMatchObject([{ status: "delivered", duplicate: false }]);
  });

  it("a vacant slug's record expires after VACANT_RECORD_TTL_SECONDS; a held one never, and holding it again clears the expiry", async () => {
    const id = newLinkId();
    const [a, b] = [newSlug("a"), newSlug("b")];
    const before = Math.floor(Date.now() / 1000);
    await deliver([
      created({ id, slug: a, url: "https://x.example/", minute: 0 }),
      updated({ id, slug: b, url: "https://x.example/", minute: 1 }, { slug: a }),
    ]);
    const vacant = await listed(a);
    expect(vacant?.expiration).toBeGreaterThanOrEqual(before + VACANT_RECORD_TTL_SECONDS);
    expect(vacant?.expiration).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + VACANT_RECORD_TTL_SECONDS);
    expect((await listed(b))?.expiration).toBeUndefined();

    await deliver([updated({ id, slug: a, url: "https://x.example/", minute: 2 }, { slug: b })]);
    expect((await listed(a))?.expiration).toBeUndefined();
    expect((await listed(b))?.expiration).toBeGreaterThanOrEqual(before + VACANT_RECORD_TTL_SECONDS);
  });

  it("a stray click is acked and delivered with no effect", async () => {
    const link = { id: newLinkId(), slug: newSlug(), url: "" };
    const click = clicked(link);
    acked(await deliver([click]), 1);
    expect(await record(link.slug)).toBeNull();
    expect(await reportsFor(click.id, 1)).toMatchObject([{ status: "delivered", duplicate: false }]);
  });
});

describe("duplicates and order", () => {
  it("a redelivered batch writes nothing and is reported to the ledger as duplicates", async () => {
    const { a, b, events } = lifeOfALink();
    acked(await deliver(events), events.length);
    // Marks the stored values: any put would drop the metadata.
    for (const slug of [a, b]) {
      const value = await env.REDIRECTS.get(redirectKey(slug));
      await env.REDIRECTS.put(redirectKey(slug), value ?? "", { metadata: { marker: "untouched" } });
    }
    const before = [await record(a), await record(b)];

    acked(await deliver(events), events.length);
    for (const slug of [a, b]) expect((await env.REDIRECTS.getWithMetadata(redirectKey(slug))).metadata, slug).toEqual({ marker: "untouched" });
    expect([await record(a), await record(b)]).toEqual(before);
    for (const event of events) {
      expect((await reportsFor(event.id, 2)).map((r) => [r.status, r.duplicate])).toEqual([
        ["delivered", false],
        ["delivered", true],
      ]);
    }
  });

  it("an older event arriving after a newer one changes nothing and is a duplicate", async () => {
    const id = newLinkId();
    const slug = newSlug();
    const create = created({ id, slug, url: "https://old.example/", minute: 0 });
    await deliver([updated({ id, slug, url: "https://new.example/", minute: 1 }, { url: "https://old.example/" })]);
    acked(await deliver([create]), 1);
    expect((await record(slug))?.current?.url).toBe("https://new.example/");
    expect(await reportsFor(create.id, 1)).toMatchObject([{ status: "delivered", duplicate: true }]);
  });

  it("a slug another link moved away from goes to its new link, even when the move arrives last", async () => {
    const [a, b] = [newSlug("a"), newSlug("b")];
    const [first, second] = [newLinkId(), newLinkId()];
    const move = updated({ id: first, slug: b, url: "https://first.example/", minute: 1 }, { slug: a });
    await deliver([created({ id: second, slug: a, url: "https://second.example/", minute: 2 })]);
    await deliver([created({ id: first, slug: a, url: "https://first.example/", minute: 0 })]);
    expect((await record(a))?.current?.id).toBe(second);
    acked(await deliver([move]), 1);
    expect((await record(a))?.current).toMatchObject({ id: second, url: "https://second.example/" });
    expect((await record(a))?.holders[first]).toEqual({ at: at(1), state: "moved" });
    expect((await record(b))?.current).toMatchObject({ id: first, slug: b });
  });

  it("the events of a batch in reverse order give the same records", async () => {
    const { a, b, events } = lifeOfALink();
    const second = newLinkId();
    const all = [...events.slice(0, 3), created({ id: second, slug: newSlug("c"), url: "https://c.example/" })];
    const slugs = [a, b, ...all.flatMap((e) => (e.type === "LinkCreated" ? [e.data.link.slug] : []))];
    const read = async () => Promise.all(slugs.map((s) => record(s)));

    acked(await deliver(all), all.length);
    const inOrder = await read();
    for (const slug of slugs) await env.REDIRECTS.delete(redirectKey(slug));
    acked(await deliver([...all].reverse()), all.length);
    expect(await read()).toEqual(inOrder);
    expect(inOrder[0]?.current).toBeNull();
    expect(inOrder[1]?.current?.slug).toBe(b);
  });
});

describe("failures", () => {
  it("a stored value that is no record fails exactly the events touching its slug, and is never replaced", async () => {
    const [bad, alsoBad, good] = [newSlug("bad"), newSlug("bad"), newSlug("good")];
    await env.REDIRECTS.put(redirectKey(bad), "{not json");
    await env.REDIRECTS.put(redirectKey(alsoBad), JSON.stringify({ v: 2, something: "else" }));
    const id = newLinkId();
    const events = [
      created({ id: newLinkId(), slug: bad, url: "https://bad.example/" }),
      created({ id: newLinkId(), slug: alsoBad, url: "https://bad.example/" }),
      created({ id, slug: good, url: "https://good.example/" }),
      // Touches the good slug and a bad one: fails, though its good half is written (a no-op on retry).
      updated({ id: newLinkId(), slug: newSlug("moved"), url: "https://m.example/", minute: 1 }, { slug: bad }),
    ];
    const result = await deliver(events);
    // Message ids end in the message's index in the batch (test/support/queue-batch.ts).
    const index = (msgId: string) => Number(msgId.split("-").pop());
    expect(result.retryMessages.map((m) => index(m.msgId)).sort()).toEqual([0, 1, 3]);
    expect(result.explicitAcks.map(index)).toEqual([2]);
    expect(await env.REDIRECTS.get(redirectKey(bad))).toBe("{not json");
    expect(await env.REDIRECTS.get(redirectKey(alsoBad), "json")).toEqual({ v: 2, something: "else" });
    expect((await record(good))?.current).toMatchObject({ id, url: "https://good.example/" });

    const [first, second] = [await reportsFor(events[0]?.id ?? "", 1), await reportsFor(events[1]?.id ?? "", 1)];
    expect(first[0]).toMatchObject({ status: "retrying" });
    expect(first[0]?.error).toContain(bad);
    expect(second[0]?.error).toContain(alsoBad);
    expect(await reportsFor(events[2]?.id ?? "", 1)).toMatchObject([{ status: "delivered", duplicate: false }]);
  });
});

describe("the fetch handler", () => {
  it("names the Worker", async () => {
    const { default: worker } = await import("../src/index");
    expect(await (await worker.fetch()).json()).toEqual({ worker: "linkflow-redirects", ok: true });
  });
});

describe("link controls", () => {
  it("LinkCreated v3 and LinkUpdated v2 write the controls into the slug's record; an older event beside them is still accepted", async () => {
    const id = newLinkId();
    const slug = newSlug("ctl");
    acked(await deliver([createdV3({ id, slug, url: "https://example.com/ctl", minute: 0 })]), 1);
    expect((await record(slug))?.current).toEqual({ id, teamId, slug, url: "https://example.com/ctl", expiresAt: null, deletedAt: null, ...sampleControls });

    const changed = { ...sampleControls, maxClicks: 1000, utm: null };
    const other = newLinkId();
    const otherSlug = newSlug("old");
    acked(
      await deliver([
        updatedV2({ id, slug, url: "https://example.com/ctl", minute: 1 }, changed, ["maxClicks", "utm"], { maxClicks: 500, utm: sampleControls.utm }),
        created({ id: other, slug: otherSlug, url: "https://example.com/v1-style" }),
      ]),
      2,
    );
    expect((await record(slug))?.current).toMatchObject({ maxClicks: 1000, utm: null, passwordProtected: true });
    expect((await record(otherSlug))?.current).toEqual({
      id: other,
      teamId,
      slug: otherSlug,
      url: "https://example.com/v1-style",
      expiresAt: null,
      deletedAt: null,
    });
  });
});

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { renderQrSvg } from "../src/render-qr";
import {
  BASE,
  created,
  deleted,
  deliver,
  deliverInOrder,
  invalidReportFor,
  newLinkId,
  receipt,
  reportsFor,
  stored,
  storedHead,
  tombstone,
  updated,
} from "./helpers";

/** The short URL a stored code encodes, with the scan marker: the stored SVG is the renderer's output for it, plus a version comment. */
async function encodedUrlIs(linkId: string, url: string): Promise<void> {
  const object = await stored(linkId);
  expect(object, `qr/${linkId}.svg`).not.toBeNull();
  expect((await object?.text())?.startsWith(renderQrSvg(`${url}?qr=1`))).toBe(true);
}

describe("qr consumer: effects", () => {
  it("LinkCreated v2 stores an SVG of https://<domain>/<slug>, typed image/svg+xml, and reports it delivered", async () => {
    const link = { id: newLinkId(), slug: "launch" };
    const event = created(link, 2, "lnk.example");
    const { ids, result } = await deliver([event]);
    expect(result.explicitAcks).toEqual(ids);
    const head = await storedHead(link.id);
    expect(head?.httpMetadata?.contentType).toBe("image/svg+xml");
    expect(head?.customMetadata).toMatchObject({ linkId: link.id, slug: "launch", domain: "lnk.example", eventId: event.id });
    await encodedUrlIs(link.id, "https://lnk.example/launch");
    expect(await reportsFor(event.id)).toMatchObject([{ status: "delivered", attempts: 1, error: null, duplicate: false }]);
    expect(await receipt(event.id)).not.toBeNull();
  });

  it("LinkCreated v1 (no domain) is still rendered, on SHORT_BASE_URL", async () => {
    const link = { id: newLinkId(), slug: "old-producer" };
    await deliver([created(link, 1)]);
    await encodedUrlIs(link.id, `${BASE}/old-producer`);
  });

  it("LinkCreated v3 and LinkUpdated v2 (with the link controls) render as v2 and v1 do", async () => {
    const link = { id: newLinkId(), slug: "controlled" };
    const { ids, result } = await deliver([created(link, 3, "lnk.example")]);
    expect(result.explicitAcks).toEqual(ids);
    await encodedUrlIs(link.id, "https://lnk.example/controlled");
    await deliver([updated({ ...link, slug: "controlled-2", minute: 5 }, ["slug"], { slug: "controlled" }, 2)]);
    await encodedUrlIs(link.id, "https://lnk.example/controlled-2");
    await deliver([updated({ ...link, slug: "controlled-3", minute: 6 }, ["slug"], { slug: "controlled-2" }, 1)]);
    await encodedUrlIs(link.id, "https://lnk.example/controlled-3");
  });

  it("a slug change re-renders the code on the link's own domain", async () => {
    const link = { id: newLinkId(), slug: "before" };
    await deliver([created(link, 2, "go.example")]);
    const first = await storedHead(link.id);
    await deliver([updated({ ...link, slug: "after", minute: 5 }, ["slug", "title"], { slug: "before" })]);
    await encodedUrlIs(link.id, "https://go.example/after");
    expect((await storedHead(link.id))?.httpEtag).not.toBe(first?.httpEtag);
  });

  it("an update that leaves the slug alone leaves the object untouched", async () => {
    const link = { id: newLinkId(), slug: "steady" };
    await deliver([created(link)]);
    const before = await storedHead(link.id);
    const { ids, result } = await deliver([updated({ ...link, minute: 5 }, ["url", "title", "tags"], { title: "Old" })]);
    expect(result.explicitAcks).toEqual(ids);
    const after = await storedHead(link.id);
    expect(after?.httpEtag).toBe(before?.httpEtag);
    expect(after?.uploaded.getTime()).toBe(before?.uploaded.getTime());
  });

  it("LinkDeleted removes the code and leaves a tombstone", async () => {
    const link = { id: newLinkId(), slug: "gone" };
    await deliver([created(link)]);
    const { ids, result } = await deliver([deleted({ ...link, minute: 9 })]);
    expect(result.explicitAcks).toEqual(ids);
    expect(await stored(link.id)).toBeNull();
    expect(await tombstone(link.id)).not.toBeNull();
  });
});

describe("qr consumer: order and duplicates", () => {
  it("a LinkCreated or LinkUpdated after LinkDeleted does not bring the code back", async () => {
    const link = { id: newLinkId(), slug: "late" };
    await deliverInOrder([deleted({ ...link, minute: 9 }), created(link), updated({ ...link, slug: "later", minute: 5 })]);
    expect(await stored(link.id)).toBeNull();
  });

  it("an older slug change arriving after a newer one does not overwrite it", async () => {
    const link = { id: newLinkId(), slug: "v0" };
    await deliverInOrder([created(link), updated({ ...link, slug: "v2", minute: 2 }), updated({ ...link, slug: "v1", minute: 1 })]);
    await encodedUrlIs(link.id, "https://lnk.example/v2");
  });

  it("ends in the same state whatever order create, two slug changes and a delete arrive in", async () => {
    const permutations = <T>(items: T[]): T[][] =>
      items.length <= 1 ? [items] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
    for (const order of permutations([0, 1, 2])) {
      const link = { id: newLinkId(), slug: "a" };
      const events = [created(link, 2, "p.example"), updated({ ...link, slug: "b", minute: 1 }), updated({ ...link, slug: "c", minute: 2 })];
      await deliverInOrder(order.map((i) => events[i]).filter((e) => e !== undefined));
      // The domain comes from LinkCreated v2 even when an update was rendered before it arrived.
      await encodedUrlIs(link.id, "https://p.example/c");
    }
    for (const order of permutations([0, 1, 2, 3])) {
      const link = { id: newLinkId(), slug: "a" };
      const events = [created(link), updated({ ...link, slug: "b", minute: 1 }), updated({ ...link, slug: "c", minute: 2 }), deleted({ ...link, minute: 3 })];
      await deliverInOrder(order.map((i) => events[i]).filter((e) => e !== undefined));
      expect(await stored(link.id), `order ${order.join(",")}`).toBeNull();
    }
  });

  it("a duplicate, in the same batch or redelivered later, writes nothing more, is acked and reported as a duplicate", async () => {
    const link = { id: newLinkId(), slug: "twice" };
    const event = created(link);
    const first = await deliver([event, event]);
    expect(first.result.explicitAcks).toEqual(first.ids);
    const before = await storedHead(link.id);
    const again = await deliver([event], { attempts: 2 });
    expect(again.result.explicitAcks).toEqual(again.ids);
    const after = await storedHead(link.id);
    expect(after?.uploaded.getTime()).toBe(before?.uploaded.getTime());
    expect(after?.httpEtag).toBe(before?.httpEtag);
    const reports = await reportsFor(event.id, 3);
    expect(reports.map((r) => [r.attempts, r.duplicate])).toEqual([
      [1, false],
      [1, true],
      [2, true],
    ]);
    const del = deleted({ ...link, minute: 1 });
    await deliver([del, del]);
    const redelivered = await deliver([del], { attempts: 3 });
    expect(redelivered.result.explicitAcks).toEqual(redelivered.ids);
    expect(await stored(link.id)).toBeNull();
  });
});

describe("qr consumer: bad messages and failures", () => {
  it("acks malformed messages and dead-letters them through the delivery report, with the reason", async () => {
    const link = { id: newLinkId(), slug: "fine" };
    const badLink = { ...created(link), data: { link: { id: "lnk_nope" }, domain: "x.example" } };
    const { ids, result } = await deliver(["not json at all", { type: "LinkCreated", marker: "no-envelope" }, badLink, created(link)]);
    expect(result.explicitAcks.sort()).toEqual([...ids].sort());
    expect(result.retryMessages).toEqual([]);
    expect((await invalidReportFor("not json at all")).reason).toMatch(/^invalid envelope: /);
    expect((await invalidReportFor("no-envelope")).reason).toMatch(/^invalid envelope: /);
    expect((await invalidReportFor("lnk_nope")).reason).toMatch(/^invalid envelope: /);
    await encodedUrlIs(link.id, "https://lnk.example/fine");
  });

  it("retries only the event that failed; the rest of the batch is rendered and acked", async () => {
    const ok = { id: newLinkId(), slug: "ok" };
    const failing = created({ id: newLinkId(), slug: "failing" });
    if (failing.type !== "LinkCreated") throw new Error("expected a LinkCreated");
    failing.data.link.tags = ["chaos:qr"];
    // The toolkit's opt-in fault injection: a real failure of this one event on every attempt.
    const { ids, result } = await deliver([failing, created(ok)], { env: { ...env, FAULT_INJECTION_TAG: "chaos" } as Cloudflare.Env });
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([ids[0]]);
    expect(result.explicitAcks).toEqual([ids[1]]);
    expect(await stored(failing.subject)).toBeNull();
    expect(await receipt(failing.id)).toBeNull();
    await encodedUrlIs(ok.id, "https://lnk.example/ok");
    expect(await reportsFor(failing.id)).toMatchObject([{ status: "retrying", error: "injected fault (chaos:qr)" }]);
  });

  it("a broken SHORT_BASE_URL retries every event instead of storing a wrong code", async () => {
    const link = { id: newLinkId(), slug: "misconfigured" };
    const { result } = await deliver([created(link)], { env: { ...env, SHORT_BASE_URL: "not a url" } });
    expect(result.retryMessages).toHaveLength(1);
    expect(await stored(link.id)).toBeNull();
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { startReceiver, type Receiver } from "../chaos/receiver.ts";

// The chaos harness's webhook receivers (test/chaos/receiver.ts): they must refuse what is not
// signed, fail exactly where their mode says, and count each webhook-id once however often it
// arrives, or the harness's LOST/DOUBLED counts mean nothing.
const SECRET = `whsec_${Buffer.from("chaos-receiver-test-secret-0123456789").toString("base64")}`;
let receiver: Receiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function post(url: string, id: string, body: unknown, secret = SECRET): Promise<number | "no answer"> {
  const payload = JSON.stringify(body);
  const at = new Date();
  const signature = new Webhook(secret).sign(id, at, payload);
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": signature,
      },
      body: payload,
      signal: AbortSignal.timeout(2_000),
    });
    return res.status;
  } catch {
    return "no answer";
  }
}

const created = (linkId: string) => ({ type: "link.created", timestamp: new Date().toISOString(), data: { link: { id: linkId } } });
const clicked = (linkId: string) => ({ type: "link.clicked", timestamp: new Date().toISOString(), data: { linkId } });

describe("chaos webhook receivers", () => {
  it("accept signed webhooks once per webhook-id and refuse bad signatures", async () => {
    receiver = await startReceiver("ok");
    receiver.secret = SECRET;
    expect(await post(receiver.url, "evt_1", created("lnk_a"))).toBe(200);
    expect(await post(receiver.url, "evt_1", created("lnk_a"))).toBe(200);
    expect(await post(receiver.url, "evt_2", clicked("lnk_a"))).toBe(200);
    const other = `whsec_${Buffer.from("another-secret-entirely-0123456789").toString("base64")}`;
    expect(await post(receiver.url, "evt_3", created("lnk_b"), other)).toBe(400);
    expect([...receiver.accepted]).toEqual([
      ["evt_1", { type: "link.created", linkId: "lnk_a", times: 2 }],
      ["evt_2", { type: "link.clicked", linkId: "lnk_a", times: 1 }],
    ]);
    expect(receiver.stats).toEqual({ requests: 4, refusedOnPurpose: 0, hung: 0, badSignature: 1 });
  });

  it("fail-first answers 500 to the first request of each webhook-id, then accepts it", async () => {
    receiver = await startReceiver("fail-first");
    receiver.secret = SECRET;
    expect(await post(receiver.url, "evt_1", created("lnk_a"))).toBe(500);
    expect(receiver.accepted.size).toBe(0);
    expect(await post(receiver.url, "evt_1", created("lnk_a"))).toBe(200);
    expect(await post(receiver.url, "evt_2", created("lnk_b"))).toBe(500);
    expect([...receiver.accepted.keys()]).toEqual(["evt_1"]);
    expect(receiver.stats).toMatchObject({ requests: 3, refusedOnPurpose: 2 });
  });

  it("hang-first holds the first request of each webhook-id without an answer, then accepts it", async () => {
    receiver = await startReceiver("hang-first", { hangMs: 3_000 });
    receiver.secret = SECRET;
    expect(await post(receiver.url, "evt_1", created("lnk_a"))).toBe("no answer");
    expect(receiver.accepted.size).toBe(0);
    expect(await post(receiver.url, "evt_1", created("lnk_a"))).toBe(200);
    expect(receiver.stats).toMatchObject({ requests: 2, hung: 1 });
  });
});

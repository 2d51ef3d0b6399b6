import { describe, expect, it } from "vitest";
import { feedClient } from "../../../durable-objects/team-feed/test/feed-client";
import { api, createTeam, tableCounts, waitForOutboxQuiet } from "./helpers";

// Issue 11's abuse corpus, its WebSocket half (the HTTP half is abuse-corpus.integration.test.ts).
// Hostile WebSocket frames on a live feed socket: each is answered with an error frame that
// names the client's mistake (never "internal"), the socket stays usable (a ping still gets its
// pong) until the object closes it with 1008 for too many refused frames, and nothing is written.
const deepJson = `${"[".repeat(2000)}${"]".repeat(2000)}`;
const hostileFrames: (string | Uint8Array)[] = [
  new Uint8Array([0, 1, 2, 3]),
  new TextEncoder().encode('{"type":"ping"}'),
  "x".repeat(5000),
  `{"type":"ping","pad":"${"p".repeat(5000)}"}`,
  "",
  " ",
  "{",
  "null",
  "[]",
  "42",
  '"ping"',
  "true",
  "{}",
  '{"type":"PING"}',
  '{"type":"ping","extra":1}',
  '{"type":"since"}',
  '{"type":"since","eventId":null}',
  '{"type":"since","eventId":42}',
  '{"type":"since","eventId":"evt_nope"}',
  '{"type":"since","eventId":"evt_01JDQ8Z5W6KX3M9T4V7B2N1C0A","x":1}',
  '{"type":"since","eventId":"lnk_01JDQ8Z5W6KX3M9T4V7B2N1C0A"}',
  '{"type":"subscribe","team":"team_01JDQ8Z5W6KX3M9T4V7B2N1C0A"}',
  '{"type":"broadcast","events":[]}',
  '{"__proto__":{"type":"ping"}}',
  '{"constructor":{"prototype":{"type":"ping"}}}',
  deepJson,
  '{"type":"\ud800"}',
  '{"type":"ping"}{"type":"ping"}',
  "\u0000",
  "<script>alert(1)</script>",
];

describe("abuse corpus: live feed frames", () => {
  it(`answers ${hostileFrames.length} hostile frames with client errors, never an internal one, and writes nothing`, async () => {
    const victim = await createTeam("Frames");
    await waitForOutboxQuiet();
    const before = await tableCounts();
    const open = async () => {
      const minted = await api("/v1/feed/token", { method: "POST", headers: victim.auth });
      const { token } = (await minted.json()) as { token: string };
      const client = feedClient(await api(`/v1/feed?token=${token}`, { headers: { upgrade: "websocket" } }));
      await client.waitFor("ready");
      return client;
    };
    // Up to 8 hostile frames a socket: within its refused-frame budget, so every one is answered.
    for (let start = 0; start < hostileFrames.length; start += 8) {
      const client = await open();
      const batch = hostileFrames.slice(start, start + 8);
      for (const frame of batch) client.ws.send(frame);
      const errors = await client.waitFor("error", batch.length);
      for (const error of errors) expect(["invalid_frame", "rate_limited"]).toContain(error.error.code);
      client.send({ type: "ping" });
      await client.waitFor("pong");
      client.ws.close(1000, "done");
    }
    // Past the budget the object closes the socket with a policy-violation code, not an error.
    const flooder = await open();
    for (let i = 0; i < 20; i++) flooder.ws.send("{");
    expect((await flooder.closed).code).toBe(1008);
    expect(await tableCounts()).toEqual(before);
  });
});

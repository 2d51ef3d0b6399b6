import { describe, expect, it } from "vitest";
import { qrScanUrl } from "#contracts/qr/codes";
import { scanQrSvg } from "../support/scan-qr";
import { api, baseUrl, createLink, createTeam, deliveries, eventIdOf, eventually, type Team } from "./client";

/** The qr subscriber's delivery of the link's newest event of `type`, once delivered. */
async function qrDelivered(team: Team, linkId: string, type: string): Promise<void> {
  const eventId = await eventIdOf(team, linkId, type);
  await eventually(async () => (await deliveries(team, eventId)).some((d) => d.subscriber === "qr" && d.status === "delivered"), `qr to process ${type}`);
}

async function getQr(team: Team, linkId: string, query = ""): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(`${baseUrl}/v1/links/${linkId}/qr${query}`, { headers: team.auth });
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

describe("QR codes on the real stack", () => {
  it("serve, once the ledger says delivered, an SVG that scans to the exact shortUrl with the scan marker, and follow a slug change", async () => {
    const team = await createTeam("Qr");
    const link = await createLink(team, { url: "https://example.com/qr-e2e" });
    await qrDelivered(team, link.id, "LinkCreated");
    const served = await getQr(team, link.id);
    expect(served).toMatchObject({ status: 200, type: "image/svg+xml" });
    const scanned = scanQrSvg(served.body)?.text;
    expect(scanned).toBe(qrScanUrl(link.shortUrl));
    // What a phone opens: the redirect takes the marker out before the destination sees the query.
    const opened = await fetch(scanned ?? "", { redirect: "manual" });
    expect([opened.status, opened.headers.get("location")]).toEqual([302, "https://example.com/qr-e2e"]);

    const variant = await getQr(team, link.id, "?size=600&ecl=Q&fg=%231a4d8f&bg=%23f5e6cc");
    expect(variant.status).toBe(200);
    expect(scanQrSvg(variant.body)).toEqual({ text: qrScanUrl(link.shortUrl), width: 600 });

    const res = await fetch(`${baseUrl}/v1/links/${link.id}`, {
      method: "PATCH",
      headers: { ...team.auth, "content-type": "application/json" },
      body: JSON.stringify({ slug: `qr-${crypto.randomUUID().slice(0, 8)}` }),
    });
    const moved = (await res.json()) as { shortUrl: string };
    expect(res.status).toBe(200);
    await qrDelivered(team, link.id, "LinkUpdated");
    expect(scanQrSvg((await getQr(team, link.id)).body)?.text).toBe(qrScanUrl(moved.shortUrl));

    expect((await fetch(`${baseUrl}/v1/links/${link.id}`, { method: "DELETE", headers: team.auth })).status).toBe(204);
    expect((await getQr(team, link.id)).status).toBe(404);
  });

  it("applies a replayed event once: same code, and the ledger counts the duplicates", async () => {
    const team = await createTeam("QrReplay");
    const link = await createLink(team, { url: "https://example.com/qr-replay" });
    await qrDelivered(team, link.id, "LinkCreated");
    const etag = (await fetch(`${baseUrl}/v1/links/${link.id}/qr`, { headers: team.auth })).headers.get("etag");
    const eventId = await eventIdOf(team, link.id, "LinkCreated");
    for (let i = 0; i < 2; i++) await api.admin("POST", "/v1/admin/replay", { subscriber: "qr", eventIds: [eventId] });
    const qr = await eventually(
      async () => (await deliveries(team, eventId)).find((d) => d.subscriber === "qr" && d.duplicates === 2),
      "qr to skip both copies",
    );
    expect(qr).toMatchObject({ status: "delivered", attempts: 1, duplicates: 2, lastError: null });
    const again = await fetch(`${baseUrl}/v1/links/${link.id}/qr`, { headers: { ...team.auth, "if-none-match": etag ?? "" } });
    expect(again.status).toBe(304);
  });
});

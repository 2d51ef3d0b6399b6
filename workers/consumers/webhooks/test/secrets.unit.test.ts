import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { configOf } from "../src/config";
import { decryptSecret, encryptSecret, generateSecret } from "../src/secrets";
import { clockedAttempts, createEndpoint, endpointRow, insertDelivery, received, teamId, webhooks } from "./helpers";

const KEY = "test-webhook-secrets-key-0123456789";
const A = "whk_01JG00000000000000000000AA";
const B = "whk_01JG00000000000000000000BB";

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** A secret as rows stored it before secrets were sealed to their endpoint: `iv.ciphertext`, no associated data. */
async function unsealedCipher(secret: string, masterKey: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", await crypto.subtle.digest("SHA-256", encoder.encode(masterKey)), "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  return `${toBase64(iv)}.${toBase64(new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, encoder.encode(secret))))}`;
}

async function setSecretCipher(endpointId: string, cipher: string): Promise<void> {
  await env.WEBHOOKS_DB.prepare("UPDATE webhook_endpoints SET secret_cipher = ? WHERE id = ?").bind(cipher, endpointId).run();
}

describe("secrets at rest", () => {
  it("seals a secret to its endpoint (v2., the endpoint id as associated data)", async () => {
    const secret = generateSecret();
    const stored = await encryptSecret(secret, KEY, A);
    expect(stored).toMatch(/^v2\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/);
    expect(await decryptSecret(stored, KEY, A)).toBe(secret);
    await expect(decryptSecret(stored, KEY, B)).rejects.toThrow(/does not decrypt for endpoint/);
    await expect(decryptSecret(stored, "another-master-key-0123456789", A)).rejects.toThrow(/does not decrypt/);
    await expect(decryptSecret(stored.replace(/^v2\./, ""), KEY, A)).rejects.toThrow(/does not decrypt/);
  });

  it("still decrypts a secret stored before the version marker", async () => {
    const secret = generateSecret();
    expect(await decryptSecret(await unsealedCipher(secret, KEY), KEY, A)).toBe(secret);
  });

  it("signs nothing with a ciphertext copied from another endpoint's row", async () => {
    const team = teamId();
    const victim = await createEndpoint(team, "https://hooks.example.com/ok/swap-victim");
    const attacker = await createEndpoint(teamId(), "https://hooks.example.com/ok/swap-attacker");
    await setSecretCipher(attacker.id, (await endpointRow(victim.id)).secretCipher);
    const message = await insertDelivery(team, attacker.id);
    await expect(clockedAttempts().attempt(message, Date.now())).rejects.toThrow(/does not decrypt for endpoint/);
    expect(await received("/ok/swap-attacker")).toEqual([]);
  });

  it("delivers with an old row's secret, and seals it (current and previous) at the next rotation", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/legacy-row");
    const old = generateSecret();
    await setSecretCipher(endpoint.id, await unsealedCipher(old, configOf(env).WEBHOOK_SECRETS_KEY));
    const driver = clockedAttempts();
    await driver.attempt(await insertDelivery(team, endpoint.id), Date.now());
    const [first] = await received("/ok/legacy-row");
    expect(() => new Webhook(old).verify(first?.body ?? "", first?.headers ?? {})).not.toThrow();

    const rotated = await webhooks.rotateSecret({ teamId: team, endpointId: endpoint.id });
    if (!rotated.ok) throw new Error("rotation failed");
    const row = await endpointRow(endpoint.id);
    expect(row.secretCipher).toMatch(/^v2\./);
    expect(row.previousSecretCipher).toMatch(/^v2\./);
    expect(await decryptSecret(row.previousSecretCipher ?? "", KEY, endpoint.id)).toBe(old);
    await driver.attempt(await insertDelivery(team, endpoint.id), Date.now());
    const second = (await received("/ok/legacy-row"))[1];
    expect(second?.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    for (const secret of [old, rotated.value.secret]) expect(() => new Webhook(secret).verify(second?.body ?? "", second?.headers ?? {})).not.toThrow();
  });
});

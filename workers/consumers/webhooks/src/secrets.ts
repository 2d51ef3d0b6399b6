/**
 * Endpoint signing secrets: `whsec_` + base64 of 32 random bytes, shown to the team at
 * creation and rotation only. At rest they are AES-GCM ciphertext under a key derived
 * from the Worker secret WEBHOOK_SECRETS_KEY, so a copy of the database signs nothing,
 * and bound to their endpoint's id, so a ciphertext moved to another row signs nothing either.
 */

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function generateSecret(): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

async function aesKey(masterKey: string): Promise<CryptoKey> {
  const material = await crypto.subtle.digest("SHA-256", encoder.encode(masterKey));
  return crypto.subtle.importKey("raw", material, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** Stored secrets sealed to their endpoint carry this prefix; rows written before it are bare `iv.ciphertext`. */
const SEALED = "v2.";

/**
 * The endpoint id as AES-GCM associated data: a ciphertext copied onto another endpoint's
 * row fails to decrypt there instead of signing that endpoint's webhooks with this secret.
 */
function associatedData(endpointId: string): Uint8Array {
  return encoder.encode(`linkflow/webhook-endpoint-secret/${endpointId}`);
}

export async function encryptSecret(secret: string, masterKey: string, endpointId: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const cipher = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: associatedData(endpointId) },
    await aesKey(masterKey),
    encoder.encode(secret),
  );
  return `${SEALED}${toBase64(iv)}.${toBase64(new Uint8Array(cipher))}`;
}

/** True for a secret stored before it was sealed to its endpoint (re-encrypted at the next rotation). */
export function isUnsealed(stored: string): boolean {
  return !stored.startsWith(SEALED);
}

export async function decryptSecret(stored: string, masterKey: string, endpointId: string): Promise<string> {
  const sealed = !isUnsealed(stored);
  const [iv, cipher, extra] = (sealed ? stored.slice(SEALED.length) : stored).split(".");
  if (!iv || !cipher || extra !== undefined) throw new Error("stored secret is not [v2.]iv.ciphertext");
  const params = sealed ? { name: "AES-GCM", iv: fromBase64(iv), additionalData: associatedData(endpointId) } : { name: "AES-GCM", iv: fromBase64(iv) };
  try {
    return new TextDecoder().decode(await crypto.subtle.decrypt(params, await aesKey(masterKey), fromBase64(cipher)));
  } catch {
    throw new Error(`the stored secret does not decrypt for endpoint ${endpointId} (another key, another endpoint's row, or altered)`);
  }
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the secret's decoded bytes. */
export async function signatureFor(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", fromBase64(secret.slice("whsec_".length)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestamp}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

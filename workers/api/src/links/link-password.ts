/**
 * Link passwords: stored only as a slow, salted hash, in one self-describing string
 * `pbkdf2-sha256$<iterations>$<salt, base64url>$<hash, base64url>`.
 *
 * The cost: PBKDF2-SHA256 at 100,000 iterations, a 16-byte random salt and a 32-byte key.
 * 100,000 is the most Cloudflare Workers' WebCrypto accepts for PBKDF2 (it refuses more), so
 * it is also the ceiling here: weaker than today's OWASP advice for PBKDF2-SHA256 (600,000),
 * which is why link passwords are a sharing control, not an account secret (README "Link
 * controls"). The iteration count is stored with each hash, so a later change of cost still
 * verifies the hashes made before it.
 */

export const PASSWORD_ALGORITHM = "pbkdf2-sha256";
export const PASSWORD_ITERATIONS = 100_000;
/** Workers' WebCrypto refuses PBKDF2 above this many iterations. */
const MAX_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

const STORED_FORMAT = /^pbkdf2-sha256\$(\d{1,6})\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, KEY_BYTES * 8);
  return new Uint8Array(bits);
}

/** Hashes a link password with a fresh random salt: the string to store. */
export async function hashLinkPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PASSWORD_ITERATIONS);
  return `${PASSWORD_ALGORITHM}$${PASSWORD_ITERATIONS}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

/** Compares two equal-length byte strings in time independent of where they differ. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * True when `candidate` is the password `stored` was made from. A stored string that is not
 * of the format above (tampered, truncated, another algorithm, an iteration count Workers
 * cannot run) verifies nothing: false, never an exception.
 */
export async function verifyLinkPassword(stored: string, candidate: string): Promise<boolean> {
  const match = STORED_FORMAT.exec(stored);
  if (!match) return false;
  const iterations = Number(match[1]);
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) return false;
  let salt: Uint8Array;
  let expected: Uint8Array;
  try {
    salt = fromBase64Url(match[2] ?? "");
    expected = fromBase64Url(match[3] ?? "");
  } catch {
    return false;
  }
  if (salt.length !== SALT_BYTES || expected.length !== KEY_BYTES) return false;
  const actual = await derive(candidate, salt, iterations);
  // Every byte is compared, whatever differs first: the time says nothing about the hash.
  return constantTimeEqual(actual, expected);
}

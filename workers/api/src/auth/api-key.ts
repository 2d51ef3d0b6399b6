import { base64url, randomBytes, sha256Hex } from "../../../shared/crypto";

/** `lf_` + 32 random bytes in base64url: 256 bits, URL- and header-safe. */
export const API_KEY_PATTERN = /^lf_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 7;

export interface NewApiKey {
  key: string;
  hash: string;
  prefix: string;
}

export async function generateApiKey(): Promise<NewApiKey> {
  const key = `lf_${base64url(randomBytes(32))}`;
  return { key, hash: await hashApiKey(key), prefix: key.slice(0, PREFIX_LENGTH) };
}

export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}

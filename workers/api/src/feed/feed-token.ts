import { teamIdSchema } from "#events";
import { hmacSha256Hex, secretsEqual } from "../../../shared/crypto";
import { ID_PATTERN } from "../../../shared/ids";

/**
 * Short-lived tokens for the live feed. Browsers cannot set an Authorization header
 * on a WebSocket, so the page trades its API key for one of these and puts it in the
 * URL. A token names one team, the API key it was minted with and an expiry, and is
 * signed with FEED_TOKEN_SECRET:
 * `ft2.<teamId>.<keyId>.<expires, unix seconds>.<hex HMAC-SHA256 of the part before it>`.
 * Short-lived because a URL ends up in logs and histories; bound to the key so that
 * revoking the key also ends what was opened with it (ft1 tokens, which named no key,
 * are refused: they lived 60 seconds).
 */
export const FEED_TOKEN_TTL_SECONDS = 60;

const VERSION = "ft2";
const TOKEN_PATTERN = /^ft2\.(team_[0-9A-HJKMNP-TV-Z]{26})\.(key_[0-9A-HJKMNP-TV-Z]{26})\.(\d{10})\.([0-9a-f]{64})$/;

export interface FeedToken {
  token: string;
  expiresAt: Date;
}

/** What a valid token says: the team whose feed it opens and the key it was minted with. */
export interface FeedTokenClaims {
  teamId: string;
  keyId: string;
}

export async function mintFeedToken(secret: string, claims: FeedTokenClaims, expiresAt: Date): Promise<FeedToken> {
  const team = teamIdSchema.parse(claims.teamId);
  if (!ID_PATTERN.key.test(claims.keyId)) throw new Error("mintFeedToken: not a key id");
  const expires = Math.floor(expiresAt.getTime() / 1000);
  const signed = `${VERSION}.${team}.${claims.keyId}.${expires}`;
  return { token: `${signed}.${await hmacSha256Hex(secret, signed)}`, expiresAt: new Date(expires * 1000) };
}

/**
 * The claims of a token, or null when it is malformed, forged (any part changed,
 * including the team or the key) or expired. The signature is compared in constant time.
 * It says nothing about the key still being valid: the caller checks that.
 */
export async function verifyFeedToken(secret: string, token: string, now: Date): Promise<FeedTokenClaims | null> {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return null;
  const [, teamId = "", keyId = "", expires = "", signature = ""] = match;
  const expected = await hmacSha256Hex(secret, `${VERSION}.${teamId}.${keyId}.${expires}`);
  if (!(await secretsEqual(signature, expected))) return null;
  const expiresMs = Number(expires) * 1000;
  // Beyond the lifetime we hand out means a token we did not mint this way: refuse it too.
  if (expiresMs <= now.getTime() || expiresMs > now.getTime() + (FEED_TOKEN_TTL_SECONDS + 5) * 1000) return null;
  return { teamId, keyId };
}

import { teamIdSchema } from "../../../../events";
import { hmacSha256Hex, secretsEqual } from "../../../shared/crypto";

/**
 * Short-lived tokens for the live feed. Browsers cannot set an Authorization header
 * on a WebSocket, so the page trades its API key for one of these and puts it in the
 * URL. A token names one team and an expiry and is signed with FEED_TOKEN_SECRET:
 * `ft1.<teamId>.<expires, unix seconds>.<hex HMAC-SHA256 of the part before it>`.
 * Short-lived because a URL ends up in logs and histories.
 */
export const FEED_TOKEN_TTL_SECONDS = 60;

const VERSION = "ft1";
const TOKEN_PATTERN = /^ft1\.(team_[0-9A-HJKMNP-TV-Z]{26})\.(\d{10})\.([0-9a-f]{64})$/;

export interface FeedToken {
  token: string;
  expiresAt: Date;
}

export async function mintFeedToken(secret: string, teamId: string, expiresAt: Date): Promise<FeedToken> {
  const team = teamIdSchema.parse(teamId);
  const claims = `${VERSION}.${team}.${Math.floor(expiresAt.getTime() / 1000)}`;
  return { token: `${claims}.${await hmacSha256Hex(secret, claims)}`, expiresAt: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000) };
}

/**
 * The team a token was minted for, or null when it is malformed, forged (any part
 * changed, including the team) or expired. The signature is compared in constant time.
 */
export async function verifyFeedToken(secret: string, token: string, now: Date): Promise<string | null> {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return null;
  const [, teamId = "", expires = "", signature = ""] = match;
  const expected = await hmacSha256Hex(secret, `${VERSION}.${teamId}.${expires}`);
  if (!(await secretsEqual(signature, expected))) return null;
  const expiresMs = Number(expires) * 1000;
  // Beyond the lifetime we hand out means a token we did not mint this way: refuse it too.
  if (expiresMs <= now.getTime() || expiresMs > now.getTime() + (FEED_TOKEN_TTL_SECONDS + 5) * 1000) return null;
  return teamId;
}

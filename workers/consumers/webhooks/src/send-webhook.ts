import { errorMessage } from "../../../shared/log";
import { parseRetryAfter } from "./retry-schedule";
import { signatureFor } from "./secrets";

export const USER_AGENT = "Linkflow-Webhooks/1.0";
export const TIMEOUT_MS = 15_000;
const EXCERPT_BYTES = 1024;

export interface WebhookRequest {
  url: string;
  /** The event id: the `webhook-id` of every attempt, so receivers can drop repeats. */
  webhookId: string;
  /** The exact body, fixed when the delivery was made, so every attempt signs the same bytes. */
  body: string;
  /** Every secret the receiver may hold: the current one, and the previous one during a rotation. */
  secrets: string[];
  now: Date;
}

export interface SendResult {
  status: number | null;
  excerpt: string | null;
  /** Null exactly when the endpoint answered 2xx. */
  error: string | null;
  retryAfterSeconds: number | null;
}

/** The Standard Webhooks headers: id, timestamp (seconds) and one `v1,` signature per secret. */
export async function webhookHeaders(request: WebhookRequest): Promise<Record<string, string>> {
  const timestamp = Math.floor(request.now.getTime() / 1000);
  const signatures = await Promise.all(request.secrets.map((s) => signatureFor(s, request.webhookId, timestamp, request.body)));
  return {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "webhook-id": request.webhookId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signatures.join(" "),
  };
}

/** One POST. Only 2xx succeeds; a redirect is a failure (it could lead anywhere, inside networks too). */
export async function sendWebhook(request: WebhookRequest): Promise<SendResult> {
  try {
    const res = await fetch(request.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: await webhookHeaders(request),
      body: request.body,
    });
    const excerpt = await excerptOf(res, EXCERPT_BYTES);
    return {
      status: res.status,
      excerpt,
      error: res.ok ? null : `the endpoint answered ${res.status}`,
      retryAfterSeconds: parseRetryAfter(res.headers.get("retry-after"), request.now),
    };
  } catch (e) {
    const timedOut = e instanceof Error && e.name === "TimeoutError";
    const error = timedOut ? `no answer within ${TIMEOUT_MS / 1000} s` : `request failed: ${errorMessage(e)}`;
    return { status: null, excerpt: null, error, retryAfterSeconds: null };
  }
}

/** Reads at most `limit` bytes of a response and drops the rest: an endpoint cannot make us buffer megabytes. */
async function excerptOf(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  // Streaming mode holds back a character cut at the limit instead of adding U+FFFD, so the stored excerpt stays within `limit` UTF-8 bytes.
  return new TextDecoder().decode(all.slice(0, limit), { stream: true });
}

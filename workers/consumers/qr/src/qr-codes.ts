import { WorkerEntrypoint } from "cloudflare:workers";
import { normaliseOptions, renderQrSvg, type QrOptions } from "./render-qr";
import { qrConfigOf } from "./qr-config";
import { qrRequestSchema, type QrResult } from "./qr-rpc-schemas";
import { shortUrlOf } from "./qr-state";
import { qrKey, storedState } from "./qr-store";

/** RFC 9110 If-None-Match: "*" or a list of entity tags, compared weakly. */
export function etagListMatches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === "*") return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => opaque(tag) === opaque(etag));
}

/** A variant's validator: the stored code's ETag and the options, so it changes whenever either does. */
async function variantEtag(storedEtag: string, options: QrOptions): Promise<string> {
  const { size, ecl, fg, bg } = normaliseOptions(options);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${storedEtag}|${size}|${ecl}|${fg}|${bg}`));
  return `"${[...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("")}"`;
}

/**
 * The QR service's RPC face for the api Worker: the stored code or a variant of it.
 * Variants are rendered from the stored state, so they encode exactly its URL. Nobody
 * else reads QR_BUCKET.
 */
export class QrCodes extends WorkerEntrypoint<QrEnv> {
  async qrCode(input: unknown): Promise<QrResult> {
    const parsed = qrRequestSchema.safeParse(input);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`).join("; ");
      // A TypeError with the bad fields: a ZodError's details do not survive RPC.
      throw new TypeError(`QrCodes.qrCode: invalid input: ${detail}`);
    }
    const { linkId, slug, ifNoneMatch, options } = parsed.data;
    const head = await this.env.QR_BUCKET.head(qrKey(linkId));
    const state = head ? storedState(head) : null;
    if (!head || state?.slug !== slug) return { status: "pending" };

    const etag = options ? await variantEtag(head.httpEtag, options) : head.httpEtag;
    if (ifNoneMatch !== undefined && etagListMatches(ifNoneMatch, etag)) return { status: "not-modified", etag };
    if (options) return { status: "ready", etag, svg: renderQrSvg(shortUrlOf(state, qrConfigOf(this.env).SHORT_BASE_URL), options) };

    // Only the version just checked: a re-render in between reads as pending, and the client asks again.
    const object = await this.env.QR_BUCKET.get(qrKey(linkId), { onlyIf: { etagMatches: head.etag } });
    if (!object || !("body" in object)) return { status: "pending" };
    return { status: "ready", etag, svg: await object.text() };
  }
}

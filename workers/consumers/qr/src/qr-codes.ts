import { WorkerEntrypoint } from "cloudflare:workers";
import type { QrOptions } from "#contracts/qr/codes";
import { normaliseOptions, renderQrSvg } from "./render-qr";
import { qrConfigOf } from "./qr-config";
import type { z } from "zod";
import { toHex } from "../../../shared/crypto";
import { parseRpcInput, rpcOk, type RpcResult } from "../../../shared/rpc";
import { QR_SCAN_PARAMETER, qrRequestSchema, type QrResult } from "#contracts/qr/codes";
import { qrTargetOf } from "./qr-state";
import { qrKey, storedState } from "./qr-store";

/** RFC 9110 If-None-Match: "*" or a list of entity tags, compared weakly. */
export function etagListMatches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === "*") return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => opaque(tag) === opaque(etag));
}

/**
 * A variant's validator: the stored code's ETag, the options and the scan marker (variants carry
 * it since it was added, whatever the stored object encodes), so it changes whenever one does.
 */
async function variantEtag(storedEtag: string, options: QrOptions): Promise<string> {
  const { size, ecl, fg, bg } = normaliseOptions(options);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${storedEtag}|${size}|${ecl}|${fg}|${bg}|${QR_SCAN_PARAMETER}`));
  return `"${toHex(new Uint8Array(digest, 0, 16))}"`;
}

/**
 * The QR service's RPC face for the api Worker: the stored code or a variant of it.
 * Variants are rendered from the stored state, so they encode exactly its short URL. Nobody
 * else reads QR_BUCKET.
 */
export class QrCodes extends WorkerEntrypoint<QrEnv> {
  async qrCode(input: unknown): Promise<RpcResult<QrResult>> {
    const parsed = parseRpcInput(qrRequestSchema, input);
    if (!parsed.ok) return parsed;
    return rpcOk(await this.answer(parsed.value));
  }

  private async answer({ linkId, slug, ifNoneMatch, options }: z.infer<typeof qrRequestSchema>): Promise<QrResult> {
    const head = await this.env.QR_BUCKET.head(qrKey(linkId));
    const state = head ? storedState(head) : null;
    if (!head || state?.slug !== slug) return { status: "pending" };

    const etag = options ? await variantEtag(head.httpEtag, options) : head.httpEtag;
    if (ifNoneMatch !== undefined && etagListMatches(ifNoneMatch, etag)) return { status: "not-modified", etag };
    if (options) return { status: "ready", etag, svg: renderQrSvg(qrTargetOf(state, qrConfigOf(this.env).SHORT_BASE_URL), options) };

    // Only the version just checked: a re-render in between reads as pending, and the client asks again.
    const object = await this.env.QR_BUCKET.get(qrKey(linkId), { onlyIf: { etagMatches: head.etag } });
    if (!object || !("body" in object)) return { status: "pending" };
    return { status: "ready", etag, svg: await object.text() };
  }
}

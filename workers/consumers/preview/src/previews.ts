import { WorkerEntrypoint } from "cloudflare:workers";
import { previewRequestSchema, type PreviewResult } from "../../../../contracts/preview/preview-rpc";
import { storedPreview } from "./preview-store";

/** The preview service's RPC face for the api Worker. Nobody else reads PREVIEWS. */
export class Previews extends WorkerEntrypoint<PreviewEnv> {
  async preview(input: unknown): Promise<PreviewResult> {
    const parsed = previewRequestSchema.safeParse(input);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
      return { ok: false, error: { code: "invalid_request", message: "The request is not valid.", issues } };
    }
    const { linkId, url } = parsed.data;
    const preview = await storedPreview(this.env.PREVIEWS, linkId);
    // A preview of the link's previous url is as good as none: the new one is on its way.
    if (!preview || preview.url !== url) return { ok: true, value: { status: "pending" } };
    return { ok: true, value: { status: "stored", preview } };
  }
}

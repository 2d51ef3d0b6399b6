import { WorkerEntrypoint } from "cloudflare:workers";
import { previewRequestSchema, type PreviewAnswer } from "#contracts/preview/preview-rpc";
import { answerRpc, type RpcResult } from "../../../shared/rpc";
import { storedPreview } from "./preview-store";

/** The preview service's RPC face for the api Worker (workers/shared/rpc.ts). Nobody else reads PREVIEWS. */
export class Previews extends WorkerEntrypoint<PreviewEnv> {
  async preview(input: unknown): Promise<RpcResult<PreviewAnswer>> {
    return answerRpc(previewRequestSchema, input, async ({ linkId, url }) => {
      const preview = await storedPreview(this.env.PREVIEWS, linkId);
      // A preview of the link's previous url is as good as none: the new one is on its way.
      if (!preview || preview.url !== url) return { status: "pending" as const };
      return { status: "stored" as const, preview };
    });
  }
}

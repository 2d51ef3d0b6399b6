import { z } from "zod";
import { linkIdSchema } from "../../../../events";
import { qrOptionsSchema } from "./render-qr";

/** The QrCodes RPC input: parsed by the qr Worker, since it crosses a Worker boundary. */
export const qrRequestSchema = z.strictObject({
  linkId: linkIdSchema,
  /** The link's current slug (the caller's truth): a code for another slug is not served. */
  slug: z.string().min(1).max(64),
  /** The client's If-None-Match, as sent. */
  ifNoneMatch: z.string().max(2048).optional(),
  /** A variant; absent means the stored code itself. */
  options: qrOptionsSchema.optional(),
});
export type QrRequest = z.input<typeof qrRequestSchema>;

export type QrResult =
  /** Not rendered yet, or not yet re-rendered for the current slug. */
  | { status: "pending" }
  | { status: "not-modified"; etag: string }
  | { status: "ready"; etag: string; svg: string };

import { z } from "zod";
import { linkIdSchema } from "#events";

/**
 * The preview service's contract (workers/consumers/preview): what it stores per link in
 * its PREVIEWS namespace and what its `Previews` RPC entrypoint takes and answers. The api
 * imports this module, never the Worker's src/.
 */

/** Why a failed preview failed is free text for people; `status` is what code branches on. */
export const previewRecordSchema = z.strictObject({
  status: z.enum(["ready", "failed"]),
  /** The destination the preview was made from: a preview of another url is not served. */
  url: z.string(),
  title: z.string().nullable(),
  description: z.string().nullable(),
  /** Absolute http(s) URL (a relative og:image is resolved against the page's final URL). */
  image: z.string().nullable(),
  reason: z.string().nullable(),
  fetchedAt: z.iso.datetime(),
  /** The link version (its updatedAt) the preview was made for: an older event never overwrites it. */
  linkUpdatedAt: z.iso.datetime(),
});
export type PreviewRecord = z.infer<typeof previewRecordSchema>;

/** The Previews.preview input: parsed by the preview Worker, since it crosses a Worker boundary. */
export const previewRequestSchema = z.strictObject({
  linkId: linkIdSchema,
  /** The link's current url (the caller's truth): a preview made for another url reads as pending. */
  url: z.string().min(1).max(2048),
});
export type PreviewRequest = z.input<typeof previewRequestSchema>;

export type PreviewAnswer = { status: "pending" } | { status: "stored"; preview: PreviewRecord };

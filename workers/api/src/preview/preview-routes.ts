import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../http/errors";
import { bearerSecurity, commonErrors, jsonContent, newRouter } from "../http/openapi";
import { rpcValueOrThrow } from "../http/rpc-value";
import { ID_PATTERN } from "../../../shared/ids";
import { linkIdParam } from "../links/link-schemas";
import { findLiveLink } from "../links/link-store";

/** The consumer fetches a page within seconds (its timeout is 5 s). */
const RETRY_AFTER_SECONDS = 2;

const previewSchema = z
  .object({
    linkId: z.string(),
    url: z.string().openapi({ description: "The destination the preview was made from (the link's current url)" }),
    status: z.enum(["ready", "failed"]).openapi({ description: "`failed`: the page could not be previewed (see `reason`); not retried until the url changes" }),
    title: z.string().nullable(),
    description: z.string().nullable(),
    image: z.string().nullable().openapi({ description: "Absolute URL of the page's og:image" }),
    reason: z.string().nullable(),
    source: z.literal("destination").openapi({ description: "Where the metadata came from: the destination page itself" }),
    fetchedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("LinkPreview");

const pendingSchema = z.object({ status: z.literal("pending") }).openapi("PreviewPending");

export const previewRoutes = newRouter();

previewRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}/preview",
    tags: ["Links"],
    security: bearerSecurity,
    summary: "The destination's title, description and image (Open Graph, else <title> and meta description)",
    request: { params: linkIdParam },
    responses: {
      200: jsonContent(previewSchema, "The preview, or why the page could not be previewed"),
      202: jsonContent(pendingSchema, "Not fetched yet (or not yet for the current url): retry after `Retry-After` seconds"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    // A deleted link, or another team's, answers 404 like GET /v1/links/:id does.
    const row = ID_PATTERN.lnk.test(id) ? await findLiveLink(c.get("session").db, c.get("team").id, id) : undefined;
    if (!row) throw ApiError.notFound("Link");

    const answer = rpcValueOrThrow(await c.env.PREVIEW.preview({ linkId: row.id, url: row.url }));
    if (answer.status === "pending") {
      c.header("retry-after", String(RETRY_AFTER_SECONDS));
      return c.json({ status: "pending" as const }, 202);
    }
    const { preview } = answer;
    const body = {
      linkId: row.id,
      url: preview.url,
      status: preview.status,
      title: preview.title,
      description: preview.description,
      image: preview.image,
      reason: preview.reason,
      source: "destination" as const,
      fetchedAt: preview.fetchedAt,
    };
    return c.json(body, 200);
  },
);

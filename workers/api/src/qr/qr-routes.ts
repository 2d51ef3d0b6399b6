import { createRoute, z } from "@hono/zod-openapi";
import { qrOptionsSchema, DEFAULT_QR_OPTIONS, hexColourSchema, QR_ECLS, QR_SIZE_RANGE, type QrOptions } from "#contracts/qr/codes";
import { ApiError } from "../http/errors";
import { rpcValueOrThrow } from "../http/rpc-value";
import { bearerSecurity, commonErrors, jsonContent, newRouter } from "../http/openapi";
import { ID_PATTERN } from "../../../shared/ids";
import { linkIdParam } from "../links/link-schemas";
import { findLiveLink } from "../links/link-store";

/** How long a client should wait before asking again: the consumer renders within seconds. */
const RETRY_AFTER_SECONDS = 2;

// The code changes with the slug, and a stale one could send scanners to whichever link
// takes the old slug: caches keep it but revalidate every time (a 304 costs no body).
const CACHE_CONTROL = "private, no-cache";

const qrQuery = z.strictObject({
  size: z
    .string()
    .regex(/^[0-9]{1,4}$/, "must be a whole number of pixels")
    .transform(Number)
    .pipe(z.number().int().min(QR_SIZE_RANGE.min).max(QR_SIZE_RANGE.max))
    .optional()
    .openapi({
      param: { name: "size", in: "query" },
      example: "512",
      description: `pixels, ${QR_SIZE_RANGE.min}–${QR_SIZE_RANGE.max} (default ${DEFAULT_QR_OPTIONS.size})`,
    }),
  ecl: z
    .enum(QR_ECLS)
    .optional()
    .openapi({ param: { name: "ecl", in: "query" }, description: `error correction level (default ${DEFAULT_QR_OPTIONS.ecl})` }),
  fg: hexColourSchema
    .optional()
    .openapi({ param: { name: "fg", in: "query" }, example: "#1a4d8f", description: "module colour, #rgb or #rrggbb (URL-encode the #)" }),
  bg: hexColourSchema.optional().openapi({ param: { name: "bg", in: "query" }, example: "#ffffff", description: "background colour, #rgb or #rrggbb" }),
});

const qrHeaders = z.object({ "if-none-match": z.string().max(2048).optional() });

const pendingSchema = z.object({ status: z.literal("pending") }).openapi("QrPending");

/** No options: the stored code. Any option: a variant, the rest defaulted, checked as a whole (fg ≠ bg). */
function variantOptionsOrThrow(query: z.infer<typeof qrQuery>): QrOptions | undefined {
  const given = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined));
  if (Object.keys(given).length === 0) return undefined;
  const parsed = qrOptionsSchema.safeParse({ ...DEFAULT_QR_OPTIONS, ...given });
  if (!parsed.success) throw ApiError.fromZod(parsed.error, "query");
  return parsed.data;
}

/** GET /v1/links/:id/qr: mounted inside linksRoutes, whose guard it shares. */
export const qrRoutes = newRouter();

qrRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}/qr",
    tags: ["Links"],
    security: bearerSecurity,
    summary: "The link's QR code (SVG), or a variant of it",
    request: { params: linkIdParam, query: qrQuery, headers: qrHeaders },
    responses: {
      200: { description: "An SVG that scans to the link's shortUrl", content: { "image/svg+xml": { schema: z.string() } } },
      202: jsonContent(pendingSchema, "Not rendered yet (or not yet for the current slug): retry after `Retry-After` seconds"),
      304: { description: "Not modified: the If-None-Match ETag is current" },
      ...commonErrors,
    },
  }),
  async (c) => {
    const options = variantOptionsOrThrow(c.req.valid("query"));
    const { id } = c.req.valid("param");
    // A deleted link answers 404 like GET /v1/links/:id does; its code is gone too.
    const row = ID_PATTERN.lnk.test(id) ? await findLiveLink(c.get("session").db, c.get("team").id, id) : undefined;
    if (!row) throw ApiError.notFound("Link");

    const result = rpcValueOrThrow(await c.env.QR.qrCode({ linkId: row.id, slug: row.slug, ifNoneMatch: c.req.valid("header")["if-none-match"], options }));
    if (result.status === "pending") {
      c.header("retry-after", String(RETRY_AFTER_SECONDS));
      c.header("cache-control", "no-store");
      return c.json({ status: "pending" as const }, 202);
    }
    c.header("etag", result.etag);
    c.header("cache-control", CACHE_CONTROL);
    if (result.status === "not-modified") return c.body(null, 304);
    c.header("content-type", "image/svg+xml");
    // SVG can carry script: never sniffed as anything else, nothing runs if opened directly.
    c.header("x-content-type-options", "nosniff");
    c.header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'");
    return c.body(result.svg, 200);
  },
);

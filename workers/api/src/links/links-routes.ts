import { createRoute, z } from "@hono/zod-openapi";
import { linkStatsRoutes } from "../analytics/stats-routes";
import { teamRouter } from "../auth/routers";
import { ApiError } from "../http/errors";
import { decodeCursorOrThrow, encodeCursor } from "../http/cursor";
import { requireJsonBody } from "../http/json-body";
import { bearerSecurity, commonErrors, jsonContent } from "../http/openapi";
import { ID_PATTERN } from "../../../shared/ids";
import { publishCommitted } from "../outbox/publish";
import { previewRoutes } from "../preview/preview-routes";
import { qrRoutes } from "../qr/qr-routes";
import { shortBaseUrl } from "../config";
import { bulkCreateLinks, bulkRefusal } from "./bulk-create";
import { linkWriteContext } from "./link-context";
import {
  bulkCreateSchema,
  bulkResultSchema,
  createLinkSchema,
  linkIdParam,
  linkListSchema,
  linkSchema,
  listLinksQuery,
  updateLinkSchema,
} from "./link-schemas";
import { createLink, deleteLink, updateLink } from "./link-service";
import { findLiveLink, listLiveLinks } from "./link-store";
import { linkView } from "./link-view";

/** /v1/links, its QR codes and stats included: every route needs a team's API key. */
export const linksRoutes = teamRouter();

const conflict = jsonContent(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), "conflict: the slug is taken");
const quotaError = jsonContent(
  z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
  "quota_exceeded: the plan's new links for this UTC month are used up",
);

function linkIdOrThrow(id: string): string {
  // A malformed id cannot name any link: 404 like any other unknown id, without a query.
  if (!ID_PATTERN.lnk.test(id)) throw ApiError.notFound("Link");
  return id;
}

linksRoutes.openapi(
  createRoute({
    method: "post",
    path: "/",
    middleware: [requireJsonBody],
    tags: ["Links"],
    security: bearerSecurity,
    request: { body: { required: true, content: { "application/json": { schema: createLinkSchema } } } },
    responses: { 201: jsonContent(linkSchema, "The link"), 402: quotaError, 409: conflict, ...commonErrors },
  }),
  async (c) => {
    const { row, event } = await createLink(c.req.valid("json"), linkWriteContext(c));
    await publishCommitted(c.env.LINK_EVENTS, c.get("db"), [event], (p) => c.executionCtx.waitUntil(p));
    return c.json(linkView(row, shortBaseUrl(c.env, c.req.url)), 201);
  },
);

linksRoutes.openapi(
  createRoute({
    method: "post",
    path: "/bulk",
    middleware: [requireJsonBody],
    tags: ["Links"],
    security: bearerSecurity,
    request: { body: { required: true, content: { "application/json": { schema: bulkCreateSchema } } } },
    responses: { 200: jsonContent(bulkResultSchema, "One result per link, in order"), 402: quotaError, ...commonErrors },
  }),
  async (c) => {
    const ctx = linkWriteContext(c);
    const outcomes = await bulkCreateLinks(c.req.valid("json").links, ctx);
    // Nothing created because the month's quota or the minute's links are used up: the request
    // as a whole is refused, as a single create would be.
    const refusal = bulkRefusal(outcomes);
    if (refusal) throw refusal;
    const events = outcomes.flatMap((o) => (o.ok ? [o.change.event] : []));
    await publishCommitted(c.env.LINK_EVENTS, c.get("db"), events, (p) => c.executionCtx.waitUntil(p));
    const base = shortBaseUrl(c.env, c.req.url);
    return c.json(
      { results: outcomes.map((o) => (o.ok ? { ok: true as const, link: linkView(o.change.row, base) } : { ok: false as const, error: o.error })) },
      200,
    );
  },
);

linksRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["Links"],
    security: bearerSecurity,
    request: { query: listLinksQuery },
    responses: { 200: jsonContent(linkListSchema, "A page of links, newest first"), ...commonErrors },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const afterId = query.cursor === undefined ? undefined : decodeCursorOrThrow(query.cursor, ID_PATTERN.lnk);
    const rows = await listLiveLinks(c.get("session").db, c.get("team").id, { limit: query.limit, afterId, tag: query.tag, q: query.q });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const base = shortBaseUrl(c.env, c.req.url);
    return c.json({ data: page.map((row) => linkView(row, base)), nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null }, 200);
  },
);

linksRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    tags: ["Links"],
    security: bearerSecurity,
    request: { params: linkIdParam },
    responses: { 200: jsonContent(linkSchema, "The link"), ...commonErrors },
  }),
  async (c) => {
    const row = await findLiveLink(c.get("session").db, c.get("team").id, linkIdOrThrow(c.req.valid("param").id));
    if (!row) throw ApiError.notFound("Link");
    return c.json(linkView(row, shortBaseUrl(c.env, c.req.url)), 200);
  },
);

linksRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/{id}",
    middleware: [requireJsonBody],
    tags: ["Links"],
    security: bearerSecurity,
    request: { params: linkIdParam, body: { required: true, content: { "application/json": { schema: updateLinkSchema } } } },
    responses: { 200: jsonContent(linkSchema, "The changed link"), 409: conflict, ...commonErrors },
  }),
  async (c) => {
    const id = linkIdOrThrow(c.req.valid("param").id);
    const ctx = linkWriteContext(c);
    const change = await updateLink(id, c.req.valid("json"), ctx);
    if (change) await publishCommitted(c.env.LINK_EVENTS, c.get("db"), [change.event], (p) => c.executionCtx.waitUntil(p));
    const row = change?.row ?? (await findLiveLink(ctx.db, ctx.teamId, id));
    if (!row) throw ApiError.notFound("Link");
    return c.json(linkView(row, shortBaseUrl(c.env, c.req.url)), 200);
  },
);

linksRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/{id}",
    tags: ["Links"],
    security: bearerSecurity,
    request: { params: linkIdParam },
    responses: { 204: { description: "Deleted; the short link now answers 410" }, ...commonErrors },
  }),
  async (c) => {
    const ctx = linkWriteContext(c);
    const { event } = await deleteLink(linkIdOrThrow(c.req.valid("param").id), ctx);
    await publishCommitted(c.env.LINK_EVENTS, c.get("db"), [event], (p) => c.executionCtx.waitUntil(p));
    return c.body(null, 204);
  },
);

// A link's QR code and stats live in their own modules; mounted here, under this router's guard
// (mounted beside it at /v1/links, a guarded router of their own would run requireTeam twice).
linksRoutes.route("/", qrRoutes);
linksRoutes.route("/", previewRoutes);
linksRoutes.route("/", linkStatsRoutes);

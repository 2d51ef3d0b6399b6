import { z } from "zod";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { databaseOn, type Database } from "../db";
import { ApiError } from "./errors";

/** The header that carries a D1 bookmark both ways (README "Read replicas and read-your-writes"). */
export const BOOKMARK_HEADER = "Linkflow-Bookmark";

/**
 * A bookmark as a client sends it back. D1 documents bookmarks as opaque strings that sort
 * oldest to newest (locally four dash-separated hex fields, 59 characters:
 * `00000000-0000000c-00000000-000…0`), so this only bounds them: 1 to 256 printable ASCII
 * characters, no spaces. Local D1 takes any string as a bookmark (and keeps it, as it sorts
 * above its own), so this check is the only one here. The session constraints withSession()
 * also takes are not bookmarks: a client may not pin its reads to the primary.
 */
export const bookmarkSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, "Printable ASCII characters, no spaces")
  .refine((value) => value !== "first-primary" && value !== "first-unconstrained", "A bookmark, not a session constraint");

/** Requests that may write start on the primary; the others may read from the nearest replica. */
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * One request's D1 session, opened on first use: a request that never queries through it (an
 * admin route, a refused key) opens none. Its client is built per request: without the
 * relational schema that is under a microsecond (db.ts).
 */
export class DbSession {
  #session: D1DatabaseSession | undefined;
  #db: Database | undefined;

  constructor(
    private readonly binding: D1Database,
    /** `first-primary`, `first-unconstrained`, or the bookmark the client sent. */
    readonly start: string,
  ) {}

  get db(): Database {
    this.#session ??= this.binding.withSession(this.start);
    this.#db ??= databaseOn(this.#session);
    return this.#db;
  }

  /** The latest bookmark the session saw; null until a query ran through it. */
  bookmark(): string | null {
    return this.#session?.getBookmark() ?? null;
  }
}

/** The client's bookmark, undefined without one; a malformed one is refused before anything runs. */
function bookmarkOf(request: Request): string | undefined {
  const header = request.headers.get(BOOKMARK_HEADER);
  if (header === null) return undefined;
  const parsed = bookmarkSchema.safeParse(header);
  if (parsed.success) return parsed.data;
  throw ApiError.invalid(
    `The ${BOOKMARK_HEADER} header is not a bookmark: send back the one an earlier answer carried, or none.`,
    parsed.error.issues.map((issue) => ({ path: BOOKMARK_HEADER, message: issue.message })),
  );
}

/**
 * Opens the request's D1 session (see AppEnv's `session` for who uses it) and answers its
 * bookmark in `Linkflow-Bookmark`: the session's latest, or the client's own when the request ran
 * no query through the session (so a client holding one never loses its place). Registered
 * before the routers' guards: a malformed bookmark is refused before the key is even looked up.
 */
export const dbSession = createMiddleware<AppEnv>(async (c, next) => {
  const sent = bookmarkOf(c.req.raw);
  // A write must see the latest state (a PATCH reads the link it changes) and its bookmark must
  // cover its own write; a read may start anywhere at least as fresh as the client's bookmark.
  const start = WRITE_METHODS.has(c.req.method) ? "first-primary" : (sent ?? "first-unconstrained");
  const session = new DbSession(c.env.LINKS_DB, start);
  c.set("session", session);
  await next();
  // Not on a WebSocket's 101 (the live feed): its answer is the socket, not a read.
  if (c.res.status === 101) return;
  const bookmark = session.bookmark() ?? sent;
  if (bookmark) c.header(BOOKMARK_HEADER, bookmark);
});

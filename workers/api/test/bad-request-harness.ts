import { expect } from "vitest";
import { ADMIN, api, createLink, createTeam, expectError, tableCounts, traceIdOf, unique, waitForOutboxQuiet, type TestTeam } from "./helpers";

/** One bad request: what is sent and the 4xx it must get. Nothing may be written. */
export interface BadRequest {
  name: string;
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  /** `{link}` is replaced by a live link's id, `{team}` by the team's id. */
  path?: string;
  /** Serialised with JSON.stringify (lone surrogates survive as \ud800 escapes). */
  json?: unknown;
  /** Sent as-is instead of `json`. */
  raw?: string | (() => BodyInit);
  /** Defaults to application/json when a body is sent; null sends none. */
  contentType?: string | null;
  headers?: Record<string, string>;
  auth?: "team" | "admin";
  status: number;
  code: string;
  /** When set, the error's issues must name this field path (e.g. `rules.3.url`). */
  issuePath?: string;
}

export interface Fixture {
  team: TestTeam;
  linkId: string;
  takenSlug: string;
}

/** A team with one live link, and an outbox with nothing left in flight (so row counts stay still). */
export async function setUpFixture(): Promise<Fixture> {
  const team = await createTeam("Corpus");
  const takenSlug = unique("taken");
  const link = await createLink(team, { url: "https://example.com/fixture", slug: takenSlug, title: "Fixture", tags: ["keep"] });
  await waitForOutboxQuiet();
  return { team, linkId: link.id, takenSlug };
}

export async function expectRefused(c: BadRequest, fx: Fixture): Promise<void> {
  const method = c.method ?? (c.json !== undefined || c.raw !== undefined ? "POST" : "GET");
  const path = (c.path ?? "/v1/links").replaceAll("{link}", fx.linkId).replaceAll("{team}", fx.team.id);
  const headers: Record<string, string> = { ...(c.auth === "admin" ? ADMIN : fx.team.auth), ...c.headers };
  let body: BodyInit | undefined;
  if (c.raw !== undefined) body = typeof c.raw === "string" ? c.raw : c.raw();
  else if (c.json !== undefined) body = JSON.stringify(c.json);
  if (body !== undefined && c.contentType !== null) headers["content-type"] = c.contentType ?? "application/json";

  const before = await tableCounts();
  const res = await api(path, { method, headers, ...(body === undefined ? {} : { body }) });
  // A wrongly accepted write still publishes after the response: let it settle so the next case's counts are not disturbed.
  if (res.status < 300) await waitForOutboxQuiet();
  expect(res.status, `${c.name}: never a 500`).toBeLessThan(500);
  traceIdOf(res);
  const error = await expectError(res, c.status, c.code);
  if (c.issuePath !== undefined)
    expect(
      error.issues?.map((i) => i.path),
      `${c.name}: names the field`,
    ).toContain(c.issuePath);
  expect(await tableCounts(), `${c.name}: nothing written`).toEqual(before);
}

export const BIG = 70 * 1024;

/** A syntactically valid JSON object of about `size` bytes. */
export function bigJson(size = BIG): string {
  return JSON.stringify({ url: "https://example.com/big", title: "x".repeat(size) });
}

/** The same bytes as a stream, so no Content-Length can be known up front. */
export function streamed(text: string): () => ReadableStream<Uint8Array> {
  return () => {
    const bytes = new TextEncoder().encode(text);
    return new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.slice(i, i + 16 * 1024));
        controller.close();
      },
    });
  };
}

export const ISSUED_LINK_ID = "lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC";
export const ISSUED_EVENT_ID = "evt_01JDQ8Z5W6KX3M9T4V7B2N1C0A";

import type { LinkEvent } from "#events";

/**
 * A deliberate, opt-in failure for end-to-end tests of retries and dead letters over
 * HTTP alone. Off unless the Worker's FAULT_INJECTION_TAG var is set (it is empty in
 * every committed config; only the e2e stack sets it): then a link tagged
 * `<tag>:<subscriber>` makes that one subscriber fail on its events, every attempt.
 */
export function injectedFault(event: LinkEvent, env: unknown, subscriber: string): string | null {
  const tag: unknown = typeof env === "object" && env !== null ? Reflect.get(env, "FAULT_INJECTION_TAG") : undefined;
  if (typeof tag !== "string" || tag === "") return null;
  const tags = event.type === "LinkCreated" || event.type === "LinkUpdated" ? event.data.link.tags : [];
  const marker = `${tag}:${subscriber}`;
  return tags.includes(marker) ? `injected fault (${marker})` : null;
}

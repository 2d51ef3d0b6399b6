export const MAX_URL_LENGTH = 2048;

// C0/C1 controls, whitespace, zero-width and bidi controls: invisible characters in a
// destination are how a link is made to look like somewhere it does not go.
const FORBIDDEN_CHARS = /[\u0000-\u0020\u007f-\u009f\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]/;

// The WHATWG parser forgives a lot for http(s): "http:slug", "http:/slug", "HTTPS:x" and
// "https:\\host" all parse, and a browser resolves the first ones against the page it is on,
// the short link itself (a loop, or a hop through another team's link). Only the spelled-out
// absolute form is accepted: the scheme, "//", then an authority (not another slash).
const ABSOLUTE_HTTP = /^https?:\/\/[^/\\]/i;

// Names every machine gives itself: a deployment on one of them is the same host under each.
const LOOPBACK_NAME =
  /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|\[::1\]|\[::ffff:127(\.\d{1,3}){3}\]|\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]|0\.0\.0\.0|\[::\])$/;

export type DestinationCheck = { ok: true; href: string } | { ok: false; problem: string };

/** A host as the parser resolved it, compared without the DNS root dot (`lf.test.` is `lf.test`). */
function comparableHost(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, "");
}

/**
 * The hosts a destination may not point at: the deployment's own (configured names, the short
 * domain, the request's host), each resolved by the URL parser the same way a destination's host
 * is (so `0x7f.1` and `2130706433` are 127.0.0.1), and all loopback names when one of them is one.
 */
export function ownHostSet(hosts: readonly string[]): ReadonlySet<string> {
  const set = new Set<string>();
  for (const host of hosts) {
    if (!host) continue;
    let resolved: string;
    try {
      resolved = comparableHost(new URL(`http://${host}/`).hostname);
    } catch {
      resolved = comparableHost(host);
    }
    set.add(resolved);
    if (LOOPBACK_NAME.test(resolved)) set.add("*loopback");
  }
  return set;
}

function isOwnHost(hostname: string, own: ReadonlySet<string>): boolean {
  const host = comparableHost(hostname);
  return own.has(host) || (own.has("*loopback") && LOOPBACK_NAME.test(host));
}

/**
 * Checks a destination and answers its normalised form (`new URL(raw).href`: lower-case scheme
 * and host, punycode, percent-encoded non-ASCII), which is what is stored and served, so the
 * `Location` of every redirect is plain ASCII whichever path answers it.
 */
export function checkDestination(raw: string, own: ReadonlySet<string>): DestinationCheck {
  const fail = (problem: string): DestinationCheck => ({ ok: false, problem });
  if (raw.length > MAX_URL_LENGTH) return fail(`must be at most ${MAX_URL_LENGTH} characters`);
  if (FORBIDDEN_CHARS.test(raw)) return fail("must not contain whitespace, control or invisible characters");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail("must be an absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return fail("must use http or https");
  if (!ABSOLUTE_HTTP.test(raw)) return fail("must be an absolute http(s) URL of the form http(s)://host/...");
  if (!url.hostname) return fail("must have a host");
  const authority = raw.slice(raw.indexOf("//") + 2).split(/[/?#\\]/, 1)[0] ?? "";
  if (url.username || url.password || authority.includes("@")) return fail("must not contain credentials");
  if (isOwnHost(url.hostname, own)) return fail("must not point back at the short domain");
  if (url.href.length > MAX_URL_LENGTH) return fail(`must be at most ${MAX_URL_LENGTH} characters once normalised`);
  return { ok: true, href: url.href };
}

export const MAX_URL_LENGTH = 2048;

// C0/C1 controls, whitespace, zero-width and bidi controls: invisible characters in a
// destination are how a link is made to look like somewhere it does not go.
const FORBIDDEN_CHARS = /[\u0000-\u0020\u007f-\u009f\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]/;

/** Why a destination URL is refused, or null when it is fine. */
export function destinationUrlProblem(raw: string, shortHosts: readonly string[]): string | null {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  if (FORBIDDEN_CHARS.test(raw)) return "must not contain whitespace, control or invisible characters";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must use http or https";
  if (!url.hostname) return "must have a host";
  if (url.username || url.password) return "must not contain credentials";
  // `lf.test.` is the same host as `lf.test` to DNS: compare without the root dot.
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (shortHosts.some((h) => h.toLowerCase().replace(/\.$/, "") === host)) return "must not point back at the short domain";
  return null;
}

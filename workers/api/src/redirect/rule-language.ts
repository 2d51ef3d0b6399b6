import { LANGUAGE_TAG } from "#events";

/** Accept-Language is read up to this many characters and entries: a hostile header costs no more than a normal one. */
const MAX_HEADER_CHARS = 256;
const MAX_ENTRIES = 16;
/** RFC 9110 qvalue: 0 to 1 with at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * The visitor's language for targeting rules: the primary subtag (`de` of `de-CH`) of the
 * Accept-Language entry with the highest q-value, the earliest among equals. Entries with q=0
 * (refused), `*`, a malformed q-value or a tag that is no primary language subtag are skipped;
 * null when none is left.
 */
export function preferredLanguage(acceptLanguage: string | null): string | null {
  if (!acceptLanguage) return null;
  let best: string | null = null;
  let bestQ = 0;
  const entries = acceptLanguage.slice(0, MAX_HEADER_CHARS).split(",", MAX_ENTRIES);
  for (const entry of entries) {
    const [range = "", ...params] = entry.split(";");
    const primary = range.trim().split("-", 1)[0]?.toLowerCase() ?? "";
    if (!LANGUAGE_TAG.test(primary)) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split("=", 2).map((part) => part.trim());
      if (name?.toLowerCase() === "q") q = value !== undefined && QVALUE.test(value) ? Number(value) : 0;
    }
    if (q > bestQ) {
      best = primary;
      bestQ = q;
    }
  }
  return best;
}

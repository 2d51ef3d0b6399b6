import { LANGUAGE_TAG } from "#events";

/** Accept-Language is read up to this many characters and entries: a hostile header costs no more than a normal one. */
const MAX_HEADER_CHARS = 256;
const MAX_ENTRIES = 16;
/** One entry: a language range, then parameters, of which only `q` (RFC 9110 qvalue) counts. */
const ENTRY = /^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9-]*)?\s*(?:;\s*[qQ]\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*)?$/;

/**
 * The visitor's language for targeting rules: the primary subtag (`de` of `de-CH`) of the
 * Accept-Language entry with the highest q-value, the earliest among equals. Entries with q=0
 * (refused), `*`, other parameters or a malformed q-value, or a tag that is no primary language
 * subtag, are skipped; null when none is left.
 */
export function preferredLanguage(acceptLanguage: string | null): string | null {
  if (!acceptLanguage) return null;
  let best: string | null = null;
  let bestQ = 0;
  const entries = acceptLanguage.slice(0, MAX_HEADER_CHARS).split(",", MAX_ENTRIES);
  for (const entry of entries) {
    const match = ENTRY.exec(entry);
    if (!match) continue;
    const primary = (match[1] ?? "").toLowerCase();
    const q = match[2] === undefined ? 1 : Number(match[2]);
    if (q > bestQ && LANGUAGE_TAG.test(primary)) {
      best = primary;
      bestQ = q;
    }
  }
  return best;
}

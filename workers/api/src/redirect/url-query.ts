/**
 * Query strings appended to a destination as strings, never re-encoded: re-encoding a
 * destination's query could break signatures or values the target site relies on.
 */

/** `url` split at its fragment: what comes before the `#`, and the `#...` itself ("" when none). */
function splitFragment(url: string): [head: string, fragment: string] {
  const hashAt = url.indexOf("#");
  return hashAt === -1 ? [url, ""] : [url.slice(0, hashAt), url.slice(hashAt)];
}

/** The query of `url` without its `?` ("" when none), the fragment left out. */
export function queryOf(url: string): string {
  const [head] = splitFragment(url);
  const queryAt = head.indexOf("?");
  return queryAt === -1 ? "" : head.slice(queryAt + 1);
}

/** `url` with `query` (already encoded, no `?`) added after its own query and before its fragment. */
export function appendQuery(url: string, query: string): string {
  if (query === "") return url;
  const [head, fragment] = splitFragment(url);
  const separator = !head.includes("?") ? "?" : head.endsWith("?") || head.endsWith("&") ? "" : "&";
  return `${head}${separator}${query}${fragment}`;
}

import { QR_SCAN_PARAMETER } from "#contracts/qr/codes";

/** A request URL with the QR scan marker taken out of its query, and whether it was there. */
export interface ScanMarked {
  /** The request URL without the marker (the same string when it had none). */
  url: string;
  qr: boolean;
}

/**
 * Finds the QR code's marker (`qr=1`, contracts/qr/codes.ts) among the query's parameters and
 * removes every copy, keeping the other parameters byte for byte in their order: the rest of the
 * query still passes on to the destination, the marker never does. A request without a query
 * costs one indexOf. The query is the serialised URL's (no fragment), so a plain split suffices.
 */
export function withoutQrMarker(requestUrl: string): ScanMarked {
  const queryAt = requestUrl.indexOf("?");
  if (queryAt === -1 || !requestUrl.includes(QR_SCAN_PARAMETER, queryAt)) return { url: requestUrl, qr: false };
  const pairs = requestUrl.slice(queryAt + 1).split("&");
  const kept = pairs.filter((pair) => pair !== QR_SCAN_PARAMETER);
  if (kept.length === pairs.length) return { url: requestUrl, qr: false };
  const query = kept.join("&");
  return { url: query === "" ? requestUrl.slice(0, queryAt) : `${requestUrl.slice(0, queryAt)}?${query}`, qr: true };
}

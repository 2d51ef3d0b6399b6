import { ApiError } from "./errors";

/**
 * Opaque keyset cursors: the id of the last item seen. Ids are ULIDs, so "after
 * this cursor" is an index range scan, stable under concurrent inserts.
 */
export function encodeCursor(lastId: string): string {
  return btoa(lastId).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursorOrThrow(cursor: string, idPattern: RegExp): string {
  let decoded: string;
  try {
    decoded = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    throw ApiError.invalid("The cursor is not valid.", [{ path: "cursor", message: "not a cursor this API issued" }]);
  }
  if (!idPattern.test(decoded)) {
    throw ApiError.invalid("The cursor is not valid.", [{ path: "cursor", message: "not a cursor this API issued" }]);
  }
  return decoded;
}

// Hex on the hot path (every response's span id, every click's visitor hash): a lookup table
// instead of formatting and padding each byte.
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function hexOf(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX[b] ?? "";
  return out;
}

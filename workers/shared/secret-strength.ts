/**
 * Whether a configured secret (ADMIN_TOKEN, VISITOR_HASH_SECRET, FEED_TOKEN_SECRET,
 * WEBHOOK_SECRETS_KEY) is strong enough to run with. A length check alone let
 * `.dev.vars.example`'s placeholder through: placeholders and low-entropy values are refused
 * when the config is parsed (first use of an env) and by `npm run dev` before it starts.
 * Plain TypeScript without imports, so Node's scripts load it too.
 */

export const MIN_SECRET_LENGTH = 16;
/** Bits of entropy a secret must show, estimated from its own character frequencies. */
export const MIN_SECRET_BITS = 64;

// Words that mark a value someone was meant to replace, wherever they stand in it.
const PLACEHOLDER = /replace|change[-_ .]?me|placeholder|your[-_ .]?(secret|token|key)|example|dummy|sample|fixme|secret[-_ .]?here|^(.)\1*$/i;

/** Shannon entropy of the value's own characters times its length: what a guesser who knows the alphabet faces. */
export function estimatedBits(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  const length = [...value].length;
  let perChar = 0;
  for (const count of counts.values()) {
    const p = count / length;
    perChar -= p * Math.log2(p);
  }
  return perChar * length;
}

/** "0123456789abcdef", "abcdefghijklmnop": every character is the one before it plus one, more often than not. */
function mostlySequential(value: string): boolean {
  let steps = 0;
  for (let i = 1; i < value.length; i++) if (Math.abs(value.charCodeAt(i) - value.charCodeAt(i - 1)) === 1) steps++;
  return steps * 2 > value.length;
}

/** Why `value` may not serve as the secret `name`, or null when it may (the message never repeats the value). */
export function secretProblem(name: string, value: string): string | null {
  if (value.length < MIN_SECRET_LENGTH) return `${name} must be at least ${MIN_SECRET_LENGTH} characters`;
  if (PLACEHOLDER.test(value)) return `${name} is a placeholder; set a random value (e.g. \`openssl rand -base64 32\`)`;
  if (new Set(value).size < 8 || estimatedBits(value) < MIN_SECRET_BITS || mostlySequential(value)) {
    return `${name} has too little entropy (about ${Math.floor(estimatedBits(value))} bits, at least ${MIN_SECRET_BITS} needed); set a random value`;
  }
  return null;
}

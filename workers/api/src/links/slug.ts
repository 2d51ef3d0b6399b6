/** Slugs: 1–64 of [A-Za-z0-9_-]; generated ones are 7 characters without look-alikes. */
export const SLUG_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

// No 0/O/o, 1/l/I/i: a slug read aloud or off a poster is typed back right.
const ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
export const GENERATED_SLUG_LENGTH = 7;

/** Paths the Worker itself answers, plus words a short domain should never hand out. */
const RESERVED = new Set(
  [
    "v1",
    "v2",
    "api",
    "admin",
    "dashboard",
    "docs",
    "docs-ui",
    "openapi.json",
    "healthz",
    "health",
    "status",
    "feed",
    "static",
    "assets",
    "app",
    "www",
    "login",
    "logout",
    "signup",
    "auth",
    "favicon.ico",
    "robots.txt",
    "sitemap.xml",
    "well-known",
    ".well-known",
    "qr",
    "stats",
    "settings",
    "help",
  ].map((word) => word.toLowerCase()),
);

export function isReservedSlug(slug: string): boolean {
  return RESERVED.has(slug.toLowerCase());
}

/** Uniform over the alphabet: bytes past the largest multiple of its size are redrawn. */
export function generateSlug(): string {
  const limit = 256 - (256 % ALPHABET.length);
  let slug = "";
  while (slug.length < GENERATED_SLUG_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      if (byte < limit && slug.length < GENERATED_SLUG_LENGTH) slug += ALPHABET[byte % ALPHABET.length];
    }
  }
  return slug;
}

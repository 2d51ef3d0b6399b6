import { z } from "zod";
import { ApiError, zodIssues } from "../http/errors";

/** A password form's body is one short field: a larger one is refused unread (413). */
export const MAX_PASSWORD_FORM_BYTES = 4 * 1024;

/** The lengths a link password can have (links/link-schemas.ts): a guess outside them is wrong without hashing it. */
export const LINK_PASSWORD_LENGTH = { min: 4, max: 128 } as const;

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

const passwordFormSchema = z.object({
  password: z.array(z.string().min(1, "is required").max(MAX_PASSWORD_FORM_BYTES)).length(1, "must be sent once"),
});

function tooLarge(): ApiError {
  return new ApiError("payload_too_large", `The form is larger than ${MAX_PASSWORD_FORM_BYTES} bytes.`);
}

/** The body's bytes, refused with 413 past the limit: a declared length is checked unread, the bytes actually read always. */
async function boundedBody(request: Request): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > MAX_PASSWORD_FORM_BYTES) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const bytes = new Uint8Array(MAX_PASSWORD_FORM_BYTES);
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > MAX_PASSWORD_FORM_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    bytes.set(value, size);
    size += value.byteLength;
  }
  return bytes.subarray(0, size);
}

/**
 * The `password` field of a password form post (`application/x-www-form-urlencoded`): 415 for
 * another content type, 413 past 4 KB, 400 naming `password` when it is missing, empty or sent
 * twice. The value is never logged and never leaves this request.
 */
export async function readPasswordForm(request: Request): Promise<string> {
  if (!FORM_CONTENT_TYPE.test(request.headers.get("content-type") ?? "")) {
    throw new ApiError("unsupported_media_type", "Send the password form as application/x-www-form-urlencoded.");
  }
  const text = new TextDecoder().decode(await boundedBody(request));
  const parsed = passwordFormSchema.safeParse({ password: new URLSearchParams(text).getAll("password") });
  if (!parsed.success)
    throw ApiError.invalid(
      "The form needs one `password` field.",
      zodIssues(parsed.error).map((issue) => ({ ...issue, path: "password" })),
    );
  return parsed.data.password[0] ?? "";
}

/** Whether a guess has a length a link password can have; one that has not is wrong without running PBKDF2. */
export function hasPasswordLength(guess: string): boolean {
  return guess.length >= LINK_PASSWORD_LENGTH.min && guess.length <= LINK_PASSWORD_LENGTH.max;
}

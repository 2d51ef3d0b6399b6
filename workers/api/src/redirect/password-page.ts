import type { Context } from "hono";
import type { RedirectAppEnv } from "./redirect-env";

/** What the password page may say under its field; each is shown in a `role="alert"` paragraph. */
export const PASSWORD_ERRORS = {
  wrong: "That password is not right. Try again.",
  tooMany: (retryAfterSeconds: number) => `Too many tries. Wait ${retryAfterSeconds} seconds, then try again.`,
} as const;

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;min-height:100vh;place-items:center;background:#f6f7f9;color:#1b1f24}
main{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;max-width:22rem;width:calc(100% - 4rem)}
h1{font-size:1.25rem;margin:0 0 1rem}label{display:block;font-weight:600;margin-bottom:.25rem}
input{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid #8a939e;border-radius:4px}
input[aria-invalid=true]{border-color:#b3261e}.error{color:#b3261e;margin:.5rem 0 0}
button{margin-top:1rem;font:inherit;padding:.5rem 1rem;border:0;border-radius:4px;background:#1f5fbf;color:#fff;cursor:pointer}
button:focus-visible,input:focus-visible{outline:3px solid #f5b400;outline-offset:2px}`;

/**
 * The password form of a protected link: a heading, a labelled password field and a submit
 * button; with `error`, the message in a `role="alert"` paragraph the field points to
 * (`aria-invalid`, `aria-describedby`). No script at all. The form has no `action`: it posts to
 * the page's own URL, so the short link's query string reaches the destination as on GET.
 */
export function passwordPageHtml(slug: string, nonce: string, error?: string): string {
  const invalid = error === undefined ? "" : ' aria-invalid="true" aria-describedby="password-error"';
  const alert = error === undefined ? "" : `\n<p class="error" id="password-error" role="alert">${escapeHtml(error)}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Password required</title>
<style nonce="${escapeHtml(nonce)}">${STYLE}</style>
</head>
<body>
<main>
<h1>This link is password-protected</h1>
<form method="post">
<label for="password">Password for /${escapeHtml(slug)}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="128" autofocus${invalid}>${alert}
<button type="submit">Open the link</button>
</form>
</main>
</body>
</html>
`;
}

/**
 * The page's Content-Security-Policy: nothing may load or run but its own style block (by
 * nonce). `form-action` admits http(s) besides 'self' because Chrome and Safari apply it to the
 * redirect a form post answers (w3c/webappsec-csp#8): with 'self' alone, the right password's
 * 302 to the link's destination would be blocked. It still refuses every other scheme.
 */
export function passwordPagePolicy(nonce: string): string {
  return `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'`;
}

function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * Answers with the password page: never cached, never indexed, never framed. HEAD gets the same
 * status and headers (Hono drops the body).
 */
export function passwordPage(c: Context<RedirectAppEnv>, slug: string, status: 200 | 401 | 429, error?: string): Response {
  const nonce = newNonce();
  c.header("cache-control", "no-store");
  c.header("x-robots-tag", "noindex");
  c.header("content-security-policy", passwordPagePolicy(nonce));
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "same-origin");
  return c.html(passwordPageHtml(slug, nonce, error), status);
}

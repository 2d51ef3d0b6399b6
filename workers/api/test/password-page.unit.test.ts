import { describe, expect, it } from "vitest";
import { guessNetwork } from "../src/redirect/password-guess-key";
import { escapeHtml, passwordPageHtml, passwordPagePolicy } from "../src/redirect/password-page";

describe("the password page", () => {
  it("escapes every character that could open markup or leave an attribute", () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;");
    expect(escapeHtml("plain-slug_9")).toBe("plain-slug_9");
  });

  it("puts the slug, the nonce and the error into the page only escaped", () => {
    const hostile = `"><img src=x onerror=alert(1)>`;
    const html = passwordPageHtml(hostile, `n"onload="x`, `</p><script>alert(2)</script>`);
    expect(html).not.toMatch(/<img|<script|onerror=alert\(1\)>|nonce="n"onload/);
    expect(html).toContain("Password for /&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</label>");
    expect(html).toContain('<style nonce="n&quot;onload=&quot;x">');
    expect(html).toContain('role="alert">&lt;/p&gt;&lt;script&gt;alert(2)&lt;/script&gt;</p>');
  });

  it("allows no script, nothing from elsewhere, no framing, and styles only by the nonce", () => {
    expect(passwordPagePolicy("abc")).toBe(
      "default-src 'none'; style-src 'nonce-abc'; form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'",
    );
  });
});

describe("the network a password guess is counted against", () => {
  it("is an IPv4 address itself and an IPv6 address's /64, however it is written", () => {
    expect(guessNetwork("203.0.113.7")).toBe("203.0.113.7");
    expect(guessNetwork("2001:db8:a:b:1:2:3:4")).toBe("2001:db8:a:b::/64");
    expect(guessNetwork("2001:0DB8:000A:000B:ffff::1")).toBe("2001:db8:a:b::/64");
    expect(guessNetwork("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(guessNetwork("::1")).toBe("0:0:0:0::/64");
    expect(guessNetwork("2001:db8:a:b::")).toBe("2001:db8:a:b::/64");
  });
});

import { describe, expect, it } from "vitest";
import { hashLinkPassword, PASSWORD_ITERATIONS, verifyLinkPassword } from "../src/links/link-password";

const FORMAT = /^pbkdf2-sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/;

describe("link passwords (PBKDF2-SHA256)", () => {
  it("are stored as pbkdf2-sha256$100000$<16-byte salt>$<32-byte hash>, base64url, never containing the password", async () => {
    const stored = await hashLinkPassword("open sesame");
    expect(PASSWORD_ITERATIONS).toBe(100_000);
    expect(stored).toMatch(FORMAT);
    expect(stored).not.toContain("open sesame");
  });

  it("round-trip: the password verifies, and a fresh salt makes each hash different", async () => {
    const a = await hashLinkPassword("correct horse");
    const b = await hashLinkPassword("correct horse");
    expect(a).not.toBe(b);
    expect(await verifyLinkPassword(a, "correct horse")).toBe(true);
    expect(await verifyLinkPassword(b, "correct horse")).toBe(true);
  });

  it("refuse a wrong password, one differing only in case or a trailing space, and an empty one", async () => {
    const stored = await hashLinkPassword("Secret-123");
    for (const wrong of ["secret-123", "Secret-123 ", "Secret-12", "", "Secret-1234"]) expect(await verifyLinkPassword(stored, wrong), wrong).toBe(false);
  });

  it("handle non-ASCII passwords as UTF-8", async () => {
    const stored = await hashLinkPassword("pässwörd-密码");
    expect(await verifyLinkPassword(stored, "pässwörd-密码")).toBe(true);
    expect(await verifyLinkPassword(stored, "passwort-密码")).toBe(false);
  });

  it("verify nothing against a tampered or foreign stored string (false, never a throw)", async () => {
    const stored = await hashLinkPassword("hunter22");
    const [algorithm, iterations, salt, hash] = stored.split("$") as [string, string, string, string];
    const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
    const tampered = [
      `${algorithm}$${iterations}$${salt}$${flip(hash)}`,
      `${algorithm}$${iterations}$${flip(salt)}$${hash}`,
      `${algorithm}$99999$${salt}$${hash}`,
      `${algorithm}$1000000$${salt}$${hash}`,
      `${algorithm}$0$${salt}$${hash}`,
      `pbkdf2-sha1$${iterations}$${salt}$${hash}`,
      `${algorithm}$${iterations}$${salt}$${hash.slice(0, -1)}`,
      `${algorithm}$${iterations}$${salt}$${hash}=`,
      `${algorithm}$${iterations}$${salt}`,
      "hunter22",
      "",
      `${stored}$extra`,
    ];
    for (const bad of tampered) expect(await verifyLinkPassword(bad, "hunter22"), bad).toBe(false);
    expect(await verifyLinkPassword(stored, "hunter22")).toBe(true);
  });
});

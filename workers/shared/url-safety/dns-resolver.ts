import { z } from "zod";

/**
 * Host name → addresses, for the "resolves to a private address" check. Workers have no
 * resolver of their own, so production asks a DNS-over-HTTPS service; tests hand in one
 * that answers from a table, and the offline local stack has none (`null`).
 */
export interface HostResolver {
  /** Every A and AAAA address of `host`; throws when the name cannot be resolved. */
  addresses(host: string): Promise<string[]>;
}

const dohAnswerSchema = z.object({
  Status: z.number().int(),
  Answer: z.array(z.object({ type: z.number().int(), data: z.string() })).optional(),
});

const RECORD_TYPES = { A: 1, AAAA: 28 } as const;
const NXDOMAIN = 3;
const TIMEOUT_MS = 5_000;

/** A resolver over the JSON flavour of DNS-over-HTTPS (`?name=&type=`, `application/dns-json`). */
export function dohResolver(endpoint: string, fetcher: typeof fetch = fetch): HostResolver {
  async function query(host: string, type: keyof typeof RECORD_TYPES): Promise<string[]> {
    const url = new URL(endpoint);
    url.searchParams.set("name", host);
    url.searchParams.set("type", type);
    const res = await fetcher(url, { headers: { accept: "application/dns-json" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new Error(`resolver answered ${res.status}`);
    const answer = dohAnswerSchema.parse(await res.json());
    if (answer.Status !== 0 && answer.Status !== NXDOMAIN) throw new Error(`DNS status ${answer.Status}`);
    // CNAME records come along in the same answer; only the final addresses matter.
    return (answer.Answer ?? []).filter((r) => r.type === RECORD_TYPES[type]).map((r) => r.data);
  }
  return {
    async addresses(host) {
      const [v4, v6] = await Promise.all([query(host, "A"), query(host, "AAAA")]);
      return [...v4, ...v6];
    },
  };
}

/** The resolver a setting names (a DoH endpoint), or null when it is "off" (offline local stack only). */
export function resolverFor(setting: string): HostResolver | null {
  return setting === "off" ? null : dohResolver(setting);
}

import { parseRuleDevice, parseRuleOs, type RuleDevice, type RuleOs } from "./rule-agent";
import { TtlLru } from "./ttl-lru";

/**
 * Distinct User-Agents an isolate keeps the rule OS and device of. Parsing one costs 5 to 60 µs
 * (a desktop agent runs through ua-parser-js's whole device table), far over a redirect's budget;
 * visitors share a few hundred agent strings between them, so a hit is the common case. At most
 * 512 characters a key (rule-visitor.ts cuts longer ones): under 1 MB each.
 */
export const AGENT_CACHE_CAPACITY = 1_000;

/** A parse never goes stale: entries only leave when the least recently used one makes room. */
const NEVER = Number.POSITIVE_INFINITY;

/** What targeting rules read of User-Agents, parsed once per distinct agent and then kept (least recently used out). */
export class RuleAgentCache {
  readonly #os = new TtlLru<RuleOs>(AGENT_CACHE_CAPACITY);
  readonly #device = new TtlLru<RuleDevice>(AGENT_CACHE_CAPACITY);

  os(userAgent: string): RuleOs {
    let os = this.#os.get(userAgent, 0);
    if (os === undefined) {
      os = parseRuleOs(userAgent);
      this.#os.set(userAgent, os, NEVER);
    }
    return os;
  }

  device(userAgent: string): RuleDevice {
    let device = this.#device.get(userAgent, 0);
    if (device === undefined) {
      device = parseRuleDevice(userAgent);
      this.#device.set(userAgent, device, NEVER);
    }
    return device;
  }
}

/** The isolate's one cache: module state lives as long as the isolate. */
export const ruleAgentCache = new RuleAgentCache();

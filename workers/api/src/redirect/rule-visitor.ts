import { z } from "zod";
import { COUNTRY_CODE } from "#events";
import { configParser } from "../../../shared/config";
import type { RuleDevice, RuleOs } from "./rule-agent";
import { ruleAgentCache, type RuleAgentCache } from "./rule-agent-cache";
import { preferredLanguage } from "./rule-language";

/**
 * TRUST_COUNTRY_HEADER: "true" only on the local stack (scripts/stack.mjs LOCAL_VARS), where the
 * runtime's country is a stand-in and the `cf-ipcountry` request header lets a developer try
 * country rules. Elsewhere a visitor could send that header, so production never reads it.
 */
const targetingSettingsOf = configParser("redirect targeting", z.object({ TRUST_COUNTRY_HEADER: z.enum(["true", "false"]).default("false") }));

export function countryHeaderTrusted(env: object): boolean {
  return targetingSettingsOf(env).TRUST_COUNTRY_HEADER === "true";
}

interface EdgeCountry {
  country?: unknown;
}

/**
 * The visitor's country, ISO 3166-1 alpha-2, as rules match it and the click records it: the
 * runtime's `request.cf.country`; on the local stack (`trustCountryHeader`), the `cf-ipcountry`
 * header first.
 */
export function requestCountry(request: Request, trustCountryHeader: boolean): string | null {
  if (trustCountryHeader) {
    const header = request.headers.get("cf-ipcountry")?.trim().toUpperCase();
    if (header !== undefined && COUNTRY_CODE.test(header)) return header;
  }
  const country = (request as { cf?: EdgeCountry }).cf?.country;
  return typeof country === "string" && COUNTRY_CODE.test(country) ? country : null;
}

/**
 * What targeting rules ask of one request, each read the first time a rule asks and then kept:
 * a link whose rules name only countries never reads the User-Agent or Accept-Language, and one
 * naming OSes never looks up the device.
 */
export class RuleVisitor {
  readonly #request: Request;
  readonly #trustCountryHeader: boolean;
  readonly #agents: RuleAgentCache;
  #country: string | null | undefined;
  #userAgent: string | undefined;
  #os: RuleOs | undefined;
  #device: RuleDevice | undefined;
  #language: string | null | undefined;

  constructor(request: Request, trustCountryHeader: boolean, agents: RuleAgentCache = ruleAgentCache) {
    this.#request = request;
    this.#trustCountryHeader = trustCountryHeader;
    this.#agents = agents;
  }

  /** ISO 3166-1 alpha-2 from the runtime (`request.cf.country`); locally, the `cf-ipcountry` header first. */
  country(): string | null {
    if (this.#country === undefined) this.#country = this.#readCountry();
    return this.#country;
  }

  os(): RuleOs {
    this.#os ??= this.#agents.os(this.#agent());
    return this.#os;
  }

  device(): RuleDevice {
    this.#device ??= this.#agents.device(this.#agent());
    return this.#device;
  }

  language(): string | null {
    if (this.#language === undefined) this.#language = preferredLanguage(this.#request.headers.get("accept-language"));
    return this.#language;
  }

  #readCountry(): string | null {
    return requestCountry(this.#request, this.#trustCountryHeader);
  }

  #agent(): string {
    // The same 512 characters the click keeps (click-event.ts): a longer agent is cut, not parsed whole.
    this.#userAgent ??= this.#request.headers.get("user-agent")?.slice(0, 512) ?? "";
    return this.#userAgent;
  }
}

import type { LinkRule } from "#events";
import type { RuleDevice, RuleOs } from "./rule-agent";

/** What a rule's conditions are tested against (rule-visitor.ts reads it from the request, lazily). */
export interface RuleSubject {
  country(): string | null;
  device(): RuleDevice;
  os(): RuleOs;
  language(): string | null;
}

/** True when `value` is one of the condition's alternatives; an unknown value matches none. */
function oneOf(alternatives: readonly string[], value: string | null): boolean {
  return value !== null && alternatives.includes(value);
}

/**
 * A rule's conditions hold when every condition it names holds (AND), and a condition holds when
 * the request's value is one of its alternatives (OR). A rule naming no condition matches every
 * request. Cheapest first: country and language, then the OS, then the device (the costliest parse).
 */
function ruleHolds(when: LinkRule["when"], subject: RuleSubject): boolean {
  if (when.country && !oneOf(when.country, subject.country())) return false;
  if (when.language && !oneOf(when.language, subject.language())) return false;
  if (when.os && !oneOf(when.os, subject.os())) return false;
  if (when.device && !oneOf(when.device, subject.device())) return false;
  return true;
}

/** The index of the first rule whose conditions hold (first match wins), or null when none does. */
export function matchingRule(rules: readonly LinkRule[], subject: RuleSubject): number | null {
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index];
    if (rule && ruleHolds(rule.when, subject)) return index;
  }
  return null;
}

import UAParser from "ua-parser-js";
import type { RULE_DEVICES, RULE_OSES } from "#events";

/** A device or OS the User-Agent names that no rule can (a console, a TV, Chrome OS, BSD, none at all). */
export const OTHER = "other";

export type RuleDevice = (typeof RULE_DEVICES)[number] | typeof OTHER;
export type RuleOs = (typeof RULE_OSES)[number] | typeof OTHER;

/** What targeting rules read of a User-Agent. */
export interface RuleAgent {
  device: RuleDevice;
  os: RuleOs;
}

/**
 * ua-parser-js's OS names (lower-cased) that rules call `linux`: Linux itself and the desktop
 * distributions it names on their own. Android, Chrome OS and Ubuntu Touch are not: a rule for
 * Linux desktops should not catch phones.
 */
const LINUX_NAMES = new Set([
  "linux",
  "ubuntu",
  "kubuntu",
  "xubuntu",
  "lubuntu",
  "debian",
  "fedora",
  "suse",
  "opensuse",
  "gentoo",
  "arch",
  "slackware",
  "mandriva",
  "centos",
  "red hat",
  "redhat",
  "mint",
  "manjaro",
  "elementary os",
  "deepin",
  "raspbian",
  "pclinuxos",
  "mageia",
]);

/** The rule OS of an OS name as ua-parser-js gives it (the analytics consumer stores that name as is). */
export function ruleOsOf(osName: string | undefined): RuleOs {
  const name = osName?.toLowerCase();
  if (name === undefined) return OTHER;
  if (name === "ios") return "ios";
  if (name === "android" || name === "android-x86") return "android";
  if (name === "windows") return "windows";
  if (name === "mac os" || name === "macos") return "macos";
  return LINUX_NAMES.has(name) ? "linux" : OTHER;
}

/**
 * The device class as the analytics consumer classifies it (workers/consumers/analytics/src/
 * click-facts.ts; test/tooling/rule-agent.test.ts keeps the two in step): ua-parser-js names no
 * type for desktops, so a known OS without a device type is a desktop.
 */
export function deviceClassOf(deviceType: string | undefined, osName: string | undefined): string {
  return deviceType ?? (osName ? "desktop" : "unknown");
}

function ruleDeviceOf(deviceClass: string): RuleDevice {
  return deviceClass === "mobile" || deviceClass === "tablet" || deviceClass === "desktop" ? deviceClass : OTHER;
}

/** The rule OS of a User-Agent: ua-parser-js's OS table only. */
export function parseRuleOs(userAgent: string): RuleOs {
  return ruleOsOf(new UAParser(userAgent).getOS().name);
}

/** The rule device of a User-Agent: its device table (the costly one: every entry is tried for a desktop) and its OS. */
export function parseRuleDevice(userAgent: string): RuleDevice {
  const parser = new UAParser(userAgent);
  return ruleDeviceOf(deviceClassOf(parser.getDevice().type, parser.getOS().name));
}

/** Both, as one request's rules would see them. */
export function ruleAgentOf(userAgent: string): RuleAgent {
  return { device: parseRuleDevice(userAgent), os: parseRuleOs(userAgent) };
}

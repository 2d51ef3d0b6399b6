import { describe, expect, it } from "vitest";
import { AUDIT_EVENT_TYPES, LOG_EVENT_TYPES, linkEventSchema, logEventSchema, logEventSchemas, parseEvent, parseLogEvent } from "#events";
import { auditSampleEvents, logSampleEvents, sampleEvents } from "#events/samples";

type Json = Record<string, unknown>;

// Every JSON file in events/samples, found by the bundler (at transform time), so a sample added without
// being listed in samples/index.ts is still checked.
const sampleFiles = (import.meta as ImportMeta & { glob: (pattern: string, options: { eager: true; import: "default" }) => Record<string, unknown> }).glob(
  "../../../events/samples/*.json",
  { eager: true, import: "default" },
);

const samples = Object.entries(logSampleEvents).map(([key, sample]) => [key, sample as unknown as Json] as const);

function clone(sample: Json): Json {
  return structuredClone(sample);
}

function dataOf(event: Json): Json {
  return event["data"] as Json;
}

describe("event samples", () => {
  it("are all listed in samples/index.ts", () => {
    const files = Object.keys(sampleFiles).map((path) => path.split("/").at(-1));
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(files.length).toBe(Object.keys(logSampleEvents).length);
  });

  it.each(Object.entries(sampleFiles))("%s parses with the events/ schemas", (_path, sample) => {
    const parsed = parseLogEvent(sample);
    expect(parsed.success, parsed.success ? "" : JSON.stringify(parsed.error.issues)).toBe(true);
  });

  it.each(samples)("%s matches its own type and version, and exactly one schema", (key, sample) => {
    expect(`${String(sample["type"])}.v${String(sample["version"])}`).toBe(key);
    expect(logEventSchemas.filter((schema) => schema.safeParse(sample).success)).toHaveLength(1);
  });

  it.each(samples)("%s parses with logEventSchema, which picks the member by type and version, unchanged", (_key, sample) => {
    expect(logEventSchema.parse(clone(sample))).toEqual(sample);
  });

  it("link samples parse with linkEventSchema (what consumers accept); audit samples do not", () => {
    for (const sample of Object.values(sampleEvents)) expect(linkEventSchema.parse(clone(sample as unknown as Json))).toEqual(sample);
    for (const sample of Object.values(auditSampleEvents)) expect(linkEventSchema.safeParse(sample).success).toBe(false);
    expect(new Set(Object.values(auditSampleEvents).map((s) => s.type))).toEqual(new Set(AUDIT_EVENT_TYPES));
  });

  it("leave no schema of logEventSchemas without a sample, so logEventSchema is checked against every one", () => {
    const covered = new Set(samples.map(([key]) => key));
    expect(logEventSchemas.map((schema) => `${schema.shape.type.value}.v${schema.shape.version.value}`).filter((key) => !covered.has(key))).toEqual([]);
  });

  it("name, for a known type, what is wrong with that type's fields rather than with every other type's", () => {
    const clicked = clone(samples.find(([key]) => key === "LinkClicked.v1")?.[1] ?? {});
    dataOf(clicked)["visitorHash"] = "not-hex";
    const issues = linkEventSchema.safeParse(clicked).error?.issues ?? [];
    expect(issues.map((issue) => issue.path.join("."))).toEqual(["data.visitorHash"]);
  });

  it("cover every event type", () => {
    expect(new Set(samples.map(([, s]) => s["type"]))).toEqual(new Set(LOG_EVENT_TYPES));
  });
});

const ENVELOPE_FIELDS = ["id", "type", "version", "occurredAt", "teamId", "subject", "traceId", "data"] as const;

const mutations: [string, (e: Json) => void][] = [
  ...ENVELOPE_FIELDS.map((field): [string, (e: Json) => void] => [`without ${field}`, (e) => delete e[field]]),
  ["with version 99", (e) => (e["version"] = 99)],
  ["with version 0", (e) => (e["version"] = 0)],
  ["with the version as a string", (e) => (e["version"] = String(e["version"]))],
  ["with an extra top-level field", (e) => (e["priority"] = "high")],
  ["with an extra field in data", (e) => (dataOf(e)["extra"] = true)],
  ["with data missing a field", (e) => delete dataOf(e)[Object.keys(dataOf(e))[0] ?? ""]],
  ["with data as null", (e) => (e["data"] = null)],
  ["with an upper-case trace id", (e) => (e["traceId"] = String(e["traceId"]).toUpperCase())],
  ["with a 31-character trace id", (e) => (e["traceId"] = String(e["traceId"]).slice(1))],
  ["with the all-zero trace id", (e) => (e["traceId"] = "0".repeat(32))],
  ["with a traceparent instead of a trace id", (e) => (e["traceId"] = `00-${String(e["traceId"])}-00f067aa0ba902b7-01`)],
  ["with a non-ULID event id", (e) => (e["id"] = "evt_not-a-ulid")],
  ["with a link id as the event id", (e) => (e["id"] = String(e["subject"]))],
  ["with a bad team id", (e) => (e["teamId"] = "acme")],
  ["with an unknown type", (e) => (e["type"] = "LinkExploded")],
  ["with a lower-case type", (e) => (e["type"] = String(e["type"]).toLowerCase())],
  ["with occurredAt carrying an offset", (e) => (e["occurredAt"] = "2026-11-26T12:00:00+02:00")],
  ["with occurredAt as a date only", (e) => (e["occurredAt"] = "2026-11-26")],
  ["with occurredAt as epoch millis", (e) => (e["occurredAt"] = 1795729115764)],
  ["with an empty subject", (e) => (e["subject"] = "")],
];

describe("mutated samples are rejected", () => {
  const cases = samples.flatMap(([key, sample]) => mutations.map(([name, mutate]) => [key, name, sample, mutate] as const));

  it.each(cases)("%s %s", (_key, _name, sample, mutate) => {
    const event = clone(sample);
    mutate(event);
    expect(parseLogEvent(event).success).toBe(false);
    expect(linkEventSchema.safeParse(event).success).toBe(false);
  });

  it("rejects one type's data under another type's name", () => {
    const created = clone(sampleEvents["LinkCreated.v1"] as unknown as Json);
    const deleted = clone(sampleEvents["LinkDeleted.v1"] as unknown as Json);
    expect(parseEvent({ ...created, data: deleted["data"] }).success).toBe(false);
    expect(parseEvent({ ...deleted, data: created["data"] }).success).toBe(false);
  });

  it("rejects bad values inside data", () => {
    const clicked = clone(sampleEvents["LinkClicked.v1"] as unknown as Json);
    for (const [field, value] of [
      ["country", "Germany"],
      ["visitorHash", "not-hex"],
      ["method", "POST"],
      ["bot", "no"],
      ["linkId", "lnk_1"],
    ] as const) {
      const event = clone(clicked);
      dataOf(event)[field] = value;
      expect(parseEvent(event).success, field).toBe(false);
    }
    const created = clone(sampleEvents["LinkCreated.v1"] as unknown as Json);
    (dataOf(created)["link"] as Json)["url"] = "not a url";
    expect(parseEvent(created).success).toBe(false);
    const updated = clone(sampleEvents["LinkUpdated.v1"] as unknown as Json);
    dataOf(updated)["changed"] = [];
    expect(parseEvent(updated).success).toBe(false);
  });

  it("still accepts the untouched samples (the mutations, not the cloning, are what fails)", () => {
    for (const [, sample] of samples) expect(parseLogEvent(clone(sample)).success).toBe(true);
  });

  it("refuse an audit actor that is not an id (a token, an API key, a hash), and any extra field that could carry one", () => {
    for (const [key, sample] of Object.entries(auditSampleEvents)) {
      for (const actor of ["test-admin-token-0123456789", "lf_abcdefghijklmnopqrstuvwxyz012345", "a".repeat(64), "admin:" + "a".repeat(64), "admin:"]) {
        const event = clone(sample as unknown as Json);
        dataOf(event)["actor"] = actor;
        expect(parseLogEvent(event).success, `${key} ${actor}`).toBe(false);
      }
      for (const field of ["apiKey", "keyHash", "token", "prefix"]) {
        const event = clone(sample as unknown as Json);
        dataOf(event)[field] = "secret";
        expect(parseLogEvent(event).success, `${key} ${field}`).toBe(false);
      }
    }
  });
});

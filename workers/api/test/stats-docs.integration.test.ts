import { describe, expect, it } from "vitest";
import { csvField } from "../src/analytics/stats-csv";
import { api } from "./helpers";

// How the stats answers are written down: the CSV's fields and the OpenAPI document.

describe("stats CSV fields", () => {
  it("guards every formula start and quotes what RFC 4180 needs", () => {
    const cases: [string | number, string][] = [
      ["plain", "plain"],
      ["=1+1", "'=1+1"],
      ["+1", "'+1"],
      ["-1", "'-1"],
      ["@SUM(A1)", "'@SUM(A1)"],
      ["\tx", "'\tx"],
      ["\rx", `"'\rx"`],
      ["a\nb", `"a\nb"`],
      ['say "hi"', `"say ""hi"""`],
      ["a,b", `"a,b"`],
      ["a=b", "a=b"],
      [0, "0"],
      [42, "42"],
      ["", ""],
    ];
    for (const [value, field] of cases) expect(csvField(value), JSON.stringify(value)).toBe(field);
  });
});

describe("stats in the OpenAPI document", () => {
  it("documents qrScans, cities, regions and rules in the OpenAPI Stats schema", async () => {
    const doc = (await (await api("/openapi.json")).json()) as {
      components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    };
    const stats = doc.components.schemas["Stats"];
    expect(Object.keys(stats?.properties ?? {})).toEqual(expect.arrayContaining(["qrScans", "cities", "regions", "rules"]));
    expect(stats?.required).toEqual(expect.arrayContaining(["qrScans", "cities", "regions", "rules"]));
  });

  it("documents interval and format and the CSV answer", async () => {
    const doc = (await (await api("/openapi.json")).json()) as {
      paths: Record<
        string,
        Record<
          string,
          { parameters?: { name: string; in: string; schema?: { enum?: string[] } }[]; responses: Record<string, { content?: Record<string, unknown> }> }
        >
      >;
    };
    const link = doc.paths["/v1/links/{id}/stats"]?.["get"];
    const query = Object.fromEntries((link?.parameters ?? []).filter((p) => p.in === "query").map((p) => [p.name, p.schema?.enum]));
    expect(query).toEqual({ from: undefined, to: undefined, interval: ["day", "hour"], format: ["json", "csv"] });
    expect(Object.keys(link?.responses["200"]?.content ?? {})).toEqual(["application/json", "text/csv"]);
    const team = doc.paths["/v1/stats"]?.["get"];
    expect((team?.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name)).toEqual(["from", "to", "interval"]);
  });
});

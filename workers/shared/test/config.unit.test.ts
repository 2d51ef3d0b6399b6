import { describe, expect, it } from "vitest";
import { z } from "zod";
import { configParser } from "../config";

describe("configParser", () => {
  const schema = z.object({ LIMIT: z.coerce.number().int().min(1).default(5), MODE: z.enum(["on", "off"]) });

  it("parses once per env object: the same env gets the same config, another env its own", () => {
    const configOf = configParser("test", schema);
    const env = { MODE: "on" };
    const first = configOf(env);
    expect(first).toEqual({ LIMIT: 5, MODE: "on" });
    expect(configOf(env)).toBe(first);
    expect(configOf({ MODE: "off", LIMIT: "7" })).toEqual({ LIMIT: 7, MODE: "off" });
  });

  it("names the Worker and every bad field, and caches nothing for a bad env", () => {
    const configOf = configParser("test", schema);
    const env: Record<string, string> = { LIMIT: "0", MODE: "maybe" };
    expect(() => configOf(env)).toThrow(/^invalid test Worker configuration: [\s\S]*at LIMIT[\s\S]*at MODE/);
    env["LIMIT"] = "2";
    env["MODE"] = "off";
    expect(configOf(env)).toEqual({ LIMIT: 2, MODE: "off" });
  });
});

import { describe, expect, it } from "vitest";
import {
  collectResources,
  deployOrder,
  isPlaceholderId,
  isPlaceholderKvId,
  queueNames,
  withDatabaseId,
  withKvNamespaceId,
} from "../../scripts/lib/resources.mjs";
import { WORKERS } from "../../scripts/stack.mjs";

const resources = collectResources(WORKERS.map((w) => w.config));

describe("the stack's queues, read from every Worker's config", () => {
  it("gives every queue exactly one consumer (Queues allow one), and every dead-letter queue a consumer too", () => {
    for (const queue of queueNames(resources)) {
      const consumers = resources.queues.filter((q) => q.queue === queue && q.role === "consumer");
      expect(
        consumers.map((c) => c.config),
        `consumers of ${queue}`,
      ).toHaveLength(1);
    }
  });

  it("sends nothing to a queue nobody consumes", () => {
    const consumed = new Set(resources.queues.filter((q) => q.role === "consumer").map((q) => q.queue));
    const orphans = resources.queues.filter((q) => q.role === "producer" && !consumed.has(q.queue));
    expect(orphans).toEqual([]);
  });

  it("gives each D1 database one name and a placeholder id until provisioned", () => {
    const names = resources.d1.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const db of resources.d1) expect(isPlaceholderId(db.id), db.name).toBe(true);
  });

  it("lists a database bound by two Workers once, with every config that binds it and the same id in each", () => {
    const links = resources.d1.find((d) => d.name === "linkflow-links");
    expect(links?.declaredIn.map((d) => d.config).sort()).toEqual(["workers/api/edge/wrangler.toml", "wrangler.toml"]);
    for (const db of resources.d1) expect(new Set(db.declaredIn.map((d) => d.id)).size, db.name).toBe(1);
  });
});

describe("the stack's KV namespaces", () => {
  it("are read from the configs, each titled by its Worker and binding, with a placeholder id until provisioned", () => {
    expect(resources.kv).toEqual([
      { title: "linkflow-preview-PREVIEWS", binding: "PREVIEWS", config: "workers/consumers/preview/wrangler.toml", id: "0".repeat(32) },
    ]);
    for (const kv of resources.kv) expect(isPlaceholderKvId(kv.id), kv.title).toBe(true);
  });

  it("withKvNamespaceId replaces only the id of the named binding and keeps comments", () => {
    const text = '# a\n[[kv_namespaces]]\nbinding = "A"\nid = "x"\n\n# b\n[[kv_namespaces]]\nbinding = "B"\nid = "y"\n';
    expect(withKvNamespaceId(text, "B", "abcd")).toBe(text.replace('"y"', '"abcd"'));
    expect(() => withKvNamespaceId(text, "C", "1")).toThrow(/"C"/);
  });
});

describe("withDatabaseId", () => {
  it("replaces only the id of the named database and keeps comments", () => {
    const text =
      '# a\n[[d1_databases]]\nbinding = "A"\ndatabase_name = "one"\ndatabase_id = "x"\n\n[[d1_databases]]\nbinding = "B"\ndatabase_name = "two"\ndatabase_id = "y"\n';
    expect(withDatabaseId(text, "two", "1234")).toBe(text.replace('"y"', '"1234"'));
    expect(() => withDatabaseId(text, "three", "1")).toThrow(/three/);
  });
});

describe("deployOrder", () => {
  it("deploys every Worker after the Workers it binds, and the Durable Object's host before its users", () => {
    const configs = WORKERS.map((w) => w.config);
    const order = deployOrder(configs);
    expect([...order].sort()).toEqual([...configs].sort());
    const at = (config: string) => order.indexOf(config);
    expect(at("workers/fanout/wrangler.toml")).toBeLessThan(at("wrangler.toml"));
    for (const c of configs.filter((c) => c.startsWith("workers/consumers/") && !c.includes("dashboard"))) {
      expect(at(c), c).toBeLessThan(at("wrangler.toml"));
    }
    expect(at("wrangler.toml")).toBeLessThan(at("workers/consumers/dashboard/wrangler.toml"));
    // The edge binds the api (API, API_CRON): deployed after it, though it starts first locally.
    expect(at("wrangler.toml")).toBeLessThan(at("workers/api/edge/wrangler.toml"));
  });
});

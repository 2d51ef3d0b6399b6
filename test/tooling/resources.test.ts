import { describe, expect, it } from "vitest";
import {
  collectResources,
  deployOrder,
  isPlaceholderId,
  isPlaceholderKvId,
  kvNamespaces,
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
  it("are read from the configs, each once, titled by its owner's Worker and binding, with a placeholder id until provisioned", () => {
    expect(resources.kv).toEqual([
      // Bound by the edge and the api (read it on redirects) and by the redirects Worker, which writes it: created once, the consumer's.
      {
        title: "linkflow-redirects-REDIRECTS",
        binding: "REDIRECTS",
        config: "workers/consumers/redirects/wrangler.toml",
        configs: ["workers/api/edge/wrangler.toml", "wrangler.toml", "workers/consumers/redirects/wrangler.toml"],
        id: `${"0".repeat(28)}0002`,
      },
      {
        title: "linkflow-preview-PREVIEWS",
        binding: "PREVIEWS",
        config: "workers/consumers/preview/wrangler.toml",
        configs: ["workers/consumers/preview/wrangler.toml"],
        id: `${"0".repeat(28)}0001`,
      },
    ]);
    for (const kv of resources.kv) expect(isPlaceholderKvId(kv.id), kv.title).toBe(true);
  });

  it("have distinct placeholder ids: the local stack keeps namespaces apart by id", () => {
    const ids = resources.kv.map((kv) => kv.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("a placeholder is 28 zeros and 4 hex digits; a real id is not one", () => {
    expect(isPlaceholderKvId("0".repeat(32))).toBe(true);
    expect(isPlaceholderKvId(`${"0".repeat(28)}00af`)).toBe(true);
    expect(isPlaceholderKvId(`${"0".repeat(27)}10002`)).toBe(false);
    expect(isPlaceholderKvId("0b3a5c9e1d2f4a6b8c0d1e2f3a4b5c6d")).toBe(false);
    expect(isPlaceholderKvId(`${"0".repeat(28)}000`)).toBe(false);
  });

  it("one namespace bound by several configs is created once, owned by the consumer among them, and its id written into every one", () => {
    const id = `${"0".repeat(28)}0007`;
    const kv = kvNamespaces([
      { worker: "linkflow-api", binding: "SHARED", config: "wrangler.toml", id },
      { worker: "linkflow-api", binding: "OWN", config: "wrangler.toml", id: `${"0".repeat(28)}0008` },
      { worker: "linkflow-writer", binding: "SHARED", config: "workers/consumers/writer/wrangler.toml", id },
      { worker: "linkflow-reader", binding: "SHARED", config: "workers/consumers/reader/wrangler.toml", id },
    ]);
    expect(kv).toEqual([
      {
        title: "linkflow-writer-SHARED",
        binding: "SHARED",
        config: "workers/consumers/writer/wrangler.toml",
        configs: ["wrangler.toml", "workers/consumers/writer/wrangler.toml", "workers/consumers/reader/wrangler.toml"],
        id,
      },
      { title: "linkflow-api-OWN", binding: "OWN", config: "wrangler.toml", configs: ["wrangler.toml"], id: `${"0".repeat(28)}0008` },
    ]);

    // What provision does with it: the one real id into each config's block of that binding.
    const configs: Record<string, string> = {
      "wrangler.toml": `[[kv_namespaces]]\nbinding = "OWN"\nid = "${"0".repeat(28)}0008"\n\n# shared\n[[kv_namespaces]]\nbinding = "SHARED"\nid = "${id}"\n`,
      "workers/consumers/writer/wrangler.toml": `[[kv_namespaces]]\nbinding = "SHARED"\nid = "${id}"\n`,
      "workers/consumers/reader/wrangler.toml": `# read only\n[[kv_namespaces]]\nbinding = "SHARED"\nid = "${id}"\n`,
    };
    const real = "0b3a5c9e1d2f4a6b8c0d1e2f3a4b5c6d";
    const shared = kv[0];
    for (const config of shared?.configs ?? []) configs[config] = withKvNamespaceId(configs[config] ?? "", "SHARED", real);
    for (const text of Object.values(configs)) expect(text).toContain(`binding = "SHARED"\nid = "${real}"`);
    expect(configs["wrangler.toml"]).toContain(`binding = "OWN"\nid = "${"0".repeat(28)}0008"`);
  });

  it("bound by no consumer, the first config owns a namespace; one id under two binding names is refused", () => {
    const id = `${"0".repeat(28)}0009`;
    expect(
      kvNamespaces([
        { worker: "linkflow-api", binding: "X", config: "wrangler.toml", id },
        { worker: "linkflow-fanout", binding: "X", config: "workers/fanout/wrangler.toml", id },
      ]).map((k) => [k.title, k.configs.length]),
    ).toEqual([["linkflow-api-X", 2]]);
    expect(() =>
      kvNamespaces([
        { worker: "linkflow-api", binding: "X", config: "wrangler.toml", id },
        { worker: "linkflow-redirects", binding: "Y", config: "workers/consumers/redirects/wrangler.toml", id },
      ]),
    ).toThrow(/bound as X and as Y/);
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
    // The api binds no redirects service, only its KV namespace: the writer deploys first all the same.
    expect(at("workers/consumers/redirects/wrangler.toml")).toBeLessThan(at("wrangler.toml"));
    // The edge binds the api (API, API_CRON): deployed after it, though it starts first locally.
    expect(at("wrangler.toml")).toBeLessThan(at("workers/api/edge/wrangler.toml"));
  });
});

// What the stack needs to exist in a Cloudflare account, read from the Workers' own configs.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { ROOT } from "./proc.mjs";

/**
 * @typedef {object} D1Resource
 * @property {string} name database_name
 * @property {string} binding
 * @property {string} config the first wrangler config that declares it (relative to the repo root)
 * @property {string} id its database_id as committed there
 * @property {{ config: string, id: string }[]} declaredIn every config that binds it (the edge binds
 *   the api's links database too), each with its database_id as committed: one database, one
 *   resource, its id written into each
 *
 * @typedef {object} QueueUse
 * @property {string} queue
 * @property {string} config
 * @property {"producer" | "consumer" | "dead_letter_queue"} role
 *
 * @typedef {object} KvResource one namespace, however many configs bind it (see kvNamespaces)
 * @property {string} title the namespace's title in the account: `<owner's worker name>-<binding>`
 * @property {string} binding its binding name, the same in every config that binds it
 * @property {string} config its owner: the config whose Worker titles it (and writes it)
 * @property {string[]} configs every config that binds it, in stack order
 * @property {string} id its id as committed (the same in all of them)
 *
 * @typedef {object} Resources
 * @property {D1Resource[]} d1
 * @property {KvResource[]} kv
 * @property {QueueUse[]} queues every use of every queue, by config and role
 * @property {string[]} buckets R2 bucket names
 */

/** @param {unknown} value @returns {Record<string, unknown>[]} */
const tables = (value) => (Array.isArray(value) ? value.filter((v) => typeof v === "object" && v !== null) : []);
/** @param {unknown} value */
const str = (value) => (typeof value === "string" ? value : "");

/**
 * @param {string[]} configs wrangler configs relative to the repo root
 * @returns {Resources}
 */
export function collectResources(configs) {
  /** @type {Resources} */
  const out = { d1: [], kv: [], queues: [], buckets: [] };
  /** @type {KvBinding[]} */
  const kvBindings = [];
  for (const config of configs) {
    const toml = parse(readFileSync(path.join(ROOT, config), "utf8"));
    for (const db of tables(toml["d1_databases"])) {
      const name = str(db["database_name"]);
      const id = str(db["database_id"]);
      const known = out.d1.find((d) => d.name === name);
      if (known) known.declaredIn.push({ config, id });
      else out.d1.push({ name, binding: str(db["binding"]), config, id, declaredIn: [{ config, id }] });
    }
    const queues = /** @type {Record<string, unknown>} */ (toml["queues"] ?? {});
    for (const p of tables(queues["producers"])) out.queues.push({ queue: str(p["queue"]), config, role: "producer" });
    for (const c of tables(queues["consumers"])) {
      out.queues.push({ queue: str(c["queue"]), config, role: "consumer" });
      if (c["dead_letter_queue"]) out.queues.push({ queue: str(c["dead_letter_queue"]), config, role: "dead_letter_queue" });
    }
    for (const b of tables(toml["r2_buckets"])) out.buckets.push(str(b["bucket_name"]));
    for (const kv of tables(toml["kv_namespaces"])) kvBindings.push({ worker: str(toml["name"]), binding: str(kv["binding"]), config, id: str(kv["id"]) });
  }
  out.buckets = [...new Set(out.buckets)].sort();
  out.kv = kvNamespaces(kvBindings);
  return out;
}

/**
 * @typedef {object} KvBinding one [[kv_namespaces]] entry of one config
 * @property {string} worker the config's Worker name
 * @property {string} binding
 * @property {string} config
 * @property {string} id
 */

/** Consumer Workers live here; a namespace bound by one of them is that Worker's projection. */
const CONSUMERS_DIR = "workers/consumers/";

/**
 * The namespaces behind the configs' KV bindings. A namespace has no name in a config, only a
 * binding and an id, so:
 * - one namespace is one (binding, committed id) pair: the configs that bind the same binding
 *   name with the same id (a placeholder before `npm run provision`, the real id after) share it,
 *   as they do on the local stack, where a namespace is its id. One id under two binding names
 *   is refused: it would be one namespace locally and two once provisioned.
 * - its owner is the first of those configs, in stack order, that is a consumer Worker's
 *   (workers/consumers/): a KV namespace bound by several Workers is a read model, written by the
 *   consumer that projects it and read by the others (the api reads the redirects Worker's
 *   REDIRECTS). Bound by no consumer, the first config owns it.
 * - its title is `<owner's worker name>-<binding>`: created once, whoever else binds it.
 * @param {KvBinding[]} bindings in stack order
 * @returns {KvResource[]} in the order each namespace is first bound
 */
export function kvNamespaces(bindings) {
  /** @type {Map<string, KvBinding[]>} */
  const byNamespace = new Map();
  /** @type {Map<string, string>} id -> binding */
  const bindingOfId = new Map();
  for (const b of bindings) {
    const named = bindingOfId.get(b.id);
    if (named !== undefined && named !== b.binding) {
      throw new Error(`KV id ${b.id} is bound as ${named} and as ${b.binding} (${b.config}): one namespace takes one binding name everywhere`);
    }
    bindingOfId.set(b.id, b.binding);
    const key = `${b.binding}\0${b.id}`;
    byNamespace.set(key, [...(byNamespace.get(key) ?? []), b]);
  }
  return [...byNamespace.values()].map((group) => {
    const owner = group.find((b) => b.config.startsWith(CONSUMERS_DIR)) ?? group[0];
    if (!owner) throw new Error("unreachable: an empty group");
    const configs = [...new Set(group.map((b) => b.config))];
    return { title: `${owner.worker}-${owner.binding}`, binding: owner.binding, config: owner.config, configs, id: owner.id };
  });
}

/** @param {Resources} resources */
export function queueNames(resources) {
  return [...new Set(resources.queues.map((q) => q.queue))].sort();
}

/** A placeholder id is what the repo commits until `npm run provision` writes the real one. */
export const isPlaceholderId = (/** @type {string} */ id) => /^00000000-0000-4000-8000-[0-9a-f]{12}$/.test(id);

/**
 * KV ids are 32 hex digits; a committed placeholder is 28 zeros and 4 hex digits, a different
 * one per namespace: the local stack keys a namespace by its id, so two namespaces with one
 * placeholder would be one there (test/tooling/resources.test.ts checks they differ).
 */
export const isPlaceholderKvId = (/** @type {string} */ id) => /^0{28}[0-9a-f]{4}$/.test(id);

/**
 * Writes a real KV namespace id into the config, in the [[kv_namespaces]] block of that binding
 * (binding first, then id, as the configs write it), keeping comments and layout.
 * @param {string} text config text
 * @param {string} binding
 * @param {string} id
 */
export function withKvNamespaceId(text, binding, id) {
  const block = new RegExp(`(binding\\s*=\\s*"${binding.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\s*\\n\\s*id\\s*=\\s*")[^"]*(")`);
  if (!block.test(text)) throw new Error(`no id line right after binding = "${binding}"`);
  return text.replace(block, `$1${id}$2`);
}

/**
 * Writes a real database_id into the config, in the [[d1_databases]] block of that database,
 * keeping the file's comments and layout.
 * @param {string} text config text
 * @param {string} databaseName
 * @param {string} id
 */
export function withDatabaseId(text, databaseName, id) {
  const block = new RegExp(`(database_name\\s*=\\s*"${databaseName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\s*\\n\\s*database_id\\s*=\\s*")[^"]*(")`);
  if (!block.test(text)) throw new Error(`no database_id line right after database_name = "${databaseName}"`);
  return text.replace(block, `$1${id}$2`);
}

/**
 * Deploy order from the configs themselves: a Worker goes after every Worker it binds (service
 * bindings, and a Durable Object's host via script_name), so no binding ever points at a Worker
 * that does not exist yet, and after the owner of every KV namespace it binds but does not own
 * (kvNamespaces: the reader of a read model after its writer). Ties keep the stack list's order.
 * @param {string[]} configs wrangler configs relative to the repo root, in stack order
 * @returns {string[]} the same configs, dependencies first
 */
export function deployOrder(configs) {
  /** @type {Map<string, { config: string, needs: Set<string> }>} */
  const byName = new Map();
  for (const config of configs) {
    const toml = parse(readFileSync(path.join(ROOT, config), "utf8"));
    const needs = new Set(tables(toml["services"]).map((s) => str(s["service"])));
    const objects = /** @type {Record<string, unknown>} */ (toml["durable_objects"] ?? {});
    for (const b of tables(objects["bindings"])) if (b["script_name"]) needs.add(str(b["script_name"]));
    byName.set(str(toml["name"]), { config, needs });
  }
  /** @type {Map<string, string>} config -> Worker name */
  const nameOf = new Map([...byName].map(([name, node]) => [node.config, name]));
  for (const kv of collectResources(configs).kv) {
    const owner = nameOf.get(kv.config);
    for (const config of kv.configs) {
      const reader = nameOf.get(config);
      if (owner && reader && reader !== owner) byName.get(reader)?.needs.add(owner);
    }
  }
  /** @type {string[]} */
  const order = [];
  const placed = new Set();
  /** @param {string} name @param {string[]} path */
  const visit = (name, path) => {
    const node = byName.get(name);
    if (!node || placed.has(name)) return;
    if (path.includes(name)) throw new Error(`Workers bind each other in a cycle: ${[...path, name].join(" → ")}`);
    for (const dep of node.needs) if (dep !== name) visit(dep, [...path, name]);
    placed.add(name);
    order.push(node.config);
  };
  for (const name of byName.keys()) visit(name, []);
  return order;
}

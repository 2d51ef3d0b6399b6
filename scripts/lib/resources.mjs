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
 * @typedef {object} KvResource
 * @property {string} title the namespace's title in the account: `<worker name>-<binding>`
 * @property {string} binding
 * @property {string} config the wrangler config that declares it
 * @property {string} id its id as committed
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
    // A KV namespace has no name in the config, only a binding: the title says whose it is.
    for (const kv of tables(toml["kv_namespaces"])) {
      out.kv.push({ title: `${str(toml["name"])}-${str(kv["binding"])}`, binding: str(kv["binding"]), config, id: str(kv["id"]) });
    }
  }
  out.buckets = [...new Set(out.buckets)].sort();
  return out;
}

/** @param {Resources} resources */
export function queueNames(resources) {
  return [...new Set(resources.queues.map((q) => q.queue))].sort();
}

/** A placeholder id is what the repo commits until `npm run provision` writes the real one. */
export const isPlaceholderId = (/** @type {string} */ id) => /^00000000-0000-4000-8000-[0-9a-f]{12}$/.test(id);

/** KV ids are 32 hex digits; the committed placeholder is all zeros. */
export const isPlaceholderKvId = (/** @type {string} */ id) => /^0{32}$/.test(id);

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
 * that does not exist yet. Ties keep the stack list's order.
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

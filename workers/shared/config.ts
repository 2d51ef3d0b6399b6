import { z } from "zod";

/**
 * Env vars and secrets cross a boundary too: each Worker's config is one zod schema, parsed
 * once per env object (a test's env or a chaos-wrapped one is parsed for itself, as a
 * different object). A bad value throws on first use, naming every bad field, so a
 * misconfigured deployment fails loudly instead of running on a guess.
 */
export function configParser<T extends z.ZodType<object>>(worker: string, schema: T): (env: object) => z.infer<T> {
  const cache = new WeakMap<object, z.infer<T>>();
  return (env) => {
    const cached = cache.get(env);
    if (cached !== undefined) return cached;
    const parsed = schema.safeParse(env);
    if (!parsed.success) throw new Error(`invalid ${worker} Worker configuration: ${z.prettifyError(parsed.error)}`);
    cache.set(env, parsed.data);
    return parsed.data;
  };
}

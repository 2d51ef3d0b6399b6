import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { capMaxSchema, type CapAnswer } from "./cap-rpc";

export type { CapAnswer } from "./cap-rpc";

function parsedMax(method: string, input: unknown): number {
  const parsed = capMaxSchema.safeParse(input);
  if (!parsed.success) throw new Error(`LinkClickCap.${method}: invalid max: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * The exact click count of one capped link (one object per link: `idFromName(linkId)`), kept in
 * the object's SQLite storage. A Durable Object runs one call at a time and `take` never awaits
 * between reading the count and writing it, so concurrent clicks from every location are counted
 * one after the other: a cap of K lets exactly K clicks through, never K + 1.
 */
export class LinkClickCap extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    // One row (id 1): the human clicks counted since the link first had a cap.
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS click_cap (id INTEGER PRIMARY KEY CHECK (id = 1), used INTEGER NOT NULL)");
  }

  /** Counts one use when fewer than `max` have been counted; refuses (and counts nothing) otherwise. */
  take(max: unknown): CapAnswer {
    const cap = parsedMax("take", max);
    const used = this.used();
    if (used >= cap) return { allowed: false, used };
    this.ctx.storage.sql.exec("INSERT INTO click_cap (id, used) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET used = excluded.used", used + 1);
    return { allowed: true, used: used + 1 };
  }

  /** Whether a use would be counted now, counting nothing: for requests that never use the cap up (bots, HEAD, the password form). */
  peek(max: unknown): CapAnswer {
    const cap = parsedMax("peek", max);
    const used = this.used();
    return { allowed: used < cap, used };
  }

  private used(): number {
    return this.ctx.storage.sql.exec<{ used: number }>("SELECT used FROM click_cap WHERE id = 1").toArray()[0]?.used ?? 0;
  }
}

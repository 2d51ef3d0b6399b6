import { chaosOf, failingQueue } from "../../shared/chaos";

// One chaotic env per real env: configOf (and anything else keyed by the env object) keeps its cache.
const chaotic = new WeakMap<ApiEnv, ApiEnv>();

/**
 * The env this Worker's handlers run with: the real one, unless a chaos run's CHAOS sets
 * queueSendFailureRate; then LINK_EVENTS and CLICK_EVENTS refuse that share of their sends, so
 * every publish path (outbox, audit, relay, click batches) meets the failures unchanged. The
 * failing queues are one per binding, so the click packer still batches per queue object.
 */
export function withChaos(env: ApiEnv): ApiEnv {
  const rate = chaosOf(env, "api")?.queueSendFailureRate;
  if (rate === undefined) return env;
  const linkEvents = failingQueue(env.LINK_EVENTS, rate);
  const clickEvents = failingQueue(env.CLICK_EVENTS, rate);
  const known = chaotic.get(env);
  if (known?.LINK_EVENTS === linkEvents && known.CLICK_EVENTS === clickEvents) return known;
  const wrapped: ApiEnv = { ...env, LINK_EVENTS: linkEvents, CLICK_EVENTS: clickEvents };
  chaotic.set(env, wrapped);
  return wrapped;
}

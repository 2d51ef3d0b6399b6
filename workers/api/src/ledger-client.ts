import type { Ledger } from "../../fanout/src/ledger";

/**
 * The fan-out's Ledger entrypoint, typed. `wrangler types` cannot see across
 * configs, so the binding is generated as an untyped Service; the Ledger class is
 * the contract, and it parses every input it receives.
 */
export function ledgerOf(env: ApiEnv): Service<Ledger> {
  return env.LEDGER as unknown as Service<Ledger>;
}

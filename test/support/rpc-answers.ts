import { expect } from "vitest";
import type { RpcError, RpcResult } from "../../workers/shared/rpc";

/**
 * Entrypoint answers in tests (workers/shared/rpc.ts). A test that expects a value fails on a
 * refusal, naming its code and issues; one that expects a refusal fails on a value.
 */
export function valueOf<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw new Error(`refused: ${result.error.code}: ${result.error.message} ${JSON.stringify(result.error.issues ?? [])}`);
}

export function refusalOf<T>(result: RpcResult<T>): RpcError {
  if (!result.ok) return result.error;
  throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
}

/** A matcher for an `invalid_request` refusal with an issue at `path` whose message matches `message`. */
export function invalidInputAt(path: string, message: RegExp = /./) {
  return { code: "invalid_request", issues: expect.arrayContaining([{ path, message: expect.stringMatching(message) }]) };
}

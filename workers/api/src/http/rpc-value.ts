import type { RpcResult } from "../../../shared/rpc";
import { ApiError } from "./errors";

/** Every RPC answer the api gets (workers/shared/rpc.ts): the value, or the refusal as the ApiError it answers. */
export function rpcValueOrThrow<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error.code, result.error.message, result.error.issues);
}

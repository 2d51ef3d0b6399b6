import type { z } from "zod";

/**
 * The one RPC convention between Workers (Ledger, Stats, Usage, QrCodes, Webhooks):
 * every entrypoint method takes `unknown`, parses it with `parseRpcInput`, and answers
 * an `RpcResult`. Whatever the caller could have done differently (invalid input, not
 * found, a conflict, a quota) is a refusal in the result, with its code and issues;
 * a thrown error would lose both over RPC (only its message survives). Throwing is
 * left to faults the caller cannot fix (storage down, a queue send failing). The api
 * unwraps every result with one helper that turns a refusal into its ApiError.
 */
export type RpcRefusalCode = "invalid_request" | "not_found" | "conflict" | "quota_exceeded";

export interface RpcIssue {
  path: string;
  message: string;
}

export interface RpcError {
  code: RpcRefusalCode;
  message: string;
  issues?: RpcIssue[];
}

export type RpcRefusal = { ok: false; error: RpcError };
export type RpcResult<T> = { ok: true; value: T } | RpcRefusal;

export function rpcOk<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function rpcRefusal(code: RpcRefusalCode, message: string, issues?: RpcIssue[]): RpcRefusal {
  return { ok: false, error: issues ? { code, message, issues } : { code, message } };
}

export function invalidRpcInput(issues: RpcIssue[]): RpcRefusal {
  return rpcRefusal("invalid_request", "The request is not valid.", issues);
}

/**
 * An RPC input through its schema. `nestedUnder` names a key the caller nests its client's
 * body under (e.g. `changes`): left out of the issue paths, they point into what the client sent.
 */
export function parseRpcInput<T extends z.ZodType>(schema: T, input: unknown, nestedUnder?: string): RpcResult<z.infer<T>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return rpcOk(parsed.data);
  return invalidRpcInput(parsed.error.issues.map((i) => ({ path: i.path.filter((p) => p !== nestedUnder).join("."), message: i.message })));
}

/** The whole convention for a method with no refusal of its own: parse, then run on the parsed input. */
export async function answerRpc<T extends z.ZodType, R>(schema: T, input: unknown, run: (parsed: z.infer<T>) => Promise<R>): Promise<RpcResult<R>> {
  const parsed = parseRpcInput(schema, input);
  return parsed.ok ? rpcOk(await run(parsed.value)) : parsed;
}

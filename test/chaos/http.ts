// A small HTTP client for the running stack: the chaos harness touches nothing but HTTP (and
// the stack's process group).

export interface Caller {
  baseUrl: string;
  headers: Record<string, string>;
}

export class HttpError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** One JSON call; throws HttpError on an unexpected status and plain errors when the stack is down. */
export async function call<T>(who: Caller, method: string, path: string, body?: unknown, expected: number[] = [200, 201, 202, 204]): Promise<T> {
  const res = await fetch(`${who.baseUrl}${path}`, {
    method,
    headers: body === undefined ? who.headers : { ...who.headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!expected.includes(res.status)) throw new HttpError(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`, res.status);
  return (text ? JSON.parse(text) : null) as T;
}

/** Every item of a cursor-paged list (`{data, nextCursor}`). */
export async function allPages<T>(who: Caller, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page: { data: T[]; nextCursor: string | null } = await call(
      who,
      "GET",
      `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    items.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Runs `tasks` with at most `limit` at once, in order of the list. */
export async function inParallel<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

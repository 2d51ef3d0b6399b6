/** Structured JSON logs, one object per line, so Workers Logs can query each field. */
export type LogFields = Record<string, unknown>;

export function logger(worker: string) {
  const write = (level: "info" | "warn" | "error", msg: string, fields: LogFields = {}) => {
    const line = JSON.stringify({ level, msg, worker, ...fields });
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  };
  return {
    info: (msg: string, fields?: LogFields) => write("info", msg, fields),
    warn: (msg: string, fields?: LogFields) => write("warn", msg, fields),
    error: (msg: string, fields?: LogFields) => write("error", msg, fields),
  };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

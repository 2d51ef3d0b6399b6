import { D1_WRITE_FAILURE, type WriteFailureWindow } from "./settings";

// Comments, whitespace and opening parentheses before a statement's first keyword.
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/;
const WRITE_VERB = /^(?:insert|update|delete|replace)\b/i;
// A WITH statement writes when its main statement does; a CTE's SELECT mentioning these words does not.
const WRITE_AFTER_WITH = /\b(?:insert|replace)\s+(?:or\s+\w+\s+)?into\b|\bdelete\s+from\b|\bupdate\s+(?:or\s+\w+\s+)?\S+\s+set\b/i;

/** Whether one SQL statement is a write (INSERT, UPDATE, DELETE, REPLACE, upserts included). */
export function isWriteSql(sql: string): boolean {
  const statement = sql.replace(LEADING_NOISE, "");
  return WRITE_VERB.test(statement) || (/^with\b/i.test(statement) && WRITE_AFTER_WITH.test(statement));
}

const EXECUTORS = new Set<PropertyKey>(["run", "all", "first", "raw"]);
/**
 * Our write-statement wrappers → the real statements. The real batch() is handed the runtime's
 * own objects, never our Proxies: a runtime checking for genuine statements would refuse those.
 */
const realStatements = new WeakMap<object, D1PreparedStatement>();

type IsOpen = () => boolean;

/** A write statement whose executors throw while the window is open; bind() keeps that. */
function guardedWrite(real: D1PreparedStatement, isOpen: IsOpen): D1PreparedStatement {
  const wrapper = new Proxy(real, {
    get(target, property) {
      if (property === "bind") return (...values: unknown[]) => guardedWrite(target.bind(...values), isOpen);
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (!EXECUTORS.has(property)) return value.bind(target);
      return async (...args: unknown[]): Promise<unknown> => {
        if (isOpen()) throw new Error(D1_WRITE_FAILURE);
        return Reflect.apply(value, target, args);
      };
    },
  });
  realStatements.set(wrapper, real);
  return wrapper;
}

/** prepare, batch (and exec) of a database or a session, guarded; everything else is the real thing. */
function guardedDatabase<T extends D1Database | D1DatabaseSession>(db: T, isOpen: IsOpen): T {
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare") {
        return (sql: string) => {
          const statement = target.prepare(sql);
          // Reads are never refused: they stay the real statements.
          return isWriteSql(sql) ? guardedWrite(statement, isOpen) : statement;
        };
      }
      if (property === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const real = statements.map((s) => realStatements.get(s));
          // A batch is one transaction: one write in it fails it all, as a real D1 error would.
          if (real.some((r) => r !== undefined) && isOpen()) throw new Error(D1_WRITE_FAILURE);
          return target.batch(statements.map((s, i) => real[i] ?? s));
        };
      }
      if (property === "exec" && "exec" in target) {
        // exec runs several statements in one string: any write word counts.
        return async (sql: string) => {
          if (/\b(?:insert|update|delete|replace)\b/i.test(sql) && isOpen()) throw new Error(D1_WRITE_FAILURE);
          return target.exec(sql);
        };
      }
      if (property === "withSession" && "withSession" in target) {
        return (...args: Parameters<D1Database["withSession"]>) => guardedDatabase(target.withSession(...args), isOpen);
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * The database, except that while `now()` is in [from, to) of the window every write throws
 * D1_WRITE_FAILURE: a write statement's run/all/first/raw, a batch holding one, exec with one.
 * Reads always work. The window is checked when a statement runs, not when it is prepared.
 */
export function d1WithWriteFaults(db: D1Database, window: Pick<WriteFailureWindow, "from" | "to">, now: () => Date = () => new Date()): D1Database {
  const isOpen = () => {
    const t = now().getTime();
    return window.from.getTime() <= t && t < window.to.getTime();
  };
  return guardedDatabase(db, isOpen);
}

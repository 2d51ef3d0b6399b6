import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { D1_WRITE_FAILURE, d1WithWriteFaults, isWriteSql } from "../chaos";

// The toolkit test database's stand-in effect table (migrations/0000_toolkit_test.sql).
const linkCounts = sqliteTable("link_counts", { linkId: text("link_id").primaryKey(), events: integer("events").notNull() });

const window = { from: new Date("2026-03-01T10:00:00Z"), to: new Date("2026-03-01T10:05:00Z") };
const inside = () => new Date("2026-03-01T10:02:00Z");
const before = () => new Date("2026-03-01T09:59:59.999Z");
const atEnd = () => new Date(window.to);

let seq = 0;
const linkId = () => `lnk_chaos_d1_${++seq}`;
const insert = (db: D1Database, id: string) => db.prepare("INSERT INTO link_counts (link_id, events) VALUES (?1, ?2)").bind(id, 1);
const countOf = async (id: string) =>
  (await env.TOOLKIT_DB.prepare("SELECT events FROM link_counts WHERE link_id = ?").bind(id).first<{ events: number }>())?.events ?? null;

describe("isWriteSql", () => {
  it.each([
    "INSERT INTO t (a) VALUES (1)",
    "insert or ignore into t select 1",
    "  \n -- a comment\n /* another */ REPLACE INTO t VALUES (1)",
    "UPDATE t SET a = 1",
    "update or ignore t set a = 1",
    "DELETE FROM t WHERE a = 1",
    "(INSERT INTO t VALUES (1))",
    "WITH x AS (SELECT 1 AS a) INSERT INTO t SELECT a FROM x",
    "with gone as (select id from t) delete from u where id in gone",
  ])("treats %j as a write", (sql) => expect(isWriteSql(sql)).toBe(true));

  it.each([
    "SELECT * FROM t",
    "select replace(a, 'x', 'y') from t",
    "WITH x AS (SELECT 'update' AS a) SELECT a FROM x",
    "-- INSERT INTO t\nSELECT 1",
    "PRAGMA table_info(t)",
  ])("treats %j as a read", (sql) => expect(isWriteSql(sql)).toBe(false));
});

describe("d1WithWriteFaults", () => {
  it("refuses a write while the window is open, through run, all, first and raw, and writes nothing", async () => {
    const db = d1WithWriteFaults(env.TOOLKIT_DB, window, inside);
    const id = linkId();
    await expect(insert(db, id).run()).rejects.toThrow(D1_WRITE_FAILURE);
    await expect(insert(db, id).all()).rejects.toThrow(D1_WRITE_FAILURE);
    await expect(insert(db, id).first()).rejects.toThrow(D1_WRITE_FAILURE);
    await expect(insert(db, id).raw()).rejects.toThrow(D1_WRITE_FAILURE);
    await expect(db.prepare("UPDATE link_counts SET events = events + 1").run()).rejects.toThrow(D1_WRITE_FAILURE);
    expect(await countOf(id)).toBeNull();
  });

  it("writes before the window and from its end on (the window is [from, to))", async () => {
    const early = linkId();
    await insert(d1WithWriteFaults(env.TOOLKIT_DB, window, before), early).run();
    const late = linkId();
    await insert(d1WithWriteFaults(env.TOOLKIT_DB, window, atEnd), late).run();
    expect([await countOf(early), await countOf(late)]).toEqual([1, 1]);
  });

  it("decides when the statement runs, not when it was prepared", async () => {
    let now = before();
    const db = d1WithWriteFaults(env.TOOLKIT_DB, window, () => now);
    const id = linkId();
    const statement = insert(db, id);
    now = inside();
    await expect(statement.run()).rejects.toThrow(D1_WRITE_FAILURE);
    now = atEnd();
    await statement.run();
    expect(await countOf(id)).toBe(1);
  });

  it("always reads, inside the window too", async () => {
    const id = linkId();
    await insert(env.TOOLKIT_DB, id).run();
    const db = d1WithWriteFaults(env.TOOLKIT_DB, window, inside);
    const read = () => db.prepare("SELECT events FROM link_counts WHERE link_id = ?").bind(id);
    expect(await read().first<{ events: number }>()).toEqual({ events: 1 });
    expect((await read().all()).results).toEqual([{ events: 1 }]);
    expect(await read().raw()).toEqual([[1]]);
  });

  it("refuses a batch holding a write while the window is open, and runs a batch of reads", async () => {
    const id = linkId();
    await insert(env.TOOLKIT_DB, id).run();
    const db = d1WithWriteFaults(env.TOOLKIT_DB, window, inside);
    const read = db.prepare("SELECT events FROM link_counts WHERE link_id = ?").bind(id);
    await expect(db.batch([read, db.prepare("UPDATE link_counts SET events = 5 WHERE link_id = ?").bind(id)])).rejects.toThrow(D1_WRITE_FAILURE);
    expect(await countOf(id)).toBe(1);
    const [result] = await db.batch<{ events: number }>([read]);
    expect(result?.results).toEqual([{ events: 1 }]);
  });

  it("hands the real statements to the real batch: a batch of writes outside the window commits", async () => {
    // The real database, with what its batch() was handed written down.
    const handed: D1PreparedStatement[] = [];
    const recording = new Proxy(env.TOOLKIT_DB, {
      get(target, property) {
        if (property === "batch") return (statements: D1PreparedStatement[]) => (handed.push(...statements), target.batch(statements));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const db = d1WithWriteFaults(recording, window, before);
    const [a, b] = [linkId(), linkId()];
    const statements = [insert(db, a), insert(db, b), db.prepare("UPDATE link_counts SET events = 7 WHERE link_id = ?").bind(b)];
    await db.batch(statements);
    expect([await countOf(a), await countOf(b)]).toEqual([1, 7]);
    // Not our wrappers: a runtime that checks for genuine statements (by brand) would refuse them.
    expect(handed).toHaveLength(3);
    handed.forEach((real, i) => expect(real).not.toBe(statements[i]));
  });

  it("keeps drizzle working: insert, select and batch outside the window; inserts refused inside, selects not", async () => {
    let now = before();
    const orm = drizzle(d1WithWriteFaults(env.TOOLKIT_DB, window, () => now));
    const [a, b, c] = [linkId(), linkId(), linkId()];
    await orm.insert(linkCounts).values({ linkId: a, events: 3 });
    expect(await orm.select().from(linkCounts).where(eq(linkCounts.linkId, a))).toEqual([{ linkId: a, events: 3 }]);
    await orm.batch([orm.insert(linkCounts).values({ linkId: b, events: 4 }), orm.update(linkCounts).set({ events: 5 }).where(eq(linkCounts.linkId, a))]);
    expect(await orm.select({ events: linkCounts.events }).from(linkCounts).where(eq(linkCounts.linkId, a)).get()).toEqual({ events: 5 });

    now = inside();
    // drizzle wraps the driver's error in its own ("Failed query: ..."); the D1 error is its cause.
    const refused = await orm
      .insert(linkCounts)
      .values({ linkId: c, events: 1 })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(Error);
    expect(String((refused as Error).cause ?? refused)).toContain(D1_WRITE_FAILURE);
    await expect(
      orm.batch([orm.select().from(linkCounts).where(eq(linkCounts.linkId, b)), orm.delete(linkCounts).where(eq(linkCounts.linkId, b))]),
    ).rejects.toThrow(D1_WRITE_FAILURE);
    expect(await orm.select().from(linkCounts).where(eq(linkCounts.linkId, b))).toEqual([{ linkId: b, events: 4 }]);
    expect(await countOf(c)).toBeNull();
  });
});

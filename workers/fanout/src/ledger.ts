import { WorkerEntrypoint } from "cloudflare:workers";
import { and, eq, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { z } from "zod";
import { answerRpc, type RpcResult } from "../../shared/rpc";
import { parseLogEvent, type LogEvent } from "#events";
import { sendToQueue, queueOf } from "./fan-out";
import { openDeliveriesStatement, recordEventsStatement } from "./ledger-store";
import {
  clickBatchSummarySchema,
  deadLettersQuerySchema,
  redriveInputSchema,
  replayInputSchema,
  traceInputSchema,
  unfinishedInputSchema,
  type ClickBatchSummary,
  type DeadLetterView,
  type DeliveryView,
  type UnfinishedDelivery,
} from "#contracts/fanout/ledger-rpc";
import { SUBSCRIPTIONS, subscriptionOf, TOPIC, topicBindingOf } from "#contracts/fanout/subscriptions";
import { deadLetters, deliveries, ledgerEvents } from "#db/ledger";

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function storedEventOf(envelope: string): LogEvent | ClickBatchSummary | null {
  const json = parseJson(envelope);
  const event = parseLogEvent(json);
  if (event.success) return event.data;
  const summary = clickBatchSummarySchema.safeParse(json);
  return summary.success ? summary.data : null;
}

/**
 * The ledger's RPC face for the api Worker: deliveries and dead letters to read,
 * replays and redrives to ask for. Consumers report through the `delivery-reports`
 * queue instead. Nobody else touches LEDGER_DB.
 */
export class Ledger extends WorkerEntrypoint<FanoutEnv> {
  /**
   * The event as the broker saw it and its delivery per subscriber; scoped to a team when given.
   * For a ClicksRecorded batch the event is its summary (counts, from, to): the ledger keeps no clicks.
   */
  async eventTrace(input: unknown): Promise<RpcResult<{ event: LogEvent | ClickBatchSummary | null; deliveries: DeliveryView[] }>> {
    return answerRpc(traceInputSchema, input, (query) => this.traceOf(query));
  }

  async deadLetters(input: unknown): Promise<RpcResult<{ data: DeadLetterView[]; nextAfterId: string | null }>> {
    return answerRpc(deadLettersQuerySchema, input ?? {}, (query) => this.deadLetterPage(query));
  }

  /** Sends dead letters back to their subscriber's queue (or the topic) and reopens their deliveries. */
  async redrive(input: unknown): Promise<RpcResult<{ redriven: number; skipped: number }>> {
    return answerRpc(redriveInputSchema, input, (query) => this.redriveLetters(query));
  }

  /** Re-sends past events to one subscriber (a backfill); its receipts make processed ones no-ops. */
  async replay(input: unknown): Promise<RpcResult<{ queued: number }>> {
    return answerRpc(replayInputSchema, input, (query) => this.replayEvents(query));
  }

  /**
   * The reconciler's page check: each event's expected subscribers (from SUBSCRIPTIONS, by type)
   * that have no delivery row, or a `pending` one not updated since `pendingBefore`. One query
   * per page; `dead` (the admin's, via redrive), `retrying` and `delivered` are left alone.
   * With `includeInFlight` (the click spool's question) fresh `pending` and `retrying` pairs are
   * answered too, as `in_flight`.
   */
  async unfinished(input: unknown): Promise<RpcResult<{ unfinished: UnfinishedDelivery[] }>> {
    return answerRpc(unfinishedInputSchema, input, (query) => this.unfinishedOf(query));
  }

  private async traceOf({
    eventId,
    teamId,
  }: z.infer<typeof traceInputSchema>): Promise<{ event: LogEvent | ClickBatchSummary | null; deliveries: DeliveryView[] }> {
    const db = drizzle(this.env.LEDGER_DB);
    const row = await db
      .select({ envelope: ledgerEvents.envelope, teamId: ledgerEvents.teamId })
      .from(ledgerEvents)
      .where(eq(ledgerEvents.eventId, eventId))
      .get();
    if (row && teamId && row.teamId !== teamId) return { event: null, deliveries: [] };
    const views: DeliveryView[] = await db
      .select({
        subscriber: deliveries.subscriber,
        status: deliveries.status,
        attempts: deliveries.attempts,
        duplicates: deliveries.duplicates,
        lastError: deliveries.lastError,
        processedAt: deliveries.processedAt,
      })
      .from(deliveries)
      .where(eq(deliveries.eventId, eventId))
      .orderBy(deliveries.subscriber);
    return { event: row ? storedEventOf(row.envelope) : null, deliveries: views };
  }

  private async deadLetterPage(query: z.infer<typeof deadLettersQuerySchema>): Promise<{ data: DeadLetterView[]; nextAfterId: string | null }> {
    // The delivery's last error is the dead letter's (the same event and subscriber).
    const results: DeadLetterView[] = await drizzle(this.env.LEDGER_DB)
      .select({
        id: deadLetters.id,
        subscriber: deadLetters.subscriber,
        eventId: deadLetters.eventId,
        reason: deadLetters.reason,
        lastError: deliveries.lastError,
        attempts: deadLetters.attempts,
        createdAt: deadLetters.createdAt,
        redrivenAt: deadLetters.redrivenAt,
        body: deadLetters.body,
      })
      .from(deadLetters)
      .leftJoin(deliveries, and(eq(deliveries.eventId, deadLetters.eventId), eq(deliveries.subscriber, deadLetters.subscriber)))
      .where(
        and(
          query.subscriber === undefined ? undefined : eq(deadLetters.subscriber, query.subscriber),
          query.afterId === undefined ? undefined : gt(deadLetters.id, query.afterId),
        ),
      )
      .orderBy(deadLetters.id)
      .limit(query.limit + 1);
    const page = results.slice(0, query.limit);
    return { data: page, nextAfterId: results.length > query.limit ? (page.at(-1)?.id ?? null) : null };
  }

  private async redriveLetters({ subscriber, ids }: z.infer<typeof redriveInputSchema>): Promise<{ redriven: number; skipped: number }> {
    const db = this.env.LEDGER_DB;
    const { results } = await db
      .prepare(
        `SELECT id, body FROM dead_letters
         WHERE subscriber = ?1 AND redriven_at IS NULL AND (?2 IS NULL OR id IN (SELECT value FROM json_each(?2)))
         ORDER BY id LIMIT 100`,
      )
      .bind(subscriber, ids ? JSON.stringify(ids) : null)
      .all<Pick<typeof deadLetters.$inferSelect, "id" | "body">>();
    // Only valid envelopes go back: an unparseable message would only die again.
    const valid = results.flatMap((r) => {
      const parsed = parseLogEvent(parseJson(r.body));
      return parsed.success ? [{ id: r.id, event: parsed.data }] : [];
    });
    if (valid.length > 0) {
      if (subscriber === TOPIC.subscriber) {
        // The fan-out's own dead letters go back to the topic they came from (lifecycle or clicks).
        for (const binding of ["LINK_EVENTS", "CLICK_EVENTS"] as const) {
          const events = valid.filter((v) => topicBindingOf(v.event.type) === binding).map((v) => v.event);
          if (events.length > 0) await sendToQueue(queueOf(this.env, binding), events);
        }
      } else {
        const binding = subscriptionOf(subscriber)?.binding;
        if (!binding) throw new Error(`no queue for subscriber ${subscriber}`);
        await sendToQueue(
          queueOf(this.env, binding),
          valid.map((v) => v.event),
        );
      }
      const now = new Date().toISOString();
      await db.batch([
        db.prepare("UPDATE dead_letters SET redriven_at = ?2 WHERE id IN (SELECT value FROM json_each(?1))").bind(JSON.stringify(valid.map((v) => v.id)), now),
        db
          .prepare(
            "UPDATE deliveries SET status = 'pending', updated_at = ?3 WHERE subscriber = ?2 AND status = 'dead' AND event_id IN (SELECT value FROM json_each(?1))",
          )
          .bind(JSON.stringify(valid.map((v) => v.event.id)), subscriber, now),
      ]);
    }
    return { redriven: valid.length, skipped: results.length - valid.length };
  }

  private async replayEvents({ subscriber, events }: z.infer<typeof replayInputSchema>): Promise<{ queued: number }> {
    const subscription = subscriptionOf(subscriber);
    if (!subscription) throw new Error(`unknown subscriber ${subscriber}`);
    const wanted = events.flatMap((e) => {
      const parsed = parseLogEvent(e);
      return parsed.success && (subscription.types as readonly string[]).includes(parsed.data.type) ? [parsed.data] : [];
    });
    if (wanted.length === 0) return { queued: 0 };
    const db = this.env.LEDGER_DB;
    const now = new Date().toISOString();
    const ids = JSON.stringify(wanted.map((e) => e.id));
    await db.batch([
      recordEventsStatement(db, wanted, now),
      openDeliveriesStatement(
        db,
        wanted.map((e) => ({ eventId: e.id, subscriber })),
        now,
      ),
      // A pending or retrying delivery sent again is so since now: the reconciler's stale ages count from here.
      db
        .prepare(
          "UPDATE deliveries SET updated_at = ?3 WHERE subscriber = ?2 AND status IN ('pending', 'retrying') AND event_id IN (SELECT value FROM json_each(?1))",
        )
        .bind(ids, subscriber, now),
    ]);
    await sendToQueue(queueOf(this.env, subscription.binding), wanted);
    return { queued: wanted.length };
  }

  private async unfinishedOf({
    events,
    pendingBefore,
    includeInFlight,
    retryingBefore,
  }: z.infer<typeof unfinishedInputSchema>): Promise<{ unfinished: UnfinishedDelivery[] }> {
    const expected = events.flatMap((e) =>
      SUBSCRIPTIONS.filter((s) => (s.types as readonly string[]).includes(e.type)).map((s) => ({ eventId: e.id, subscriber: s.subscriber })),
    );
    if (expected.length === 0) return { unfinished: [] };
    const { results } = await this.env.LEDGER_DB.prepare(
      `SELECT value->>'eventId' AS event_id, value->>'subscriber' AS subscriber,
              CASE WHEN d.status IS NULL THEN 'missing' WHEN d.status = 'pending' AND d.updated_at < ?2 THEN 'stale_pending'
                   WHEN d.status = 'retrying' AND d.updated_at < ?4 THEN 'stale_retrying' ELSE 'in_flight' END AS reason
       FROM json_each(?1) AS pairs
       LEFT JOIN deliveries d ON d.event_id = value->>'eventId' AND d.subscriber = value->>'subscriber'
       WHERE d.status IS NULL OR (d.status = 'pending' AND d.updated_at < ?2) OR (d.status = 'retrying' AND d.updated_at < ?4)
          OR (?3 AND d.status IN ('pending', 'retrying'))
       ORDER BY pairs.key`,
    )
      // No retryingBefore: no retrying delivery is stale ('' sorts before every timestamp).
      .bind(JSON.stringify(expected), pendingBefore, includeInFlight ? 1 : 0, retryingBefore ?? "")
      .all<{ event_id: string; subscriber: string; reason: UnfinishedDelivery["reason"] }>();
    return { unfinished: results.map((r) => ({ eventId: r.event_id, subscriber: r.subscriber, reason: r.reason })) };
  }
}

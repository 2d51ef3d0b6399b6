import type { ConsumerSpec } from "../../../shared/consumer/consumer-spec";
import { rollUp, rollupStatements } from "./rollup";

/** What the toolkit needs: the D1 effect of a batch is its roll-up, in one batch with the receipts. */
export const analyticsConsumer: ConsumerSpec<AnalyticsEnv> = {
  subscriber: "analytics",
  reports: (env) => env.DELIVERY_REPORTS,
  database: (env) => env.ANALYTICS_DB,
  effects: (events, db) => rollupStatements(db, rollUp(events)),
  retry: { baseSeconds: 5, capSeconds: 600 },
};

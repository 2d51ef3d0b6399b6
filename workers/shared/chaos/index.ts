// Opt-in fault injection for chaos runs, switched on by the CHAOS var (settings.ts).
export { chaosOf, chaosSchema, parseChaos, strikes, CONSUMER_FAILURE, D1_WRITE_FAILURE, QUEUE_SEND_FAILURE } from "./settings";
export type { ChaosSettings, WriteFailureWindow } from "./settings";
export { failingQueue } from "./failing-queue";
export { d1WithWriteFaults, isWriteSql } from "./d1-write-faults";
export { consumerFaults, type ConsumerFaults } from "./consumer-faults";

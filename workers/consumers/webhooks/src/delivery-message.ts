import { z } from "zod";

/**
 * A message of `webhook-deliveries`: which delivery, and which attempt of it. A failed
 * attempt sends the next attempt's message (with its delay) rather than retrying its own,
 * so a copy of a message for an attempt already made is recognised and sends nothing.
 */
export const deliveryMessageSchema = z.strictObject({
  endpointId: z.string().min(1).max(64),
  eventId: z.string().min(1).max(64),
  attempt: z.number().int().min(1).max(100),
});

export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

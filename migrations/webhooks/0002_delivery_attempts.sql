CREATE TABLE `webhook_delivery_attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`delivery_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`attempted_at` text NOT NULL,
	`response_status` integer,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `webhook_delivery_attempts_delivery_idx` ON `webhook_delivery_attempts` (`delivery_id`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_delivery_attempts_endpoint_idx` ON `webhook_delivery_attempts` (`endpoint_id`);
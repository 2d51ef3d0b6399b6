CREATE TABLE `click_drops` (
	`day` text NOT NULL,
	`reason` text NOT NULL,
	`batches` integer DEFAULT 0 NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`bots` integer DEFAULT 0 NOT NULL,
	`heads` integer DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`day`, `reason`)
);
--> statement-breakpoint
CREATE TABLE `click_reconciliation` (
	`id` text PRIMARY KEY NOT NULL,
	`cursor` text,
	`sweeps` integer DEFAULT 0 NOT NULL,
	`checked` integer DEFAULT 0 NOT NULL,
	`resent` integer DEFAULT 0 NOT NULL,
	`cleared` integer DEFAULT 0 NOT NULL,
	`last_run` text,
	`last_run_at` text,
	`last_error` text
);

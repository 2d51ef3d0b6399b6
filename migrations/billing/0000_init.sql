CREATE TABLE `consumer_receipts` (
	`consumer` text NOT NULL,
	`event_id` text NOT NULL,
	`processed_at` text NOT NULL,
	PRIMARY KEY(`consumer`, `event_id`)
);
--> statement-breakpoint
CREATE TABLE `team_plans` (
	`team_id` text PRIMARY KEY NOT NULL,
	`plan` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `usage_ledger` (
	`event_id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`link_id` text NOT NULL,
	`period` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `usage_ledger_link_idx` ON `usage_ledger` (`link_id`);--> statement-breakpoint
CREATE INDEX `usage_ledger_team_period_idx` ON `usage_ledger` (`team_id`,`period`);
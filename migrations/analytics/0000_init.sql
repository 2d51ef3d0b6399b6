CREATE TABLE `analytics_links` (
	`link_id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`slug` text,
	`created_at` text,
	`deleted_at` text
);
--> statement-breakpoint
CREATE TABLE `consumer_receipts` (
	`consumer` text NOT NULL,
	`event_id` text NOT NULL,
	`processed_at` text NOT NULL,
	PRIMARY KEY(`consumer`, `event_id`)
);
--> statement-breakpoint
CREATE TABLE `daily_clicks` (
	`link_id` text NOT NULL,
	`day` text NOT NULL,
	`team_id` text NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`bot_clicks` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`link_id`, `day`)
);
--> statement-breakpoint
CREATE INDEX `daily_clicks_team_idx` ON `daily_clicks` (`team_id`,`day`);--> statement-breakpoint
CREATE TABLE `daily_visitors` (
	`link_id` text NOT NULL,
	`day` text NOT NULL,
	`visitor_hash` text NOT NULL,
	`team_id` text NOT NULL,
	PRIMARY KEY(`link_id`, `day`, `visitor_hash`)
);
--> statement-breakpoint
CREATE INDEX `daily_visitors_team_idx` ON `daily_visitors` (`team_id`,`day`,`visitor_hash`);--> statement-breakpoint
CREATE TABLE `dimension_clicks` (
	`link_id` text NOT NULL,
	`day` text NOT NULL,
	`dimension` text NOT NULL,
	`key` text NOT NULL,
	`team_id` text NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`link_id`, `day`, `dimension`, `key`)
);
--> statement-breakpoint
CREATE INDEX `dimension_clicks_team_idx` ON `dimension_clicks` (`team_id`,`day`);
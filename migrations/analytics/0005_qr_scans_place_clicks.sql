-- WITHOUT ROWID added by hand (drizzle-kit cannot declare it): a row is its primary key and its counter.
CREATE TABLE `place_clicks` (
	`link_id` text NOT NULL,
	`day` text NOT NULL,
	`city` text NOT NULL,
	`region` text NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`link_id`, `day`, `city`, `region`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Human clicks through the link's QR code per link-day: rows from before ClicksRecorded v2 count none (no click said how it came).
ALTER TABLE `daily_clicks` ADD `qr_scans` integer DEFAULT 0 NOT NULL;

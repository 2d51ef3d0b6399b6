ALTER TABLE `links` ADD `password_hash` text;--> statement-breakpoint
ALTER TABLE `links` ADD `expired_url` text;--> statement-breakpoint
ALTER TABLE `links` ADD `max_clicks` integer;--> statement-breakpoint
ALTER TABLE `links` ADD `rules` text;--> statement-breakpoint
ALTER TABLE `links` ADD `utm` text;--> statement-breakpoint
ALTER TABLE `links` ADD `og` text;
-- Rows per visitor kept forever become open-day sets: every old row moves into visitor_sets
-- (its hash's first 64 bits as a signed integer, as the rollup writes them), and the analytics
-- Worker's scheduled fold turns the closed days into counts in bounded chunks.
INSERT INTO `visitor_sets` (`day`, `link_id`, `visitor`)
SELECT `day`, `link_id`,
	((instr('0123456789abcdef', substr(`visitor_hash`, 1, 1)) - 1) << 60) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 2, 1)) - 1) << 56) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 3, 1)) - 1) << 52) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 4, 1)) - 1) << 48) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 5, 1)) - 1) << 44) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 6, 1)) - 1) << 40) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 7, 1)) - 1) << 36) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 8, 1)) - 1) << 32) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 9, 1)) - 1) << 28) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 10, 1)) - 1) << 24) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 11, 1)) - 1) << 20) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 12, 1)) - 1) << 16) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 13, 1)) - 1) << 12) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 14, 1)) - 1) << 8) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 15, 1)) - 1) << 4) |
	((instr('0123456789abcdef', substr(`visitor_hash`, 16, 1)) - 1) << 0)
FROM `daily_visitors` WHERE true
ON CONFLICT DO NOTHING;--> statement-breakpoint
DROP TABLE `daily_visitors`;
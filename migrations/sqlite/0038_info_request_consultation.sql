-- 依申请公开 (issue 21): asking a third party for its opinion (条例 第三十二条) stops the answer's
-- clock (第三十三条). `paused_from` is the day the office asked (NULL when no consultation is
-- under way); `paused_days` the working days earlier consultations kept the clock stopped, which
-- move the deadline on.
ALTER TABLE info_requests ADD COLUMN paused_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE info_requests ADD COLUMN paused_from TEXT;

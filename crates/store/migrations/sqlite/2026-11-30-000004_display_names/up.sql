-- Users may carry a name people recognise (e-mails from them, explanations).
ALTER TABLE users ADD COLUMN display_name TEXT;

-- Shared automations: the account's plan and beta switch gate them; event types declare the
-- fields of the events an account sends; an automation triggers on one event type and runs
-- its steps (JSON) for the users it is shared with who activated it (automation_access);
-- each event is kept for the runs it started, each run written before it starts and each
-- step's result recorded, so a crash neither loses a run nor repeats a step. Mailboxes hold
-- the identity a user's automation e-mail goes out as; notifications are the in-app list.

-- (No CHECK on the plan here: SQLite cannot drop a column its CHECK names.)
ALTER TABLE accounts ADD COLUMN plan TEXT NOT NULL DEFAULT 'essential';
ALTER TABLE accounts ADD COLUMN automations_beta BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE event_types (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- {"field": "text" | "number" | "bool", ...}
    fields TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, name)
);

-- The owner is not a foreign key: removing the admin who made an automation keeps it and
-- its history (its runs as them then fail, saying so).
CREATE TABLE automations (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    event_type TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('any_user', 'selected_users')),
    -- {"trigger": {...}, "steps": [...]}
    definition TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX automations_by_event_type ON automations (account_id, event_type);

CREATE TABLE automation_access (
    account_id TEXT NOT NULL,
    automation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('shared', 'active', 'deactivated_temporarily',
        'deactivated_permanently', 'paused')),
    -- Why it paused (the failing step), when it did.
    reason TEXT,
    changed_by TEXT,
    changed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, automation_id, user_id),
    FOREIGN KEY (account_id, automation_id) REFERENCES automations (account_id, id)
        ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE INDEX automation_access_by_user ON automation_access (account_id, user_id);

CREATE TABLE mailboxes (
    account_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    address TEXT NOT NULL,
    display_name TEXT NOT NULL,
    signature TEXT NOT NULL,
    -- The user's own SMTP URL, sealed with a key derived from the server key (never plain).
    smtp_url_sealed TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, user_id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);

CREATE TABLE automation_events (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    user_id TEXT,
    -- {"field": value, ...}
    fields TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE automation_runs (
    account_id TEXT NOT NULL,
    id TEXT NOT NULL,
    automation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    queued_at TIMESTAMP NOT NULL,
    -- When a runner took it (a run running longer than the lease is taken again).
    claimed_at TIMESTAMP,
    finished_at TIMESTAMP,
    error TEXT,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, automation_id) REFERENCES automations (account_id, id)
        ON DELETE CASCADE
);
-- Run history, newest first, by automation and optionally by user or status.
CREATE INDEX automation_runs_history ON automation_runs (account_id, automation_id, queued_at, id);
CREATE INDEX automation_runs_by_user
    ON automation_runs (account_id, automation_id, user_id, queued_at, id);
CREATE INDEX automation_runs_by_status
    ON automation_runs (account_id, automation_id, status, queued_at, id);
-- The runner's queue: only unfinished runs are in it.
CREATE INDEX automation_runs_unfinished ON automation_runs (queued_at)
    WHERE status IN ('queued', 'running');

CREATE TABLE automation_run_steps (
    account_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    step_index INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('started', 'succeeded', 'failed')),
    output TEXT,
    error TEXT,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, run_id, step_index),
    FOREIGN KEY (account_id, run_id) REFERENCES automation_runs (account_id, id)
        ON DELETE CASCADE
);

CREATE TABLE notifications (
    account_id TEXT NOT NULL,
    id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    automation_id TEXT,
    message TEXT NOT NULL,
    -- {"problems": ["…"], "failing_step": "…"}: what the e-mail lists.
    detail TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE INDEX notifications_by_user ON notifications (account_id, user_id, created_at);

-- Sharing with outsiders: the catalog of shareable items, recipient groups, shares, one
-- invitation per recipient, the e-mail outbox, external sessions and failure counters.
-- Link tokens and codes are stored only as HMACs (hex); session tokens as SHA-256 (hex).

ALTER TABLE accounts ADD COLUMN invitation_validity_days INTEGER NOT NULL DEFAULT 14;

-- Workflows, tasks and wish lists, registered by the embedding product (upsert by external id).
CREATE TABLE items (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    external_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('workflow', 'task', 'wish_list')),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    business_domain TEXT NOT NULL DEFAULT '',
    app TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, external_id)
);

-- The ordered entries of a wish list.
CREATE TABLE wish_list_entries (
    account_id TEXT NOT NULL,
    wish_list_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    PRIMARY KEY (account_id, wish_list_id, position),
    FOREIGN KEY (account_id, wish_list_id) REFERENCES items (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, item_id) REFERENCES items (account_id, id) ON DELETE CASCADE
);

CREATE TABLE recipient_groups (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, name)
);

CREATE TABLE recipient_group_members (
    account_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (account_id, group_id, email),
    FOREIGN KEY (account_id, group_id) REFERENCES recipient_groups (account_id, id) ON DELETE CASCADE
);

CREATE TABLE shares (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    sender_user_id TEXT NOT NULL,
    message TEXT,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE share_items (
    account_id TEXT NOT NULL,
    share_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    PRIMARY KEY (account_id, share_id, position),
    FOREIGN KEY (account_id, share_id) REFERENCES shares (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, item_id) REFERENCES items (account_id, id)
);

CREATE TABLE invitations (
    account_id TEXT NOT NULL,
    id TEXT NOT NULL,
    share_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'opened', 'verified', 'revoked', 'bounced')),
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    link_tag TEXT NOT NULL UNIQUE,
    nonce TEXT NOT NULL,
    code_tag TEXT NOT NULL,
    code_failures INTEGER NOT NULL DEFAULT 0,
    locale TEXT NOT NULL DEFAULT 'en',
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, share_id, recipient),
    FOREIGN KEY (account_id, share_id) REFERENCES shares (account_id, id) ON DELETE CASCADE
);
CREATE INDEX invitations_by_recipient ON invitations (recipient);

-- Messages to send, written in the transaction that caused them. `message_id` is fixed at
-- creation, so a retry after a crash sends the same Message-ID.
CREATE TABLE outbox (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    invitation_id TEXT,
    recipient TEXT NOT NULL,
    locale TEXT NOT NULL,
    template TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'bounced', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

CREATE TABLE external_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL,
    invitation_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    FOREIGN KEY (account_id, invitation_id) REFERENCES invitations (account_id, id) ON DELETE CASCADE
);

-- Failed verifications, for the per-account and per-address limits.
CREATE TABLE verification_failures (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT,
    client_addr TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX verification_failures_by_account ON verification_failures (account_id, occurred_at);
CREATE INDEX verification_failures_by_addr ON verification_failures (client_addr, occurred_at);

-- Tessera's first schema. Ids are UUID text, times are UTC timestamps, every table but
-- `accounts` is keyed by account first, and every secret is stored only as a hash.

CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    policy_version BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

-- The account's feature tree; `position` numbers features parents-first.
CREATE TABLE features (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (account_id, path),
    UNIQUE (account_id, position)
);

CREATE TABLE roles (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    predefined BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, name)
);

-- Explicit settings only: a feature a role does not list inherits.
CREATE TABLE role_settings (
    account_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    feature_path TEXT NOT NULL,
    setting TEXT NOT NULL CHECK (setting IN ('none', 'read', 'modify', 'write')),
    PRIMARY KEY (account_id, role_id, feature_path),
    FOREIGN KEY (account_id, role_id) REFERENCES roles (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, feature_path) REFERENCES features (account_id, path) ON DELETE CASCADE
);

-- `role_id` is the user's one account-wide role; the key refuses deleting a role in use.
CREATE TABLE users (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    role_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, email),
    FOREIGN KEY (account_id, role_id) REFERENCES roles (account_id, id)
);

CREATE TABLE scoped_assignments (
    account_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (account_id, user_id, scope_id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, role_id) REFERENCES roles (account_id, id)
);

-- Sessions and API tokens: SHA-256 (hex) of a 256-bit random secret, never the secret.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_by_user ON sessions (account_id, user_id);

CREATE TABLE api_tokens (
    account_id TEXT NOT NULL,
    id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);

CREATE TABLE audit_events (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT NOT NULL,
    client_addr TEXT,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX audit_events_by_time ON audit_events (account_id, occurred_at);

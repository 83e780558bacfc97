-- Apps and cases: an app is a workspace of the account holding cases (incidents or
-- projects); its users have a type (administrator, manager, staff, user, bot) and are
-- assigned to cases with a case role that sets a level per case feature. Imported people
-- choose their password through an invitation, stored only as an HMAC (hex).

-- The plan's limit on billable seats (NULL: no limit).
ALTER TABLE accounts ADD COLUMN seat_limit INTEGER;

CREATE TABLE apps (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, name)
);

CREATE TABLE cases (
    account_id TEXT NOT NULL,
    id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('incident', 'project')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, app_id) REFERENCES apps (account_id, id) ON DELETE CASCADE
);
CREATE INDEX cases_by_app ON cases (account_id, app_id, created_at);

CREATE TABLE app_users (
    account_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_type TEXT NOT NULL
        CHECK (user_type IN ('administrator', 'manager', 'staff', 'user', 'bot')),
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, app_id, user_id),
    FOREIGN KEY (account_id, app_id) REFERENCES apps (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
-- Seats are counted per user across apps.
CREATE INDEX app_users_by_user ON app_users (account_id, user_id, user_type);

-- Custom case roles of an app (the predefined Staff, Client and Bot are in the code).
CREATE TABLE case_roles (
    account_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, app_id, id),
    UNIQUE (account_id, app_id, name),
    FOREIGN KEY (account_id, app_id) REFERENCES apps (account_id, id) ON DELETE CASCADE
);

-- Explicit settings only: a case feature a role does not list inherits from `case`.
CREATE TABLE case_role_settings (
    account_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    feature_path TEXT NOT NULL,
    setting TEXT NOT NULL CHECK (setting IN ('none', 'read', 'modify', 'write')),
    PRIMARY KEY (account_id, app_id, role_id, feature_path),
    FOREIGN KEY (account_id, app_id, role_id)
        REFERENCES case_roles (account_id, app_id, id) ON DELETE CASCADE
);

-- A user's role in a case: a scoped assignment of the app's case policy. Leaving the app
-- ends them; `role_id` is a predefined or custom case role (checked when set).
CREATE TABLE case_assignments (
    account_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (account_id, case_id, user_id),
    FOREIGN KEY (account_id, case_id) REFERENCES cases (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, app_id, user_id)
        REFERENCES app_users (account_id, app_id, user_id) ON DELETE CASCADE
);
CREATE INDEX case_assignments_by_app ON case_assignments (account_id, app_id, role_id);

-- The pending invitation of a person an import added: a single-use link to choose a password.
CREATE TABLE user_invitations (
    account_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    tag TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, user_id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);

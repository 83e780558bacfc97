-- Contacts: companies and people outside the account, their portal access and sign-in,
-- projects and tasks with the people on them, comments, task history and reply keys.
-- Activation links and reply keys are stored only as HMACs (hex); session tokens as SHA-256.

-- Employees whose card carries "may grant client access".
ALTER TABLE users ADD COLUMN may_grant_client_access BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE contacts (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('company', 'person')),
    company_id TEXT,
    name TEXT NOT NULL,
    email TEXT,
    access TEXT NOT NULL CHECK (access IN ('none', 'basic', 'advanced')),
    password_hash TEXT,
    activation_nonce TEXT,
    activation_tag TEXT UNIQUE,
    activation_issued_at TIMESTAMP,
    activation_expires_at TIMESTAMP,
    locale TEXT NOT NULL DEFAULT 'en',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, email),
    FOREIGN KEY (account_id, company_id) REFERENCES contacts (account_id, id)
);
CREATE INDEX contacts_by_email ON contacts (email);
CREATE INDEX contacts_by_company ON contacts (account_id, company_id);

CREATE TABLE contact_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_sessions_by_contact ON contact_sessions (account_id, contact_id);

-- Client manager and supervisor are users; they are checked when set, not held by a foreign
-- key, so removing a user does not need every project edited first.
CREATE TABLE projects (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    counterparty_id TEXT,
    client_manager_id TEXT,
    supervisor_id TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, counterparty_id) REFERENCES contacts (account_id, id)
);
CREATE INDEX projects_by_counterparty ON projects (account_id, counterparty_id);

CREATE TABLE project_auditors (
    account_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    person_kind TEXT NOT NULL CHECK (person_kind IN ('user', 'contact')),
    person_id TEXT NOT NULL,
    PRIMARY KEY (account_id, project_id, person_kind, person_id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id) ON DELETE CASCADE
);
CREATE INDEX project_auditors_by_person ON project_auditors (account_id, person_kind, person_id);

CREATE TABLE tasks (
    account_id TEXT NOT NULL,
    id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    created_by_kind TEXT NOT NULL CHECK (created_by_kind IN ('user', 'contact')),
    created_by_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id) ON DELETE CASCADE
);
CREATE INDEX tasks_by_project ON tasks (account_id, project_id, created_at);

-- Who is on a task, by role; `project_id` is kept here so a contact's memberships are read
-- from this one index.
CREATE TABLE task_people (
    account_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('assignee', 'co_assignee', 'participant', 'auditor')),
    person_kind TEXT NOT NULL CHECK (person_kind IN ('user', 'contact')),
    person_id TEXT NOT NULL,
    PRIMARY KEY (account_id, task_id, role, person_kind, person_id),
    FOREIGN KEY (account_id, task_id) REFERENCES tasks (account_id, id) ON DELETE CASCADE
);
CREATE INDEX task_people_by_person ON task_people (account_id, person_kind, person_id, project_id, task_id);

CREATE TABLE task_comments (
    account_id TEXT NOT NULL,
    id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    author_kind TEXT NOT NULL CHECK (author_kind IN ('user', 'contact')),
    author_id TEXT NOT NULL,
    body TEXT NOT NULL,
    attachments TEXT NOT NULL DEFAULT '[]',
    via TEXT NOT NULL CHECK (via IN ('ui', 'email')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, task_id) REFERENCES tasks (account_id, id) ON DELETE CASCADE
);
CREATE INDEX task_comments_by_task ON task_comments (account_id, task_id, created_at);

CREATE TABLE task_events (
    account_id TEXT NOT NULL,
    id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'contact')),
    actor_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, task_id) REFERENCES tasks (account_id, id) ON DELETE CASCADE
);
CREATE INDEX task_events_by_task ON task_events (account_id, task_id, created_at);

CREATE TABLE reply_keys (
    tag TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    person_kind TEXT NOT NULL CHECK (person_kind IN ('user', 'contact')),
    person_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, task_id, person_kind, person_id),
    FOREIGN KEY (account_id, task_id) REFERENCES tasks (account_id, id) ON DELETE CASCADE
);
CREATE INDEX reply_keys_by_person ON reply_keys (account_id, person_kind, person_id);

-- Failed sign-ins, counted per e-mail (existing or not) and per client address to limit
-- password guessing.
CREATE TABLE sign_in_failures (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX sign_in_failures_by_email ON sign_in_failures (email, occurred_at);
CREATE INDEX sign_in_failures_by_addr ON sign_in_failures (client_addr, occurred_at);

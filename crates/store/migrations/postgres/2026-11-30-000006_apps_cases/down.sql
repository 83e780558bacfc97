DROP TABLE user_invitations;
DROP TABLE case_assignments;
DROP TABLE case_role_settings;
DROP TABLE case_roles;
DROP TABLE app_users;
DROP TABLE cases;
DROP TABLE apps;
ALTER TABLE accounts DROP COLUMN seat_limit;

//! Migrations run up, down and up again on both backends, and stay in lockstep.

use diesel::RunQueryDsl;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use tessera_store::{
    POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, revert_all_migrations, run_migrations,
};

use tessera_store::testing::TestDb;

/// Every table the migrations create; the test compares it with what the database lists, so
/// a table added without being listed here (and its down migration tested) fails.
const TABLES: [&str; 44] = [
    "accounts",
    "features",
    "roles",
    "role_settings",
    "users",
    "scoped_assignments",
    "sessions",
    "api_tokens",
    "audit_events",
    "items",
    "wish_list_entries",
    "recipient_groups",
    "recipient_group_members",
    "shares",
    "share_items",
    "invitations",
    "outbox",
    "external_sessions",
    "verification_failures",
    "sign_in_failures",
    "contacts",
    "contact_sessions",
    "projects",
    "project_auditors",
    "tasks",
    "task_people",
    "task_comments",
    "task_events",
    "reply_keys",
    "apps",
    "cases",
    "app_users",
    "case_roles",
    "case_role_settings",
    "case_assignments",
    "user_invitations",
    "event_types",
    "automations",
    "automation_access",
    "mailboxes",
    "automation_events",
    "automation_runs",
    "automation_run_steps",
    "notifications",
];

#[derive(diesel::QueryableByName)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// The tables the database holds (but diesel's own), sorted.
fn tables(connection: &mut tessera_store::DbConnection) -> Vec<String> {
    let query = match connection {
        tessera_store::DbConnection::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        tessera_store::DbConnection::Postgresql(_) => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema()"
        }
    };
    let mut names: Vec<String> = diesel::sql_query(query)
        .load::<TableName>(connection)
        .expect("list tables")
        .into_iter()
        .map(|t| t.name)
        .filter(|name| name != "__diesel_schema_migrations")
        .collect();
    names.sort();
    names
}

fn listed() -> Vec<String> {
    let mut names: Vec<String> = TABLES.iter().map(|t| (*t).to_owned()).collect();
    names.sort();
    names
}

fn tables_answer(connection: &mut tessera_store::DbConnection) -> Vec<bool> {
    TABLES
        .iter()
        .map(|table| {
            diesel::sql_query(format!("SELECT 1 FROM {table} LIMIT 1"))
                .execute(connection)
                .is_ok()
        })
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_names() {
    let names = |list: Vec<String>| list;
    let sqlite = names(
        MigrationSource::<Sqlite>::migrations(&SQLITE_MIGRATIONS)
            .expect("sqlite migrations")
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
    );
    let postgres = names(
        MigrationSource::<Pg>::migrations(&POSTGRES_MIGRATIONS)
            .expect("postgres migrations")
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
    );
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

#[test]
fn migrations_run_up_down_and_up_again() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.connect();
        let applied = run_migrations(&mut connection).expect("up");
        assert!(!applied.is_empty(), "{backend}: nothing applied");
        assert!(
            tables_answer(&mut connection).iter().all(|ok| *ok),
            "{backend}: tables after up"
        );
        assert_eq!(
            tables(&mut connection),
            listed(),
            "{backend}: the test lists every table"
        );
        assert!(
            run_migrations(&mut connection)
                .expect("up again")
                .is_empty(),
            "{backend}: idempotent"
        );

        let reverted = revert_all_migrations(&mut connection).expect("down");
        assert_eq!(reverted.len(), applied.len(), "{backend}: reverted all");
        assert!(
            tables_answer(&mut connection).iter().all(|ok| !ok),
            "{backend}: tables after down"
        );
        assert_eq!(
            tables(&mut connection),
            Vec::<String>::new(),
            "{backend}: down leaves no table"
        );

        assert_eq!(
            run_migrations(&mut connection).expect("up"),
            applied,
            "{backend}: up again"
        );
        assert!(
            tables_answer(&mut connection).iter().all(|ok| *ok),
            "{backend}: tables after up again"
        );
    }
}

//! Migrations run up, down and up again on both backends, and stay in lockstep.

use diesel::RunQueryDsl;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use tessera_store::{
    POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, revert_all_migrations, run_migrations,
};

use tessera_store::testing::TestDb;

const TABLES: [&str; 19] = [
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
];

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

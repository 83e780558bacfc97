//! Accounts and their policy version, on both backends.

use chrono::{DateTime, Utc};
use tessera_access::PolicyVersion;
use tessera_core::AccountId;
use tessera_store::{StoreError, accounts};

use tessera_store::testing::TestDb;

fn instant() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 123_456_789).expect("timestamp")
}

#[test]
fn create_get_and_bump() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        let id = AccountId::from_u128(1);
        let created = accounts::create(&mut connection, id, "Acme", instant()).expect("create");
        assert_eq!(created.policy_version, PolicyVersion(0));
        let read = accounts::get(&mut connection, id).expect("get");
        assert_eq!(read, created, "{backend}: round trip");
        assert_eq!(
            read.created_at.timestamp_subsec_micros(),
            123_456,
            "{backend}: microseconds kept"
        );

        assert_eq!(
            accounts::bump_policy_version(&mut connection, id).expect("bump"),
            PolicyVersion(1)
        );
        assert_eq!(
            accounts::bump_policy_version(&mut connection, id).expect("bump"),
            PolicyVersion(2)
        );
        assert_eq!(
            accounts::policy_version(&mut connection, id).expect("version"),
            PolicyVersion(2)
        );
    }
}

#[test]
fn another_accounts_id_is_not_found_and_ids_are_unique() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        let mine = AccountId::from_u128(1);
        let theirs = AccountId::from_u128(2);
        accounts::create(&mut connection, mine, "Mine", instant()).expect("create");
        assert!(
            matches!(
                accounts::get(&mut connection, theirs),
                Err(StoreError::NotFound)
            ),
            "{backend}"
        );
        assert!(
            matches!(
                accounts::bump_policy_version(&mut connection, theirs),
                Err(StoreError::NotFound)
            ),
            "{backend}"
        );
        assert!(
            matches!(
                accounts::create(&mut connection, mine, "Again", instant()),
                Err(StoreError::Conflict { .. })
            ),
            "{backend}"
        );
        assert_eq!(
            accounts::policy_version(&mut connection, mine).expect("version"),
            PolicyVersion(0)
        );
    }
}

#[test]
fn urls_choose_the_backend_by_scheme() {
    use tessera_store::{Backend, DatabaseUrl};
    assert_eq!(
        DatabaseUrl::parse("sqlite://./data/x.db")
            .expect("sqlite")
            .backend(),
        Backend::Sqlite
    );
    assert_eq!(
        DatabaseUrl::parse("sqlite::memory:")
            .expect("memory")
            .backend(),
        Backend::Sqlite
    );
    assert_eq!(
        DatabaseUrl::parse("postgres://u@h/db")
            .expect("pg")
            .backend(),
        Backend::Postgres
    );
    assert_eq!(
        DatabaseUrl::parse("postgresql://u@h/db")
            .expect("pg")
            .backend(),
        Backend::Postgres
    );
    let err = DatabaseUrl::parse("mysql://user:secret@host/db").expect_err("unsupported");
    assert!(!err.to_string().contains("secret"), "{err}");
}

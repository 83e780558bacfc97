//! Policies round-trip through storage on both backends, scoped by account.

use chrono::{DateTime, Utc};
use tessera_access::{ADMIN_ROLE, Level, Policy, PolicyVersion, Role, Setting, standard_tree};
use tessera_core::{AccountId, RoleId, ScopeId, UserId};
use tessera_store::users::User;
use tessera_store::{DbConnection, StoreError, accounts, policies, users};

use tessera_store::testing::TestDb;

const ACME: AccountId = AccountId::from_u128(1);
const GLOBEX: AccountId = AccountId::from_u128(2);
const RELEASER: RoleId = RoleId::from_u128(100);

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).expect("timestamp")
}

fn user(id: u128, email: &str, role: RoleId) -> User {
    User {
        id: UserId::from_u128(id),
        email: email.to_owned(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        display_name: None,
        may_grant_client_access: false,
        must_change_password: true,
        role,
        created_at: now(),
    }
}

/// An account with the standard policy, a custom role and two users, written the way the
/// server writes it: the engine decides, storage mirrors, one transaction.
fn seed(connection: &mut DbConnection, account: AccountId) -> Policy {
    let tree = standard_tree(&["crm", "hr"], &["test", "production"], &["sap"]).expect("tree");
    let mut policy = Policy::standard(tree).expect("policy");
    let releaser = Role::custom(RELEASER, "Releaser")
        .with("publish_rights", Level::Write)
        .with("publish_rights/system:sap/env:production", Setting::None);
    policy.add_role(releaser).expect("role");
    connection
        .transaction::<_, StoreError, _>(|tx| {
            accounts::create(tx, account, "Acme", now())?;
            policies::insert_policy(tx, account, &policy, now())?;
            users::insert(tx, account, &user(1, "ana@acme.test", RELEASER))?;
            users::insert(tx, account, &user(2, "bob@acme.test", ADMIN_ROLE))?;
            policies::assign_in(
                tx,
                account,
                UserId::from_u128(1),
                ScopeId::from_u128(9),
                ADMIN_ROLE,
            )?;
            accounts::bump_policy_version(tx, account)?;
            Ok(())
        })
        .expect("seed");
    policy
}

use diesel::Connection;

#[test]
fn a_stored_policy_loads_back_equal() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        let written = seed(&mut connection, ACME);
        let loaded = policies::load(&mut connection, ACME).expect("load");
        assert_eq!(
            loaded.export(),
            written.export(),
            "{backend}: tree and roles"
        );
        assert_eq!(
            loaded.version(),
            PolicyVersion(1),
            "{backend}: stored version"
        );
        let production = loaded
            .feature("publish_rights/system:sap/env:production")
            .expect("feature");
        let test = loaded
            .feature("publish_rights/system:sap/env:test")
            .expect("feature");
        let ana = UserId::from_u128(1);
        assert!(
            loaded.check(ana, test, Level::Write).expect("check"),
            "{backend}"
        );
        assert!(
            !loaded.check(ana, production, Level::Read).expect("check"),
            "{backend}"
        );
        assert_eq!(
            loaded
                .level_in(ana, ScopeId::from_u128(9), production)
                .expect("scoped"),
            Level::Write,
            "{backend}: scoped role"
        );
        assert_eq!(
            loaded.role_of(UserId::from_u128(2)).expect("role"),
            Some(ADMIN_ROLE)
        );
    }
}

#[test]
fn role_edits_and_deletes_are_mirrored() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed(&mut connection, ACME);
        let edited = Role::custom(RELEASER, "Release manager").with("workspace", Level::Read);
        policies::replace_role(&mut connection, ACME, &edited).expect("replace");
        let loaded = policies::load(&mut connection, ACME).expect("load");
        assert_eq!(loaded.role(RELEASER).expect("role"), edited, "{backend}");

        // Still held by ana: the database refuses too.
        assert!(
            matches!(
                policies::delete_role(&mut connection, ACME, RELEASER),
                Err(StoreError::Referenced { .. })
            ),
            "{backend}"
        );
        users::set_role(&mut connection, ACME, UserId::from_u128(1), ADMIN_ROLE).expect("reassign");
        policies::delete_role(&mut connection, ACME, RELEASER).expect("delete");
        let loaded = policies::load(&mut connection, ACME).expect("load");
        assert!(loaded.role(RELEASER).is_err(), "{backend}");
    }
}

#[test]
fn nothing_crosses_accounts() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed(&mut connection, ACME);
        accounts::create(&mut connection, GLOBEX, "Globex", now()).expect("globex");
        let globex = policies::load(&mut connection, GLOBEX).expect("load");
        assert_eq!(globex.tree().len(), 0, "{backend}: no features leak");
        assert_eq!(globex.roles().len(), 0, "{backend}: no roles leak");
        assert_eq!(globex.user_count(), 0, "{backend}: no users leak");

        let ana = UserId::from_u128(1);
        let not_found = |r: Result<(), StoreError>| matches!(r, Err(StoreError::NotFound));
        assert!(
            matches!(
                users::get(&mut connection, GLOBEX, ana),
                Err(StoreError::NotFound)
            ),
            "{backend}"
        );
        assert!(
            not_found(users::set_role(&mut connection, GLOBEX, ana, ADMIN_ROLE)),
            "{backend}"
        );
        assert!(
            not_found(users::set_password(
                &mut connection,
                GLOBEX,
                ana,
                "x",
                false
            )),
            "{backend}"
        );
        assert!(
            not_found(users::delete(&mut connection, GLOBEX, ana)),
            "{backend}"
        );
        assert!(
            not_found(policies::delete_role(&mut connection, GLOBEX, RELEASER)),
            "{backend}"
        );
        let foreign_edit = Role::custom(RELEASER, "Hijacked");
        assert!(
            not_found(policies::replace_role(
                &mut connection,
                GLOBEX,
                &foreign_edit
            )),
            "{backend}"
        );
        assert!(
            !policies::unassign_in(&mut connection, GLOBEX, ana, ScopeId::from_u128(9))
                .expect("unassign"),
            "{backend}"
        );
        // A Globex user cannot be given an Acme custom role.
        let intruder = user(3, "eve@globex.test", RELEASER);
        assert!(
            matches!(
                users::insert(&mut connection, GLOBEX, &intruder),
                Err(StoreError::Referenced { .. })
            ),
            "{backend}"
        );
        // And Acme is untouched.
        let acme = policies::load(&mut connection, ACME).expect("load");
        assert_eq!(
            acme.role(RELEASER).expect("role").name,
            "Releaser",
            "{backend}"
        );
        assert_eq!(
            users::list(&mut connection, ACME).expect("list").len(),
            2,
            "{backend}"
        );
    }
}

#[test]
fn users_are_unique_per_account_and_deleting_one_cascades() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed(&mut connection, ACME);
        let duplicate = user(5, "ana@acme.test", ADMIN_ROLE);
        assert!(
            matches!(
                users::insert(&mut connection, ACME, &duplicate),
                Err(StoreError::Conflict { .. })
            ),
            "{backend}"
        );
        let found = users::find_by_email(&mut connection, ACME, "ana@acme.test").expect("find");
        assert_eq!(found.map(|u| u.id), Some(UserId::from_u128(1)), "{backend}");
        assert_eq!(
            users::find_by_email(&mut connection, GLOBEX, "ana@acme.test").expect("find"),
            None
        );

        users::set_password(
            &mut connection,
            ACME,
            UserId::from_u128(1),
            "new-hash",
            false,
        )
        .expect("password");
        let ana = users::get(&mut connection, ACME, UserId::from_u128(1)).expect("get");
        assert_eq!(
            (ana.password_hash.as_str(), ana.must_change_password),
            ("new-hash", false)
        );

        users::delete(&mut connection, ACME, UserId::from_u128(1)).expect("delete");
        let loaded = policies::load(&mut connection, ACME).expect("load");
        assert_eq!(
            loaded.user_count(),
            1,
            "{backend}: user and scoped role gone"
        );
        assert!(
            policies::delete_role(&mut connection, ACME, RELEASER).is_ok(),
            "{backend}: the role is free once its holder is gone"
        );
    }
}

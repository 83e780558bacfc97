//! Sessions, API tokens and the audit log on both backends, scoped by account.

use chrono::{DateTime, Duration, Utc};
use diesel::Connection;
use tessera_access::{ADMIN_ROLE, Policy, standard_tree};
use tessera_core::{AccountId, AuditAction, UserId, Uuid};
use tessera_store::api_tokens::ApiToken;
use tessera_store::audit::AuditEvent;
use tessera_store::sessions::Session;
use tessera_store::users::User;
use tessera_store::{
    DbConnection, StoreError, accounts, api_tokens, audit, policies, sessions, users,
};

use tessera_store::testing::TestDb;

const ACME: AccountId = AccountId::from_u128(1);
const GLOBEX: AccountId = AccountId::from_u128(2);
/// Ana is user 1 of Acme; Globex has a user with the same id, so only the account tells
/// their rows apart.
const ANA: UserId = UserId::from_u128(1);
const BOB: UserId = UserId::from_u128(2);

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).expect("timestamp")
}

fn user(id: UserId, email: &str) -> User {
    User {
        id,
        email: email.to_owned(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        display_name: None,
        may_grant_client_access: false,
        must_change_password: false,
        role: ADMIN_ROLE,
        created_at: now(),
    }
}

/// An account with the standard policy and the given users, all administrators.
fn seed(connection: &mut DbConnection, account: AccountId, name: &str, people: &[(UserId, &str)]) {
    let tree = standard_tree(&["crm"], &["production"], &["sap"]).expect("tree");
    let policy = Policy::standard(tree).expect("policy");
    connection
        .transaction::<_, StoreError, _>(|tx| {
            accounts::create(tx, account, name, now())?;
            policies::insert_policy(tx, account, &policy, now())?;
            for (id, email) in people {
                users::insert(tx, account, &user(*id, email))?;
            }
            Ok(())
        })
        .expect("seed");
}

/// Acme with Ana and Bob, Globex with its own user 1.
fn seed_both(connection: &mut DbConnection) {
    seed(
        connection,
        ACME,
        "Acme",
        &[(ANA, "ana@acme.test"), (BOB, "bob@acme.test")],
    );
    seed(connection, GLOBEX, "Globex", &[(ANA, "ana@globex.test")]);
}

fn hash(seed: &str) -> String {
    format!("{seed:0>64}")
}

fn session(account: AccountId, user: UserId, secret: &str, lifetime: Duration) -> Session {
    Session {
        token_hash: hash(secret),
        account,
        user,
        created_at: now(),
        expires_at: now() + lifetime,
    }
}

fn token(id: u128, user: UserId, name: &str, created: Duration, lifetime: Duration) -> ApiToken {
    ApiToken {
        id: Uuid::from_u128(id),
        account: ACME,
        user,
        name: name.to_owned(),
        token_hash: hash(name),
        created_at: now() + created,
        expires_at: now() + created + lifetime,
    }
}

fn event(id: u128, account: AccountId, at: Duration, action: AuditAction) -> AuditEvent {
    AuditEvent {
        id: Uuid::from_u128(id),
        account,
        occurred_at: now() + at,
        actor: None,
        action,
        target: None,
        detail: "{}".to_owned(),
        client_addr: None,
    }
}

#[test]
fn a_session_is_found_by_its_hash_until_it_expires() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed_both(&mut connection);
        let mut written = session(ACME, ANA, "a", Duration::hours(1));
        written.created_at += Duration::nanoseconds(123_456_789);
        sessions::insert(&mut connection, &written).expect("insert");

        let found = sessions::find_valid(&mut connection, &hash("a"), now())
            .expect("find")
            .expect("valid");
        assert_eq!(
            found.account, ACME,
            "{backend}: the session names its account"
        );
        assert_eq!(found.user, ANA, "{backend}");
        assert_eq!(found.expires_at, written.expires_at, "{backend}");
        assert_eq!(
            found.created_at.timestamp_subsec_nanos(),
            123_456_000,
            "{backend}: microseconds kept"
        );
        let last_moment = written.expires_at - Duration::microseconds(1);
        assert!(
            sessions::find_valid(&mut connection, &hash("a"), last_moment)
                .expect("find")
                .is_some(),
            "{backend}: valid until its expiry"
        );
        assert_eq!(
            sessions::find_valid(&mut connection, &hash("a"), written.expires_at).expect("find"),
            None,
            "{backend}: expired at expires_at"
        );
        assert_eq!(
            sessions::find_valid(&mut connection, &hash("unknown"), now()).expect("find"),
            None,
            "{backend}: unknown hash"
        );

        assert!(
            matches!(
                sessions::insert(&mut connection, &written),
                Err(StoreError::Conflict { .. })
            ),
            "{backend}: a hash is used once"
        );
        // Bob is Acme's: a Globex session cannot name him.
        assert!(
            matches!(
                sessions::insert(
                    &mut connection,
                    &session(GLOBEX, BOB, "b", Duration::hours(1))
                ),
                Err(StoreError::Referenced { .. })
            ),
            "{backend}: the user must be in the session's account"
        );
    }
}

#[test]
fn sessions_are_deleted_one_by_one_per_user_and_when_expired() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed_both(&mut connection);
        for written in [
            session(ACME, ANA, "ana-1", Duration::hours(1)),
            session(ACME, ANA, "ana-2", Duration::hours(2)),
            session(ACME, ANA, "ana-3", Duration::hours(3)),
            session(ACME, BOB, "bob-1", Duration::minutes(1)),
            session(GLOBEX, ANA, "globex-1", Duration::minutes(1)),
            session(GLOBEX, ANA, "globex-2", Duration::hours(3)),
        ] {
            sessions::insert(&mut connection, &written).expect("insert");
        }
        let valid = |connection: &mut DbConnection, secret: &str| {
            sessions::find_valid(connection, &hash(secret), now())
                .expect("find")
                .is_some()
        };

        assert!(
            sessions::delete(&mut connection, ACME, &hash("ana-1")).expect("delete"),
            "{backend}: signed out"
        );
        assert!(!valid(&mut connection, "ana-1"), "{backend}");
        assert!(
            !sessions::delete(&mut connection, ACME, &hash("ana-1")).expect("delete"),
            "{backend}: already gone"
        );

        assert_eq!(
            sessions::delete_for_user(&mut connection, ACME, ANA).expect("delete"),
            2,
            "{backend}: Ana's remaining sessions"
        );
        assert!(!valid(&mut connection, "ana-2"), "{backend}");
        assert!(!valid(&mut connection, "ana-3"), "{backend}");
        assert!(
            valid(&mut connection, "bob-1"),
            "{backend}: Bob keeps his session"
        );
        assert!(
            valid(&mut connection, "globex-2"),
            "{backend}: Globex's user 1 keeps hers"
        );

        // Housekeeping spans accounts and takes only what has expired.
        let later = now() + Duration::minutes(1);
        assert_eq!(
            sessions::delete_expired(&mut connection, later).expect("delete expired"),
            2,
            "{backend}: Bob's and Globex's one-minute sessions"
        );
        assert!(
            !sessions::delete(&mut connection, ACME, &hash("bob-1")).expect("delete"),
            "{backend}: expired session removed"
        );
        assert!(
            sessions::find_valid(&mut connection, &hash("globex-2"), later)
                .expect("find")
                .is_some(),
            "{backend}: a valid session stays"
        );
        assert_eq!(
            sessions::delete_expired(&mut connection, later).expect("delete expired"),
            0,
            "{backend}: nothing left to remove"
        );
    }
}

#[test]
fn deleting_a_user_removes_their_sessions_and_tokens() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed_both(&mut connection);
        sessions::insert(
            &mut connection,
            &session(ACME, ANA, "ana", Duration::hours(1)),
        )
        .expect("session");
        sessions::insert(
            &mut connection,
            &session(ACME, BOB, "bob", Duration::hours(1)),
        )
        .expect("session");
        sessions::insert(
            &mut connection,
            &session(GLOBEX, ANA, "globex", Duration::hours(1)),
        )
        .expect("session");
        api_tokens::insert(
            &mut connection,
            &token(10, ANA, "ana-ci", Duration::zero(), Duration::days(30)),
        )
        .expect("token");
        api_tokens::insert(
            &mut connection,
            &token(11, BOB, "bob-ci", Duration::zero(), Duration::days(30)),
        )
        .expect("token");

        users::delete(&mut connection, ACME, ANA).expect("delete user");

        assert_eq!(
            sessions::find_valid(&mut connection, &hash("ana"), now()).expect("find"),
            None,
            "{backend}: her session went with her"
        );
        assert_eq!(
            api_tokens::find_valid(&mut connection, &hash("ana-ci"), now()).expect("find"),
            None,
            "{backend}: her token went with her"
        );
        assert!(
            api_tokens::list_for_user(&mut connection, ACME, ANA)
                .expect("list")
                .is_empty(),
            "{backend}"
        );
        assert!(
            sessions::find_valid(&mut connection, &hash("bob"), now())
                .expect("find")
                .is_some(),
            "{backend}: Bob's session stays"
        );
        assert!(
            api_tokens::find_valid(&mut connection, &hash("bob-ci"), now())
                .expect("find")
                .is_some(),
            "{backend}: Bob's token stays"
        );
        assert!(
            sessions::find_valid(&mut connection, &hash("globex"), now())
                .expect("find")
                .is_some(),
            "{backend}: Globex's user 1 is another user"
        );
    }
}

#[test]
fn api_tokens_are_listed_found_and_deleted() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed_both(&mut connection);
        let deploy = token(20, ANA, "deploy", Duration::hours(2), Duration::days(30));
        let ci = token(21, ANA, "ci", Duration::zero(), Duration::days(30));
        let old = token(22, ANA, "old", Duration::hours(1), Duration::minutes(1));
        let bob = token(23, BOB, "bob", Duration::zero(), Duration::days(30));
        for written in [&deploy, &ci, &old, &bob] {
            api_tokens::insert(&mut connection, written).expect("insert");
        }

        assert_eq!(
            api_tokens::list_for_user(&mut connection, ACME, ANA).expect("list"),
            vec![ci.clone(), old.clone(), deploy.clone()],
            "{backend}: Ana's tokens, oldest first, expired included"
        );
        let at = now() + Duration::hours(3);
        assert_eq!(
            api_tokens::find_valid(&mut connection, &hash("deploy"), at).expect("find"),
            Some(deploy.clone()),
            "{backend}: round trip"
        );
        assert_eq!(
            api_tokens::find_valid(&mut connection, &hash("old"), at).expect("find"),
            None,
            "{backend}: expired"
        );

        let mut same_hash = token(24, BOB, "x", Duration::zero(), Duration::days(1));
        same_hash.token_hash = ci.token_hash.clone();
        assert!(
            matches!(
                api_tokens::insert(&mut connection, &same_hash),
                Err(StoreError::Conflict { .. })
            ),
            "{backend}: a hash is used once"
        );

        assert!(
            !api_tokens::delete(&mut connection, ACME, BOB, ci.id).expect("delete"),
            "{backend}: another user's token is left alone"
        );
        assert!(api_tokens::delete(&mut connection, ACME, ci.user, ci.id).expect("delete"));
        assert!(
            !api_tokens::delete(&mut connection, ACME, ci.user, ci.id).expect("delete"),
            "{backend}: already revoked"
        );
        assert_eq!(
            api_tokens::find_valid(&mut connection, &hash("ci"), now()).expect("find"),
            None,
            "{backend}: a revoked token is not found"
        );
        assert_eq!(
            api_tokens::delete_for_user(&mut connection, ACME, ANA).expect("delete"),
            2,
            "{backend}: deploy and old"
        );
        assert!(
            api_tokens::list_for_user(&mut connection, ACME, ANA)
                .expect("list")
                .is_empty(),
            "{backend}"
        );
        assert_eq!(
            api_tokens::list_for_user(&mut connection, ACME, BOB).expect("list"),
            vec![bob],
            "{backend}: Bob's token stays"
        );
    }
}

#[test]
fn the_audit_log_lists_newest_first_since_and_limited() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed_both(&mut connection);
        let mut full = event(30, ACME, Duration::minutes(1), AuditAction::UserAdd);
        full.actor = Some(BOB);
        full.target = Some(format!("user:{ANA}"));
        full.detail = r#"{"email":"ana@acme.test"}"#.to_owned();
        full.client_addr = Some("192.0.2.7".to_owned());
        full.occurred_at += Duration::nanoseconds(654_321_987);
        let first = event(31, ACME, Duration::zero(), AuditAction::SignIn);
        let tie_low = event(32, ACME, Duration::minutes(2), AuditAction::RoleCreate);
        let tie_high = event(33, ACME, Duration::minutes(2), AuditAction::RoleUpdate);
        let last = event(34, ACME, Duration::minutes(3), AuditAction::SignOut);
        for written in [&tie_low, &full, &last, &first, &tie_high] {
            audit::insert(&mut connection, written).expect("insert");
        }
        let mut stored_full = full.clone();
        stored_full.occurred_at -= Duration::nanoseconds(987);

        let ids = |events: Vec<AuditEvent>| events.into_iter().map(|e| e.id).collect::<Vec<_>>();
        let all = audit::list(&mut connection, ACME, None, 100).expect("list");
        assert_eq!(
            all,
            vec![
                last.clone(),
                tie_high.clone(),
                tie_low.clone(),
                stored_full.clone(),
                first.clone()
            ],
            "{backend}: newest first, ties by id, every field round-trips to the microsecond"
        );
        assert_eq!(
            ids(audit::list(&mut connection, ACME, None, 2).expect("list")),
            vec![last.id, tie_high.id],
            "{backend}: limit keeps the newest"
        );
        assert_eq!(
            ids(audit::list(
                &mut connection,
                ACME,
                Some(now() + Duration::minutes(2)),
                100
            )
            .expect("list")),
            vec![last.id, tie_high.id, tie_low.id],
            "{backend}: since is inclusive"
        );
        assert_eq!(
            ids(
                audit::list(&mut connection, ACME, Some(now() + Duration::seconds(1)), 2)
                    .expect("list")
            ),
            vec![last.id, tie_high.id],
            "{backend}: since and limit together"
        );
        assert!(
            audit::list(&mut connection, ACME, Some(now() + Duration::hours(1)), 100)
                .expect("list")
                .is_empty(),
            "{backend}: nothing since"
        );
        assert!(
            audit::list(&mut connection, ACME, None, 0)
                .expect("list")
                .is_empty(),
            "{backend}: limit 0"
        );
        assert!(
            audit::list(&mut connection, ACME, None, -1)
                .expect("list")
                .is_empty(),
            "{backend}: a negative limit is 0 on every backend"
        );
        assert!(
            matches!(
                audit::insert(&mut connection, &first),
                Err(StoreError::Conflict { .. })
            ),
            "{backend}: an id is used once per account"
        );
        // The actor may be deleted later; the event stays.
        users::delete(&mut connection, ACME, BOB).expect("delete user");
        assert_eq!(
            audit::list(&mut connection, ACME, None, 100)
                .expect("list")
                .len(),
            5,
            "{backend}: events outlive their actor"
        );
    }
}

#[test]
fn nothing_crosses_accounts() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed_both(&mut connection);
        let acme_session = session(ACME, ANA, "acme", Duration::hours(1));
        sessions::insert(&mut connection, &acme_session).expect("session");
        let acme_token = token(40, ANA, "acme-ci", Duration::zero(), Duration::days(30));
        api_tokens::insert(&mut connection, &acme_token).expect("token");
        let acme_event = event(41, ACME, Duration::zero(), AuditAction::UserAdd);
        audit::insert(&mut connection, &acme_event).expect("event");

        // Globex has a user 1 too; its calls still reach none of Acme's rows.
        assert!(
            !sessions::delete(&mut connection, GLOBEX, &acme_session.token_hash).expect("delete"),
            "{backend}: Globex cannot sign Acme's session out"
        );
        assert_eq!(
            sessions::delete_for_user(&mut connection, GLOBEX, ANA).expect("delete"),
            0,
            "{backend}: nor Acme's user"
        );
        assert!(
            !api_tokens::delete(&mut connection, GLOBEX, acme_token.user, acme_token.id)
                .expect("delete"),
            "{backend}: Globex cannot revoke Acme's token"
        );
        assert_eq!(
            api_tokens::delete_for_user(&mut connection, GLOBEX, ANA).expect("delete"),
            0,
            "{backend}"
        );
        assert!(
            api_tokens::list_for_user(&mut connection, GLOBEX, ANA)
                .expect("list")
                .is_empty(),
            "{backend}: Globex lists none of Acme's tokens"
        );
        assert!(
            audit::list(&mut connection, GLOBEX, None, 100)
                .expect("list")
                .is_empty(),
            "{backend}: Globex reads none of Acme's audit log"
        );
        // A Globex token cannot act as Acme's Bob.
        let mut intruder = token(42, BOB, "intruder", Duration::zero(), Duration::days(1));
        intruder.account = GLOBEX;
        assert!(
            matches!(
                api_tokens::insert(&mut connection, &intruder),
                Err(StoreError::Referenced { .. })
            ),
            "{backend}: the user must be in the token's account"
        );

        // And Acme's rows are all still there.
        assert_eq!(
            sessions::find_valid(&mut connection, &acme_session.token_hash, now()).expect("find"),
            Some(acme_session.clone()),
            "{backend}"
        );
        assert_eq!(
            api_tokens::list_for_user(&mut connection, ACME, ANA).expect("list"),
            vec![acme_token.clone()],
            "{backend}"
        );
        assert_eq!(
            audit::list(&mut connection, ACME, None, 100).expect("list"),
            vec![acme_event.clone()],
            "{backend}"
        );
    }
}

/// Housekeeping removes expired sessions and failure records older than the cut-off, and
/// nothing else.
#[test]
fn housekeeping_removes_only_what_is_over() {
    for (name, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed_both(&mut connection);
        let live = session(ACME, ANA, "live", Duration::days(1));
        let over = session(ACME, BOB, "over", Duration::minutes(5));
        sessions::insert(&mut connection, &live).expect("live");
        sessions::insert(&mut connection, &over).expect("over");
        let later = now() + Duration::hours(1);
        for (n, at) in [(1, now() - Duration::days(2)), (2, later)] {
            tessera_store::attempts::record_verification_failure(
                &mut connection,
                Uuid::from_u128(n),
                Some(ACME),
                "10.0.0.1",
                at,
            )
            .expect("verification failure");
            tessera_store::attempts::record_sign_in_failure(
                &mut connection,
                Uuid::from_u128(n),
                "ana@acme.test",
                "10.0.0.1",
                at,
            )
            .expect("sign-in failure");
        }
        let pruned =
            tessera_store::housekeeping::prune(&mut connection, later, later - Duration::days(1))
                .expect("prune");
        assert_eq!(
            pruned,
            tessera_store::housekeeping::Pruned {
                sessions: 1,
                external_sessions: 0,
                contact_sessions: 0,
                verification_failures: 1,
                sign_in_failures: 1,
            },
            "[{name}]"
        );
        assert!(
            sessions::find_valid(&mut connection, &live.token_hash, later)
                .expect("find")
                .is_some(),
            "[{name}] the live session stays"
        );
        let since = later - Duration::hours(1);
        assert_eq!(
            tessera_store::attempts::sign_in_failures(
                &mut connection,
                "ana@acme.test",
                since,
                "10.0.0.1",
                since
            )
            .expect("counts"),
            (1, 1),
            "[{name}] the recent failure stays"
        );
        assert_eq!(
            tessera_store::housekeeping::prune(&mut connection, later, later - Duration::days(1))
                .expect("again")
                .total(),
            0,
            "[{name}]"
        );
    }
}

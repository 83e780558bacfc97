//! Shares, invitations and the outbox, on both backends.

use chrono::{DateTime, Duration, Utc};
use tessera_core::{AccountId, SecretKey, UserId, Uuid};
use tessera_invitations::{Invitation, InvitationState, Item, ItemKind};
use tessera_store::invitations::{self, InvitationFilter};
use tessera_store::items::{self, CatalogItem};
use tessera_store::outbox::{self, DeliveryOutcome, MessageKind, OutboxMessage, OutboxState};
use tessera_store::shares::{self, Share};
use tessera_store::testing::TestDb;
use tessera_store::{DbConnection, StoreError, accounts, attempts};

const ACME: AccountId = AccountId::from_u128(1);
const GLOBEX: AccountId = AccountId::from_u128(2);

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).expect("timestamp")
}

fn key() -> SecretKey {
    SecretKey::from_bytes([5; 32])
}

fn invitation(n: u8, recipient: &str) -> Invitation {
    Invitation::issue(&key(), [n; 16], recipient.into(), [n; 16], now(), 14).expect("issue")
}

/// Acme with one workflow and a share of it to two recipients.
fn seed(connection: &mut DbConnection) -> (Share, Vec<Invitation>) {
    accounts::create(connection, ACME, "Acme", now()).expect("acme");
    accounts::create(connection, GLOBEX, "Globex", now()).expect("globex");
    let flow = CatalogItem {
        item: Item {
            id: Uuid::from_u128(1),
            kind: ItemKind::Workflow,
            title: "Onboarding".into(),
            entries: vec![],
        },
        external_id: "wf-1".into(),
        description: String::new(),
        business_domain: "Sales".into(),
        app: "crm".into(),
        updated_at: now(),
    };
    items::upsert(connection, ACME, &flow).expect("item");
    let share = Share {
        id: Uuid::from_u128(100),
        sender: UserId::from_u128(7),
        message: Some("Have a look".into()),
        items: vec![flow.item.id],
        created_at: now(),
    };
    shares::insert_share(connection, ACME, &share).expect("share");
    let list = vec![
        invitation(1, "ana@example.com"),
        invitation(2, "bob@example.com"),
    ];
    invitations::insert_invitations(connection, ACME, share.id, "de", &list).expect("invitations");
    (share, list)
}

#[test]
fn shares_and_invitations_round_trip() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        let (share, list) = seed(&mut connection);
        assert_eq!(
            shares::get_share(&mut connection, ACME, share.id).expect("share"),
            share,
            "{backend}"
        );
        let stored =
            invitations::get_invitation(&mut connection, ACME, Uuid::from_bytes(list[0].id))
                .expect("get");
        assert_eq!(
            stored.invitation, list[0],
            "{backend}: tags, times and state round-trip"
        );
        assert_eq!(
            (stored.account, stored.share, stored.locale.as_str()),
            (ACME, share.id, "de")
        );

        let found =
            invitations::find_by_link_tag(&mut connection, &list[1].link_tag).expect("by tag");
        assert_eq!(
            found.map(|f| f.invitation.recipient),
            Some("bob@example.com".to_owned()),
            "{backend}"
        );
        assert_eq!(
            invitations::find_by_link_tag(&mut connection, &[0; 32]).expect("none"),
            None
        );
        assert_eq!(
            invitations::find_by_recipient_locked(&mut connection, "ana@example.com")
                .expect("by email")
                .len(),
            1
        );

        let mut changed = list[0].clone();
        changed.mark_sent();
        changed.code_failures = 3;
        invitations::update_invitation(&mut connection, ACME, &changed).expect("update");
        let sent = InvitationFilter {
            states: Some(vec![InvitationState::Sent]),
            ..Default::default()
        };
        let only_sent = invitations::list_invitations(&mut connection, ACME, &sent).expect("list");
        assert_eq!(only_sent.len(), 1, "{backend}");
        assert_eq!(only_sent[0].invitation, changed);
        let bob = InvitationFilter {
            recipient: Some("bob@example.com".into()),
            ..Default::default()
        };
        assert_eq!(
            invitations::list_invitations(&mut connection, ACME, &bob)
                .expect("list")
                .len(),
            1
        );
        let by_share = InvitationFilter {
            share: Some(share.id),
            ..Default::default()
        };
        assert_eq!(
            invitations::list_invitations(&mut connection, ACME, &by_share)
                .expect("list")
                .len(),
            2
        );

        // A resend's new nonce and tags are stored too.
        let mut resent = list[1].clone();
        resent.resend(&key(), [7; 16], now(), 14).expect("resend");
        invitations::update_invitation(&mut connection, ACME, &resent).expect("update");
        let read = invitations::get_invitation(&mut connection, ACME, Uuid::from_bytes(resent.id))
            .expect("get");
        assert_eq!(
            read.invitation, resent,
            "{backend}: nonce and tags round-trip"
        );

        // One invitation per recipient per share.
        let again = [invitation(3, "ana@example.com")];
        assert!(
            matches!(
                invitations::insert_invitations(&mut connection, ACME, share.id, "en", &again),
                Err(StoreError::Conflict { .. })
            ),
            "{backend}"
        );
    }
}

#[test]
fn another_account_sees_nothing() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        let (share, list) = seed(&mut connection);
        assert!(
            matches!(
                shares::get_share(&mut connection, GLOBEX, share.id),
                Err(StoreError::NotFound)
            ),
            "{backend}"
        );
        let id = Uuid::from_bytes(list[0].id);
        assert!(
            matches!(
                invitations::get_invitation(&mut connection, GLOBEX, id),
                Err(StoreError::NotFound)
            ),
            "{backend}"
        );
        let mut revoked = list[0].clone();
        revoked.revoke().expect("revoke");
        assert!(
            matches!(
                invitations::update_invitation(&mut connection, GLOBEX, &revoked),
                Err(StoreError::NotFound)
            ),
            "{backend}"
        );
        assert!(
            invitations::list_invitations(&mut connection, GLOBEX, &InvitationFilter::default())
                .expect("list")
                .is_empty()
        );
        let stored = invitations::get_invitation(&mut connection, ACME, id).expect("mine");
        assert_eq!(
            stored.invitation.state,
            InvitationState::Pending,
            "{backend}: unchanged"
        );
    }
}

fn message(n: u128, at: DateTime<Utc>) -> OutboxMessage {
    OutboxMessage {
        id: Uuid::from_u128(n),
        account: ACME,
        message_id: format!("<{n}@tessera.test>"),
        kind: MessageKind::Invitation {
            invitation: Uuid::from_u128(n),
        },
        recipient: "ana@example.com".into(),
        locale: "en".into(),
        attempts: 0,
        created_at: at,
    }
}

/// Claims due messages, which must all be readable.
fn claim(
    connection: &mut DbConnection,
    now: DateTime<Utc>,
    stale: Duration,
    limit: i64,
) -> Result<Vec<OutboxMessage>, StoreError> {
    let claimed = outbox::claim_due(connection, now, stale, limit)?;
    assert!(claimed.unreadable.is_empty(), "{:?}", claimed.unreadable);
    Ok(claimed.messages)
}

fn states(connection: &mut DbConnection) -> Vec<(String, OutboxState, i32)> {
    outbox::outbox_entries(connection, ACME)
        .expect("entries")
        .into_iter()
        .map(|e| (e.message_id, e.state, e.attempts))
        .collect()
}

#[test]
fn released_claims_are_pending_again_with_their_attempt_taken_back() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed(&mut connection);
        outbox::enqueue(&mut connection, &[message(1, now()), message(2, now())]).expect("enqueue");
        let claimed = claim(&mut connection, now(), Duration::minutes(10), 10).expect("claim");
        assert_eq!(claimed.len(), 2, "{backend}");
        outbox::record_outcome(&mut connection, &claimed[0], &DeliveryOutcome::Sent, now())
            .expect("sent");
        outbox::release_claims(&mut connection, &claimed, now()).expect("release");
        let mut after = states(&mut connection);
        after.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            after,
            vec![
                ("<1@tessera.test>".to_owned(), OutboxState::Sent, 1),
                ("<2@tessera.test>".to_owned(), OutboxState::Pending, 0),
            ],
            "{backend}: a settled message stays settled; the other is pending, unattempted"
        );
        let again = claim(&mut connection, now(), Duration::minutes(10), 10).expect("claim");
        assert_eq!(again.len(), 1, "{backend}: due again at once");
        assert_eq!(again[0].message_id, "<2@tessera.test>");
    }
}

#[test]
fn an_unreadable_message_is_failed_and_reported_not_retried() {
    use diesel::RunQueryDsl;
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed(&mut connection);
        outbox::enqueue(&mut connection, &[message(1, now()), message(2, now())]).expect("enqueue");
        diesel::sql_query(
            "UPDATE outbox SET payload = '{\"kind\":\"fax\"}' WHERE message_id = '<2@tessera.test>'",
        )
        .execute(&mut connection)
        .expect("tamper");
        let claimed =
            outbox::claim_due(&mut connection, now(), Duration::minutes(10), 10).expect("claim");
        assert_eq!(claimed.messages.len(), 1, "{backend}");
        assert_eq!(claimed.unreadable.len(), 1, "{backend}");
        assert!(
            claimed.unreadable[0].contains("<2@tessera.test>"),
            "{backend}: {:?}",
            claimed.unreadable
        );
        let failed: Vec<_> = states(&mut connection)
            .into_iter()
            .filter(|(_, state, _)| *state == OutboxState::Failed)
            .collect();
        assert_eq!(failed.len(), 1, "{backend}");
        let later = now() + Duration::days(1);
        assert!(
            outbox::claim_due(&mut connection, later, Duration::minutes(10), 10)
                .expect("claim")
                .unreadable
                .is_empty(),
            "{backend}: reported once"
        );
    }
}

#[test]
fn the_outbox_hands_each_message_out_once_and_again_only_after_a_crash() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed(&mut connection);
        outbox::enqueue(
            &mut connection,
            &[message(1, now()), message(2, now() + Duration::minutes(5))],
        )
        .expect("enqueue");
        assert!(
            matches!(
                outbox::enqueue(
                    &mut connection,
                    &[message(3, now())].map(|mut m| {
                        m.message_id = "<1@tessera.test>".into();
                        m
                    })
                ),
                Err(StoreError::Conflict { .. })
            ),
            "{backend}: Message-IDs are unique"
        );
        let stale = Duration::minutes(10);
        let claimed = claim(&mut connection, now(), stale, 10).expect("claim");
        assert_eq!(
            claimed.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![Uuid::from_u128(1)],
            "{backend}: only what is due"
        );
        assert_eq!(claimed[0].attempts, 1);
        assert!(
            claim(&mut connection, now(), stale, 10)
                .expect("claim")
                .is_empty(),
            "{backend}: not twice"
        );

        // A sender that crashed leaves it `sending`; after `stale` it is handed out again,
        // with the same Message-ID.
        let later = now() + stale + Duration::seconds(1);
        let reclaimed = claim(&mut connection, later, stale, 10).expect("reclaim");
        let first = reclaimed
            .iter()
            .find(|m| m.id == Uuid::from_u128(1))
            .expect("reclaimed");
        assert_eq!(
            (first.message_id.as_str(), first.attempts),
            ("<1@tessera.test>", 2),
            "{backend}"
        );
        outbox::record_outcome(&mut connection, first, &DeliveryOutcome::Sent, later)
            .expect("sent");

        let second = reclaimed
            .iter()
            .find(|m| m.id == Uuid::from_u128(2))
            .expect("due by now");
        let retry_at = later + Duration::minutes(1);
        outbox::record_outcome(
            &mut connection,
            second,
            &DeliveryOutcome::RetryAt(retry_at, "421 busy".into()),
            later,
        )
        .expect("retry");
        assert!(
            claim(&mut connection, later, stale, 10)
                .expect("claim")
                .is_empty(),
            "{backend}: backoff"
        );
        let retried = claim(&mut connection, retry_at, stale, 10).expect("claim");
        assert_eq!(retried.len(), 1, "{backend}");
        outbox::record_outcome(
            &mut connection,
            &retried[0],
            &DeliveryOutcome::Bounced("550 no such user".into()),
            retry_at,
        )
        .expect("bounced");
        let much_later = retry_at + Duration::days(1);
        assert!(
            claim(&mut connection, much_later, stale, 10)
                .expect("claim")
                .is_empty(),
            "{backend}: done"
        );
    }
}

/// Failure counts: per client address across accounts, per account across addresses, only
/// within the window; any number of accounts in one call.
#[test]
fn failures_are_counted_by_address_and_by_account() {
    for (name, db) in TestDb::all() {
        let mut connection = db.migrated();
        seed(&mut connection);
        let third = AccountId::from_u128(3);
        accounts::create(&mut connection, third, "Initech", now()).expect("third");
        let record = |connection: &mut DbConnection, n: u128, account, addr: &str, at| {
            attempts::record_verification_failure(
                connection,
                Uuid::from_u128(n),
                account,
                addr,
                at,
            )
            .expect("failure");
        };
        record(&mut connection, 1, Some(ACME), "10.0.0.1", now());
        record(&mut connection, 2, Some(ACME), "10.0.0.2", now());
        record(&mut connection, 3, Some(GLOBEX), "10.0.0.1", now());
        record(&mut connection, 4, None, "10.0.0.1", now());
        record(&mut connection, 5, Some(third), "10.0.0.1", now());
        // Outside the window: not counted.
        record(
            &mut connection,
            6,
            Some(ACME),
            "10.0.0.1",
            now() - Duration::hours(2),
        );
        let since = now() - Duration::hours(1);
        for (accounts, expected) in [
            (vec![], (4, vec![])),
            (vec![ACME], (4, vec![2])),
            (vec![ACME, GLOBEX], (4, vec![2, 1])),
            (vec![GLOBEX, ACME, third], (4, vec![1, 2, 1])),
        ] {
            assert_eq!(
                attempts::verification_failure_counts(
                    &mut connection,
                    "10.0.0.1",
                    &accounts,
                    since
                )
                .expect("counts"),
                expected,
                "[{name}] {accounts:?}"
            );
        }
        assert_eq!(
            attempts::verification_failure_counts(&mut connection, "10.9.9.9", &[ACME], since)
                .expect("counts"),
            (0, vec![2]),
            "[{name}]"
        );
    }
}

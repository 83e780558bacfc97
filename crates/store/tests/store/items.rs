//! The item catalog and recipient groups, on both backends, scoped by account.

use chrono::{DateTime, Utc};
use tessera_core::{AccountId, Uuid};
use tessera_invitations::{Item, ItemKind};
use tessera_store::items::{self, CatalogItem, RecipientGroup};
use tessera_store::testing::TestDb;
use tessera_store::{StoreError, accounts};

const ACME: AccountId = AccountId::from_u128(1);
const GLOBEX: AccountId = AccountId::from_u128(2);

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).expect("timestamp")
}

fn catalog_item(
    id: u128,
    external: &str,
    kind: ItemKind,
    title: &str,
    entries: &[Uuid],
) -> CatalogItem {
    CatalogItem {
        item: Item {
            id: Uuid::from_u128(id),
            kind,
            title: title.into(),
            entries: entries.to_vec(),
        },
        external_id: external.into(),
        description: format!("about {title}"),
        business_domain: "Sales".into(),
        app: "crm".into(),
        updated_at: now(),
    }
}

#[test]
fn upsert_is_idempotent_by_external_id_and_keeps_wish_list_order() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        accounts::create(&mut connection, ACME, "Acme", now()).expect("account");
        let flow = catalog_item(1, "wf-1", ItemKind::Workflow, "Onboarding", &[]);
        let task = catalog_item(2, "t-1", ItemKind::Task, "Call", &[]);
        assert_eq!(
            items::upsert(&mut connection, ACME, &flow).expect("flow"),
            flow.item.id
        );
        items::upsert(&mut connection, ACME, &task).expect("task");
        // Registering the same external id again (with a new id and title) updates in place.
        let renamed = catalog_item(99, "wf-1", ItemKind::Workflow, "Onboarding v2", &[]);
        assert_eq!(
            items::upsert(&mut connection, ACME, &renamed).expect("again"),
            flow.item.id,
            "{backend}"
        );
        let list = catalog_item(
            3,
            "wl-1",
            ItemKind::WishList,
            "List",
            &[task.item.id, flow.item.id],
        );
        items::upsert(&mut connection, ACME, &list).expect("list");

        let all = items::list(&mut connection, ACME).expect("list");
        assert_eq!(all.len(), 3, "{backend}: one row per external id");
        let stored = items::get(&mut connection, ACME, flow.item.id).expect("get");
        assert_eq!(stored.item.title, "Onboarding v2", "{backend}");
        let stored_list = items::get(&mut connection, ACME, list.item.id).expect("get list");
        assert_eq!(
            stored_list.item.entries,
            vec![task.item.id, flow.item.id],
            "{backend}: order kept"
        );
        assert_eq!(stored_list.business_domain, "Sales");

        // Re-registering the wish list replaces its entries.
        let shorter = catalog_item(3, "wl-1", ItemKind::WishList, "List", &[flow.item.id]);
        items::upsert(&mut connection, ACME, &shorter).expect("shorter");
        let stored_list = items::get(&mut connection, ACME, list.item.id).expect("get list");
        assert_eq!(stored_list.item.entries, vec![flow.item.id], "{backend}");
    }
}

#[test]
fn items_and_groups_stay_in_their_account() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        accounts::create(&mut connection, ACME, "Acme", now()).expect("acme");
        accounts::create(&mut connection, GLOBEX, "Globex", now()).expect("globex");
        let flow = catalog_item(1, "wf-1", ItemKind::Workflow, "Onboarding", &[]);
        items::upsert(&mut connection, ACME, &flow).expect("flow");
        assert!(
            matches!(
                items::get(&mut connection, GLOBEX, flow.item.id),
                Err(StoreError::NotFound)
            ),
            "{backend}"
        );
        assert!(
            items::list(&mut connection, GLOBEX)
                .expect("list")
                .is_empty(),
            "{backend}"
        );
        // The same external id in another account is another item.
        let theirs = catalog_item(7, "wf-1", ItemKind::Workflow, "Theirs", &[]);
        assert_eq!(
            items::upsert(&mut connection, GLOBEX, &theirs).expect("theirs"),
            theirs.item.id
        );
        assert_eq!(
            items::get(&mut connection, ACME, flow.item.id)
                .expect("mine")
                .item
                .title,
            "Onboarding"
        );

        let group = RecipientGroup {
            id: Uuid::from_u128(10),
            name: "Partners".into(),
            emails: vec!["a@example.com".into(), "b@example.com".into()],
        };
        items::save_group(&mut connection, ACME, &group).expect("group");
        let edited = RecipientGroup {
            emails: vec!["c@example.com".into()],
            ..group.clone()
        };
        items::save_group(&mut connection, ACME, &edited).expect("edit");
        assert_eq!(
            items::groups(&mut connection, ACME).expect("groups"),
            vec![edited],
            "{backend}"
        );
        let clash = RecipientGroup {
            id: Uuid::from_u128(11),
            name: "Partners".into(),
            emails: vec![],
        };
        assert!(
            matches!(
                items::save_group(&mut connection, ACME, &clash),
                Err(StoreError::Conflict { .. })
            ),
            "{backend}"
        );
        assert!(
            items::groups(&mut connection, GLOBEX)
                .expect("groups")
                .is_empty(),
            "{backend}"
        );
        assert!(
            matches!(
                items::delete_group(&mut connection, GLOBEX, group.id),
                Err(StoreError::NotFound)
            ),
            "{backend}"
        );
        items::delete_group(&mut connection, ACME, group.id).expect("delete");
        assert!(
            items::groups(&mut connection, ACME)
                .expect("groups")
                .is_empty(),
            "{backend}"
        );
    }
}

#[test]
fn invitation_validity_is_an_account_setting() {
    for (backend, db) in TestDb::all() {
        let mut connection = db.migrated();
        accounts::create(&mut connection, ACME, "Acme", now()).expect("acme");
        assert_eq!(
            accounts::invitation_validity_days(&mut connection, ACME).expect("days"),
            14,
            "{backend}"
        );
        accounts::set_invitation_validity_days(&mut connection, ACME, 30).expect("set");
        assert_eq!(
            accounts::invitation_validity_days(&mut connection, ACME).expect("days"),
            30,
            "{backend}"
        );
        assert!(matches!(
            accounts::set_invitation_validity_days(&mut connection, GLOBEX, 30),
            Err(StoreError::NotFound)
        ));
    }
}

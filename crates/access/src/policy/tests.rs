use tessera_core::{RoleId, ScopeId, UserId};

use super::*;
use crate::{ADMIN_ROLE, CheckError, PREDEFINED_ROLES, standard_tree};

const RELEASER: RoleId = RoleId::from_u128(100);
const ANA: UserId = UserId::from_u128(1);
const BOB: UserId = UserId::from_u128(2);

fn policy() -> Policy {
    let tree = standard_tree(&["crm", "hr"], &["test", "production"], &[]).unwrap();
    let mut policy = Policy::standard(tree).unwrap();
    policy
        .add_role(
            Role::custom(RELEASER, "Releaser")
                .with("workspace", Level::Read)
                .with("publish_rights", Level::Write)
                .with("publish_rights/env:test", Setting::Inherit)
                .with("publish_rights/env:production", Level::None),
        )
        .unwrap();
    policy.assign(ANA, RELEASER).unwrap();
    policy
}

fn id(policy: &Policy, path: &str) -> FeatureId {
    policy.feature(path).unwrap()
}

#[test]
fn nearest_explicit_setting_wins() {
    let p = policy();
    assert_eq!(
        p.level(ANA, id(&p, "publish_rights/env:test")).unwrap(),
        Level::Write
    );
    assert_eq!(
        p.level(ANA, id(&p, "publish_rights/env:production"))
            .unwrap(),
        Level::None
    );
    assert_eq!(
        p.level(ANA, id(&p, "workspace/app:crm")).unwrap(),
        Level::Read
    );
    assert_eq!(p.level(ANA, id(&p, "insights")).unwrap(), Level::None);
    assert!(
        p.check(ANA, id(&p, "publish_rights"), Level::Modify)
            .unwrap()
    );
    assert!(
        !p.check(ANA, id(&p, "workspace/app:hr"), Level::Modify)
            .unwrap()
    );
}

#[test]
fn unknown_things_are_typed_errors() {
    let p = policy();
    let crm = id(&p, "workspace/app:crm");
    assert_eq!(
        p.level(BOB, crm),
        Err(CheckError::UnknownUser { user: BOB })
    );
    assert_eq!(
        p.check(ANA, FeatureId(9_999), Level::Read),
        Err(CheckError::UnknownFeatureId { id: 9_999 })
    );
    // `?` turns the hot path's small error into the crate's error.
    let via_question_mark = || -> Result<bool, AccessError> { Ok(p.check(BOB, crm, Level::Read)?) };
    assert_eq!(
        via_question_mark(),
        Err(AccessError::UnknownUser { user: BOB })
    );
    assert_eq!(
        p.explain(BOB, crm).unwrap_err().to_string(),
        CheckError::UnknownUser { user: BOB }.to_string()
    );
    assert_eq!(
        p.feature("nope"),
        Err(AccessError::UnknownFeature {
            path: "nope".into()
        })
    );
    let ghost = RoleId::from_u128(7);
    assert_eq!(p.role(ghost), Err(AccessError::UnknownRole { role: ghost }));
    let mut p = p;
    assert_eq!(
        p.assign(BOB, ghost),
        Err(AccessError::UnknownRole { role: ghost })
    );
    assert_eq!(
        p.remove_user(BOB),
        Err(AccessError::UnknownUser { user: BOB })
    );
    let err = p
        .add_role(Role::custom(RoleId::from_u128(8), "Bad").with("workspace/app:nope", Level::Read))
        .unwrap_err();
    assert_eq!(
        err,
        AccessError::UnknownFeature {
            path: "workspace/app:nope".into()
        }
    );
}

#[test]
fn unassigned_user_has_none_everywhere() {
    let mut p = policy();
    p.add_unassigned_user(BOB);
    assert_eq!(p.role_of(BOB).unwrap(), None);
    for (feature, _, _) in p.tree().iter() {
        assert_eq!(p.level(BOB, feature).unwrap(), Level::None);
    }
    assert!(p.what_can(BOB, Level::Read).unwrap().is_empty());
    let explanation = p.explain(BOB, id(&p, "workspace")).unwrap();
    assert_eq!(explanation.grant, Grant::Unassigned);
    assert_eq!(explanation.level, Level::None);
}

#[test]
fn predefined_roles_are_locked() {
    let mut p = policy();
    let admin = p.role(ADMIN_ROLE).unwrap();
    let locked = AccessError::PredefinedRole {
        role: ADMIN_ROLE,
        name: "Admin".into(),
    };
    assert_eq!(p.update_role(admin.clone()), Err(locked.clone()));
    assert_eq!(
        p.set_setting(ADMIN_ROLE, "workspace", Setting::None),
        Err(locked.clone())
    );
    assert_eq!(p.delete_role(ADMIN_ROLE), Err(locked));
    assert_eq!(p.role(ADMIN_ROLE).unwrap(), admin);
}

#[test]
fn custom_roles_can_be_edited_and_recompile_their_column() {
    let mut p = policy();
    let production = id(&p, "publish_rights/env:production");
    p.set_setting(RELEASER, "publish_rights/env:production", Setting::Inherit)
        .unwrap();
    assert_eq!(p.level(ANA, production).unwrap(), Level::Write);
    p.set_setting(RELEASER, "publish_rights", Setting::Read)
        .unwrap();
    assert_eq!(p.level(ANA, production).unwrap(), Level::Read);
    let renamed = Role::custom(RELEASER, "Reader").with("workspace", Level::Modify);
    p.update_role(renamed.clone()).unwrap();
    assert_eq!(p.role(RELEASER).unwrap(), renamed);
    assert_eq!(p.level(ANA, production).unwrap(), Level::None);
    assert_eq!(
        p.level(ANA, id(&p, "workspace/app:hr")).unwrap(),
        Level::Modify
    );
}

#[test]
fn names_and_ids_are_unique() {
    let mut p = policy();
    assert_eq!(
        p.add_role(Role::custom(RoleId::from_u128(5), "Admin")),
        Err(AccessError::DuplicateRoleName {
            name: "Admin".into()
        })
    );
    assert_eq!(
        p.add_role(Role::custom(RELEASER, "Other")),
        Err(AccessError::DuplicateRole { role: RELEASER })
    );
    assert_eq!(
        p.update_role(Role::custom(RELEASER, "Publisher")),
        Err(AccessError::DuplicateRoleName {
            name: "Publisher".into()
        })
    );
    assert!(matches!(
        p.add_role(Role::custom(RoleId::from_u128(5), " ")),
        Err(AccessError::InvalidRoleName { .. })
    ));
}

#[test]
fn names_are_unique_ignoring_case() {
    let mut p = policy();
    let editor = RoleId::from_u128(5);
    p.add_role(Role::custom(editor, "Editor")).unwrap();
    for clash in ["editor", "EDITOR", "Ｅｄｉｔｏｒ", "Editor\u{FE0F}"] {
        assert_eq!(
            p.add_role(Role::custom(RoleId::from_u128(6), clash)),
            Err(AccessError::DuplicateRoleName { name: clash.into() }),
            "{clash:?}"
        );
        assert_eq!(
            p.update_role(Role::custom(RELEASER, clash)),
            Err(AccessError::DuplicateRoleName { name: clash.into() }),
            "{clash:?}"
        );
    }
    // Internal whitespace runs count as one space.
    p.add_role(Role::custom(RoleId::from_u128(7), "Release manager"))
        .unwrap();
    assert_eq!(
        p.add_role(Role::custom(RoleId::from_u128(8), "release  MANAGER")),
        Err(AccessError::DuplicateRoleName {
            name: "release  MANAGER".into()
        })
    );
    assert_eq!(p.roles().len(), 11);
}

#[test]
fn custom_roles_cannot_look_like_predefined_ones() {
    let mut p = policy();
    let before = p.version();
    let new = RoleId::from_u128(5);
    for (_, predefined, _) in PREDEFINED_ROLES {
        for look_alike in [
            predefined.to_lowercase(),
            predefined.to_uppercase(),
            predefined.replace(' ', "   "),
        ] {
            assert_eq!(
                p.add_role(Role::custom(new, look_alike.clone())),
                Err(AccessError::DuplicateRoleName {
                    name: look_alike.clone()
                }),
                "{look_alike:?}"
            );
            assert_eq!(
                p.update_role(Role::custom(RELEASER, look_alike.clone())),
                Err(AccessError::DuplicateRoleName {
                    name: look_alike.clone()
                }),
                "{look_alike:?}"
            );
        }
    }
    assert_eq!(
        p.add_role(Role::custom(new, "Ａｄｍｉｎ")),
        Err(AccessError::DuplicateRoleName {
            name: "Ａｄｍｉｎ".into()
        })
    );
    // Hidden characters are refused outright, before any comparison.
    for hidden in ["Adm\u{200B}in", "\u{202E}nimdA", "Admin\u{2060}"] {
        assert!(
            matches!(
                p.add_role(Role::custom(new, hidden)),
                Err(AccessError::InvalidRoleName { ref name, .. }) if name == hidden
            ),
            "{hidden:?}"
        );
    }
    assert!(matches!(
        p.add_role_by_ids(new, "ADMIN", []),
        Err(AccessError::DuplicateRoleName { .. })
    ));
    assert!(matches!(
        p.add_roles_by_ids([(new, "admin".to_owned(), vec![])]),
        Err(AccessError::DuplicateRoleName { .. })
    ));
    assert_eq!((p.version(), p.roles().len()), (before, 9));
    assert_eq!(p.role(RELEASER).unwrap().name, "Releaser");
}

#[test]
fn a_role_can_be_renamed_to_its_own_name_in_another_case() {
    let mut p = policy();
    p.update_role(Role::custom(RELEASER, "RELEASER")).unwrap();
    assert_eq!(p.role(RELEASER).unwrap().name, "RELEASER");
    p.update_role(Role::custom(RELEASER, "releaser")).unwrap();
    assert_eq!(p.role(RELEASER).unwrap().name, "releaser");
    // The old name's key is released, the new one taken.
    p.update_role(Role::custom(RELEASER, "Shipper")).unwrap();
    p.add_role(Role::custom(RoleId::from_u128(5), "Releaser"))
        .unwrap();
    assert!(matches!(
        p.add_role(Role::custom(RoleId::from_u128(6), "SHIPPER")),
        Err(AccessError::DuplicateRoleName { .. })
    ));
}

#[test]
fn names_are_stored_in_nfc() {
    let mut p = policy();
    let jose = RoleId::from_u128(5);
    p.add_role(Role::custom(jose, "Jose\u{301}")).unwrap();
    assert_eq!(p.role(jose).unwrap().name, "Jos\u{E9}");
    assert_eq!(
        p.roles().find(|r| r.id == jose).map(|r| r.name),
        Some("Jos\u{E9}")
    );
    assert_eq!(
        p.add_role(Role::custom(RoleId::from_u128(6), "JOS\u{C9}")),
        Err(AccessError::DuplicateRoleName {
            name: "JOS\u{C9}".into()
        })
    );
    p.update_role(Role::custom(RELEASER, "Re\u{301}leaser"))
        .unwrap();
    assert_eq!(p.role(RELEASER).unwrap().name, "R\u{E9}leaser");
    p.add_role_by_ids(RoleId::from_u128(7), "Cafe\u{301}", [])
        .unwrap();
    assert_eq!(p.role(RoleId::from_u128(7)).unwrap().name, "Caf\u{E9}");
    // What is exported comes back identical.
    let copy = Policy::import(p.export()).unwrap();
    assert_eq!(copy.export(), p.export());
}

#[test]
fn bulk_loads_compare_new_names_by_key_too() {
    let mut p = policy();
    let before = (p.version(), p.roles().len());
    assert_eq!(
        p.add_roles([
            Role::custom(RoleId::from_u128(400), "Auditor"),
            Role::custom(RoleId::from_u128(401), "AUDITOR"),
        ]),
        Err(AccessError::DuplicateRoleName {
            name: "AUDITOR".into()
        })
    );
    assert_eq!(
        p.add_roles_by_ids([
            (RoleId::from_u128(400), "Auditor".to_owned(), vec![]),
            (RoleId::from_u128(401), "auditor".to_owned(), vec![]),
        ]),
        Err(AccessError::DuplicateRoleName {
            name: "auditor".into()
        })
    );
    assert_eq!((p.version(), p.roles().len()), before);
    // An imported document is held to the same rule.
    let mut document = p.export();
    document
        .roles
        .push(Role::custom(RoleId::from_u128(402), "releaser"));
    assert_eq!(
        Policy::import(document).err(),
        Some(AccessError::DuplicateRoleName {
            name: "releaser".into()
        })
    );
}

#[test]
fn predefined_names_are_free_in_a_policy_without_predefined_roles() {
    // Look-alikes are refused against the roles a policy has: a policy built without the
    // predefined roles may name a custom role "Admin".
    let tree = standard_tree(&["crm"], &["test"], &[]).unwrap();
    let mut p = Policy::new(tree);
    p.add_role(Role::custom(RoleId::from_u128(5), "Admin"))
        .unwrap();
    assert!(matches!(
        p.add_role(Role::custom(RoleId::from_u128(6), "admin")),
        Err(AccessError::DuplicateRoleName { .. })
    ));
}

#[test]
fn assigned_roles_cannot_be_deleted() {
    let mut p = policy();
    let spare = RoleId::from_u128(101);
    p.add_role(Role::custom(spare, "Spare").with("insights", Level::Read))
        .unwrap();
    p.assign(BOB, spare).unwrap();
    assert_eq!(
        p.delete_role(RELEASER),
        Err(AccessError::RoleInUse {
            role: RELEASER,
            name: "Releaser".into(),
            assignments: 1
        })
    );
    p.assign(ANA, ADMIN_ROLE).unwrap();
    p.assign_in(ANA, ScopeId::from_u128(9), RELEASER).unwrap();
    assert!(matches!(
        p.delete_role(RELEASER),
        Err(AccessError::RoleInUse { assignments: 1, .. })
    ));
    p.unassign_in(ANA, ScopeId::from_u128(9)).unwrap();
    p.delete_role(RELEASER).unwrap();
    assert_eq!(
        p.role(RELEASER),
        Err(AccessError::UnknownRole { role: RELEASER })
    );
    // Roles after the deleted one moved down a column; their users still resolve right.
    assert_eq!(p.role_of(BOB).unwrap(), Some(spare));
    assert_eq!(p.level(BOB, id(&p, "insights")).unwrap(), Level::Read);
    assert_eq!(p.level(ANA, id(&p, "customize")).unwrap(), Level::Write);
}

#[test]
fn every_change_bumps_the_version_and_failures_do_not() {
    let mut p = policy();
    let mut last = p.version();
    let mut bumped = |p: &Policy| {
        let now = p.version();
        assert!(now > last, "{now} after {last}");
        last = now;
    };
    p.add_app("billing").unwrap();
    bumped(&p);
    p.assign(BOB, ADMIN_ROLE).unwrap();
    bumped(&p);
    p.set_setting(RELEASER, "insights", Setting::Read).unwrap();
    bumped(&p);
    p.assign_in(BOB, ScopeId::from_u128(1), RELEASER).unwrap();
    bumped(&p);
    p.remove_user(BOB).unwrap();
    bumped(&p);
    let before = p.version();
    assert!(p.delete_role(ADMIN_ROLE).is_err());
    assert!(p.add_app("billing").is_err());
    assert_eq!(p.version(), before);
    assert!(p.is_at_least(before) && !p.is_at_least(PolicyVersion(before.0 + 1)));
    assert_eq!(
        p.clone().with_version(PolicyVersion(77)).version(),
        PolicyVersion(77)
    );
}

#[test]
fn added_features_inherit_from_their_parent_in_every_role() {
    let mut p = policy();
    p.assign(BOB, RoleId::from_u128(PREDEFINED_TRANSLATOR))
        .unwrap();
    let billing = p.add_app("billing").unwrap();
    assert_eq!(p.level(ANA, billing).unwrap(), Level::Read);
    assert_eq!(p.level(BOB, billing).unwrap(), Level::Read);
    let staging = p.add_environment("staging").unwrap();
    assert_eq!(p.level(ANA, staging[0]).unwrap(), Level::Write);
    assert_eq!(p.table_pairs(), p.tree().len() * p.roles().len());
    // A role can now set the new feature explicitly.
    p.set_setting(RELEASER, "workspace/app:billing", Setting::None)
        .unwrap();
    assert_eq!(p.level(ANA, billing).unwrap(), Level::None);
}

const PREDEFINED_TRANSLATOR: u128 = PREDEFINED_ROLES[5].0;

#[test]
fn multi_system_additions() {
    let tree = standard_tree(&["crm"], &["test", "production"], &["sap", "crm_cloud"]).unwrap();
    let mut p = Policy::standard(tree).unwrap();
    assert_eq!(p.systems().unwrap(), vec!["sap", "crm_cloud"]);
    assert_eq!(p.environments().unwrap(), vec!["test", "production"]);
    let added = p.add_environment("staging").unwrap();
    assert_eq!(added.len(), 2);
    assert!(
        p.feature("publish_rights/system:crm_cloud/env:staging")
            .is_ok()
    );
    let added = p.add_system("oracle").unwrap();
    assert_eq!(added.len(), 4);
    assert!(
        p.feature("publish_rights/system:oracle/env:staging")
            .is_ok()
    );
    let before = p.version();
    assert_eq!(
        p.add_system("oracle"),
        Err(AccessError::DuplicateFeature {
            path: "publish_rights/system:oracle".into()
        })
    );
    assert!(matches!(
        p.add_system("Bad Name"),
        Err(AccessError::InvalidPath { .. })
    ));
    assert_eq!(p.version(), before);
}

#[test]
fn explain_walks_the_inherit_chain() {
    let mut p = policy();
    let test = id(&p, "publish_rights/env:test");
    let e = p.explain(ANA, test).unwrap();
    assert_eq!(e.level, Level::Write);
    assert_eq!(
        e.grant,
        Grant::AccountRole {
            role: RELEASER,
            role_name: "Releaser".into()
        }
    );
    assert_eq!(
        e.set_on.as_ref().map(FeaturePath::as_str),
        Some("publish_rights")
    );
    let chain: Vec<&str> = e
        .inherited_through
        .iter()
        .map(FeaturePath::as_str)
        .collect();
    assert_eq!(chain, vec!["publish_rights/env:test"]);
    assert!(e.to_string().contains("set on `publish_rights`"), "{e}");

    let production = p
        .explain(ANA, id(&p, "publish_rights/env:production"))
        .unwrap();
    assert_eq!(production.level, Level::None);
    assert!(production.inherited_through.is_empty());

    let insights = p.explain(ANA, id(&p, "insights")).unwrap();
    assert_eq!((insights.level, insights.set_on), (Level::None, None));

    let scope = ScopeId::from_u128(3);
    p.assign_in(ANA, scope, ADMIN_ROLE).unwrap();
    let scoped = p.explain_in(ANA, scope, id(&p, "insights")).unwrap();
    assert_eq!(scoped.level, Level::Write);
    assert!(matches!(scoped.grant, Grant::ScopedRole { scope: s, .. } if s == scope));
}

#[test]
fn scoped_roles_replace_the_account_role_inside_their_scope() {
    let mut p = policy();
    let case = ScopeId::from_u128(10);
    let other = ScopeId::from_u128(11);
    let insights = id(&p, "insights");
    p.assign_in(BOB, case, ADMIN_ROLE).unwrap();
    assert_eq!(p.role_of(BOB).unwrap(), None);
    assert_eq!(p.level(BOB, insights).unwrap(), Level::None);
    assert_eq!(p.level_in(BOB, case, insights).unwrap(), Level::Write);
    assert_eq!(p.level_in(BOB, other, insights).unwrap(), Level::None);
    assert_eq!(
        p.level_in(ANA, case, id(&p, "publish_rights")).unwrap(),
        Level::Write
    );
    assert!(p.check_in(BOB, case, insights, Level::Write).unwrap());
    assert_eq!(p.role_in(BOB, case).unwrap(), Some(ADMIN_ROLE));
    assert!(p.unassign_in(BOB, case).unwrap());
    assert!(!p.unassign_in(BOB, case).unwrap());
    assert_eq!(p.level_in(BOB, case, insights).unwrap(), Level::None);
}

#[test]
fn who_can_what_can_and_roles_with() {
    let mut p = policy();
    let carol = UserId::from_u128(3);
    p.assign(BOB, ADMIN_ROLE).unwrap();
    p.assign(carol, RoleId::from_u128(PREDEFINED_TRANSLATOR))
        .unwrap();
    let production = id(&p, "publish_rights/env:production");
    assert_eq!(p.who_can(production, Level::Write).unwrap(), vec![BOB]);
    let mut readers = p.who_can(id(&p, "workspace/app:crm"), Level::Read).unwrap();
    readers.sort();
    assert_eq!(readers, vec![ANA, BOB, carol]);
    let publishers = p.roles_with(production, Level::Write).unwrap();
    assert_eq!(publishers.len(), 3); // Admin, Publisher, Workspace Owner
    let reach = p.what_can(ANA, Level::Write).unwrap();
    let paths: Vec<&str> = reach
        .iter()
        .map(|(f, _)| p.tree().path(*f).unwrap().as_str())
        .collect();
    assert_eq!(paths, vec!["publish_rights", "publish_rights/env:test"]);
    // Reassigning moves the user between member lists.
    p.assign(BOB, RELEASER).unwrap();
    assert!(p.who_can(production, Level::Write).unwrap().is_empty());
    p.remove_user(ANA).unwrap();
    assert_eq!(
        p.who_can(id(&p, "publish_rights/env:test"), Level::Write)
            .unwrap(),
        vec![BOB]
    );
}

#[test]
fn batch_errors_name_the_query() {
    let p = policy();
    let crm = id(&p, "workspace/app:crm");
    let ok = p
        .check_batch(&[
            CheckQuery {
                user: ANA,
                feature: crm,
                at_least: Level::Read,
            },
            CheckQuery {
                user: ANA,
                feature: crm,
                at_least: Level::Write,
            },
        ])
        .unwrap();
    assert_eq!(ok, vec![true, false]);
    let err = p
        .check_batch(&[
            CheckQuery {
                user: ANA,
                feature: crm,
                at_least: Level::Read,
            },
            CheckQuery {
                user: BOB,
                feature: crm,
                at_least: Level::Read,
            },
        ])
        .unwrap_err();
    assert_eq!(
        err,
        AccessError::InBatch {
            index: 1,
            source: Box::new(AccessError::UnknownUser { user: BOB })
        }
    );
    assert_eq!(err.to_string(), format!("check #1: unknown user `{BOB}`"));
}

#[test]
fn export_import_round_trip_and_validation() {
    let p = policy();
    let doc = p.export();
    let json = serde_json::to_string(&doc).unwrap();
    let back = Policy::import(serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(back.export(), doc);
    assert_eq!(back.role(RELEASER).unwrap(), p.role(RELEASER).unwrap());
    assert!(back.role(ADMIN_ROLE).unwrap().predefined);

    let mut broken = doc.clone();
    broken.features.push("workspace/app:x/y z".into());
    assert!(matches!(
        Policy::import(broken),
        Err(AccessError::InvalidPath { path, .. }) if path == "workspace/app:x/y z"
    ));
    let mut orphan = doc;
    orphan.roles[8]
        .settings
        .insert(FeaturePath::parse("ghost").unwrap(), Setting::Read);
    assert_eq!(
        Policy::import(orphan).unwrap_err(),
        AccessError::UnknownFeature {
            path: "ghost".into()
        }
    );
    let err = serde_json::from_str::<PolicyDocument>(r#"{"features":[],"roles":[],"extra":1}"#);
    assert!(err.is_err());
}

#[test]
fn bulk_role_load_is_all_or_nothing() {
    let mut p = policy();
    let workspace = id(&p, "workspace");
    let before = p.version();
    let result = p.add_roles_by_ids([
        (
            RoleId::from_u128(200),
            "A".to_owned(),
            vec![(workspace, Setting::Read)],
        ),
        (RoleId::from_u128(201), "A".to_owned(), vec![]),
    ]);
    assert_eq!(
        result,
        Err(AccessError::DuplicateRoleName { name: "A".into() })
    );
    assert_eq!((p.version(), p.roles().len()), (before, 9));
    p.add_roles_by_ids([
        (
            RoleId::from_u128(200),
            "A".to_owned(),
            vec![(workspace, Setting::Read)],
        ),
        (
            RoleId::from_u128(201),
            "B".to_owned(),
            vec![(workspace, Setting::Inherit)],
        ),
    ])
    .unwrap();
    p.assign(BOB, RoleId::from_u128(200)).unwrap();
    assert_eq!(
        p.level(BOB, id(&p, "workspace/app:hr")).unwrap(),
        Level::Read
    );
    assert!(p.role(RoleId::from_u128(201)).unwrap().settings.is_empty());
}

#[test]
fn the_table_costs_one_byte_per_role_and_feature() {
    let mut p = policy();
    assert_eq!(p.table_bytes(), p.tree().len() * p.roles().len());
    for i in 0..200 {
        p.add_app(&format!("app{i}")).unwrap();
    }
    let pairs = p.tree().len() * p.roles().len();
    assert_eq!(p.table_pairs(), pairs);
    // Growth keeps bounded spare room: one row, or 1/32 of the table.
    assert!(
        p.table_bytes() <= pairs + pairs / 32 + p.roles().len(),
        "{}",
        p.table_bytes()
    );
}

#[test]
fn settings_by_id_may_come_unsorted_and_the_last_one_wins() {
    let mut p = policy();
    let (workspace, insights) = (id(&p, "workspace"), id(&p, "insights"));
    let role = RoleId::from_u128(300);
    p.add_role_by_ids(
        role,
        "Unsorted",
        [
            (insights, Setting::Read),
            (workspace, Setting::Write),
            (insights, Setting::Inherit),
            (workspace, Setting::Modify),
        ],
    )
    .unwrap();
    p.assign(BOB, role).unwrap();
    assert_eq!(p.level(BOB, workspace).unwrap(), Level::Modify);
    assert_eq!(p.level(BOB, insights).unwrap(), Level::None);
    assert_eq!(
        p.add_role_by_ids(
            RoleId::from_u128(301),
            "Bad",
            [(FeatureId(9_999), Setting::Read)]
        ),
        Err(AccessError::UnknownFeatureId { id: 9_999 })
    );
}

#[test]
fn adding_roles_in_bulk_is_all_or_nothing() {
    let mut p = policy();
    let before = (p.version(), p.roles().len());
    let err = p
        .add_roles([
            Role::custom(RoleId::from_u128(400), "One").with("insights", Level::Read),
            Role::custom(RoleId::from_u128(401), "One"),
        ])
        .unwrap_err();
    assert_eq!(err, AccessError::DuplicateRoleName { name: "One".into() });
    assert_eq!((p.version(), p.roles().len()), before);
    p.add_roles([
        Role::custom(RoleId::from_u128(400), "One").with("insights", Level::Read),
        Role::custom(RoleId::from_u128(401), "Two"),
    ])
    .unwrap();
    assert_eq!(p.roles().len(), before.1 + 2);
    assert_eq!(p.version().0, before.0.0 + 1);
    p.assign(BOB, RoleId::from_u128(400)).unwrap();
    assert_eq!(p.level(BOB, id(&p, "insights")).unwrap(), Level::Read);
}

#[test]
fn a_user_handle_answers_as_check_until_the_policy_changes() {
    let mut policy = policy();
    let unassigned = UserId::from_u128(99);
    policy.add_unassigned_user(unassigned);
    policy.assign(BOB, ADMIN_ROLE).unwrap();
    let users = [ANA, BOB, unassigned];
    let features: Vec<FeatureId> = policy.tree().iter().map(|(id, _, _)| id).collect();
    for user in &users {
        let handle = policy.user_handle(*user).unwrap();
        for feature in &features {
            for level in Level::ALL {
                assert_eq!(
                    policy.check_handle(handle, *feature, level).unwrap(),
                    policy.check(*user, *feature, level).unwrap(),
                    "{user} {feature:?} {level:?}"
                );
            }
        }
    }
    assert_eq!(
        policy.user_handle(UserId::from_u128(1234)),
        Err(CheckError::UnknownUser {
            user: UserId::from_u128(1234)
        })
    );
    let handle = policy.user_handle(users[0]).unwrap();
    let taken = policy.version().0;
    policy.assign(users[0], ADMIN_ROLE).unwrap();
    assert_eq!(
        policy.check_handle(handle, features[0], Level::Read),
        Err(CheckError::StaleHandle {
            taken,
            current: policy.version().0
        })
    );
    let fresh = policy.user_handle(users[0]).unwrap();
    assert!(
        policy
            .check_handle(fresh, features[0], Level::Write)
            .unwrap()
    );
}

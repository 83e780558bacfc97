//! A check, a batch check into an existing answer and a level lookup allocate nothing.
//! Counted with dhat's heap profiler in testing mode.

use tessera_access::{Level, Policy, Role, standard_tree};
use tessera_core::{RoleId, UserId};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

#[test]
fn checks_do_not_allocate() {
    let apps: Vec<String> = (0..20).map(|a| format!("a{a}")).collect();
    let apps: Vec<&str> = apps.iter().map(String::as_str).collect();
    let tree = standard_tree(&apps, &["test", "production"], &["sap"]).expect("tree");
    let mut policy = Policy::standard(tree).expect("policy");
    let custom = RoleId::from_u128(1_000);
    policy
        .add_role(Role::custom(custom, "Custom").with("publish_rights", Level::Write))
        .expect("role");
    let roles: Vec<RoleId> = policy.roles().map(|r| r.id).collect();
    let users: Vec<UserId> = (1..=500u128)
        .map(|i| UserId::from_u128(i * 0x9E37_79B9))
        .collect();
    for (i, user) in users.iter().enumerate() {
        policy
            .assign(*user, roles[i % roles.len()])
            .expect("assign");
    }
    let features: Vec<_> = policy.tree().iter().map(|(id, _, _)| id).collect();
    let stranger = UserId::from_u128(7);

    let _profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get();
    let mut allowed = 0usize;
    for (i, user) in users.iter().enumerate() {
        let feature = features[i % features.len()];
        allowed += usize::from(policy.check(*user, feature, Level::Read).expect("check"));
        allowed += usize::from(policy.level(*user, feature).expect("level") >= Level::Modify);
        let handle = policy.user_handle(*user).expect("handle");
        allowed += usize::from(
            policy
                .check_handle(handle, feature, Level::Write)
                .expect("check with a handle"),
        );
    }
    // An unknown user is an error value, not an allocation either.
    assert!(policy.check(stranger, features[0], Level::Read).is_err());
    let after = dhat::HeapStats::get();
    dhat::assert_eq!(after.total_blocks, before.total_blocks);
    assert!(allowed > 0);
}

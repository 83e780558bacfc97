//! A tour of the permission engine: the standard tree, a custom role, checks, "why", "who can"
//! and "what can". Run with `cargo run --example engine`.

use tessera::access::{AccessError, Level, Policy, Role, Setting, standard_tree};
use tessera::core::{RoleId, UserId};

fn main() -> Result<(), AccessError> {
    // The standard tree of an account with two apps, two environments and one system.
    let tree = standard_tree(&["crm", "billing"], &["test", "production"], &["sap"])?;
    let mut policy = Policy::standard(tree)?;
    println!(
        "standard tree: {} features, {} predefined roles",
        policy.tree().len(),
        policy.roles().len()
    );

    // A custom role: may publish to test, never to production, and edit the CRM app's texts.
    let release_manager = RoleId::from_u128(0x100);
    policy.add_role(
        Role::custom(release_manager, "Release manager")
            .with("workspace", Level::Read)
            .with("workspace/app:crm", Level::Modify)
            .with("publish_rights", Level::Write)
            .with("publish_rights/system:sap/env:production", Setting::None),
    )?;

    let ana = UserId::from_u128(1);
    let bob = UserId::from_u128(2);
    let translator = policy
        .roles()
        .find(|r| r.name == "Translator")
        .map(|r| r.id);
    policy.assign(ana, release_manager)?;
    if let Some(translator) = translator {
        policy.assign(bob, translator)?;
    }
    println!("policy version after setup: {}", policy.version());

    println!("\nchecks:");
    for (user, name) in [(ana, "ana"), (bob, "bob")] {
        for (path, level) in [
            ("workspace/app:crm", Level::Modify),
            ("publish_rights/system:sap/env:test", Level::Write),
            ("publish_rights/system:sap/env:production", Level::Read),
            ("edit_languages", Level::Write),
        ] {
            let feature = policy.feature(path)?;
            let allowed = policy.check(user, feature, level)?;
            println!(
                "  {name:>3} {level:>6} {path:<42} {}",
                if allowed { "allowed" } else { "denied" }
            );
        }
    }

    println!("\nwhy:");
    for path in [
        "publish_rights/system:sap/env:test",
        "publish_rights/system:sap/env:production",
    ] {
        println!("  {}", policy.explain(ana, policy.feature(path)?)?);
    }

    println!("\nwho can write publish_rights/system:sap/env:test:");
    let test = policy.feature("publish_rights/system:sap/env:test")?;
    for user in policy.who_can(test, Level::Write)? {
        println!("  {user}");
    }

    println!("\nwhat can ana modify:");
    for (feature, level) in policy.what_can(ana, Level::Modify)? {
        println!("  {:<42} {level}", policy.tree().path(feature)?);
    }

    // A new app at run time: every role inherits from `workspace` there at once.
    let hr = policy.add_app("hr")?;
    println!(
        "\nadded workspace/app:hr; ana has `{}` there (version {})",
        policy.level(ana, hr)?,
        policy.version()
    );
    Ok(())
}

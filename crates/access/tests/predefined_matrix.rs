//! Pins the predefined roles to the SPEC's table, feature by feature, on a standard tree with
//! apps, environments and systems: every child inherits its top-level feature's level.

#![allow(
    clippy::panic,
    reason = "test helpers fail loudly on a malformed table"
)]

use tessera_access::{Level, Policy, standard_tree};
use tessera_core::UserId;

/// The SPEC §1 table, verbatim (`-` = none).
const SPEC_TABLE: &str = "
| role | workspace | insights | user_management | edit_languages | settings | publish_rights | customize |
| Admin | write | write | write | write | write | write | write |
| Analytics Access | - | read | - | - | - | - | - |
| Content Curator | read | - | - | - | - | - | - |
| Content Moderator | write | - | - | - | - | - | - |
| Publisher | read | - | - | - | - | write | - |
| Translator | read | - | - | write | - | - | - |
| Workspace Moderator | modify | write | - | write | write | - | write |
| Workspace Owner | write | write | - | write | write | write | write |
";

fn cells(line: &str) -> Vec<&str> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .collect()
}

fn level(cell: &str) -> Level {
    match cell {
        "-" => Level::None,
        "read" => Level::Read,
        "modify" => Level::Modify,
        "write" => Level::Write,
        other => panic!("unexpected cell `{other}`"),
    }
}

#[test]
fn predefined_roles_match_the_spec_table_on_every_feature() {
    for systems in [&[][..], &["sap", "salesforce"][..]] {
        let tree = standard_tree(
            &["crm", "hr", "it"],
            &["dev", "test", "production"],
            systems,
        )
        .expect("standard tree");
        let mut policy = Policy::standard(tree).expect("standard roles");
        let mut lines = SPEC_TABLE.trim().lines();
        let header = cells(lines.next().expect("header"));
        let mut seen = 0;
        for (n, line) in lines.enumerate() {
            let row = cells(line);
            let role = policy
                .roles()
                .find(|r| r.name == row[0])
                .unwrap_or_else(|| panic!("no predefined role `{}`", row[0]));
            assert!(role.predefined);
            let role_id = role.id;
            let user = UserId::from_u128(n as u128 + 1);
            policy.assign(user, role_id).expect("assign");
            let paths: Vec<String> = policy
                .tree()
                .paths()
                .iter()
                .map(ToString::to_string)
                .collect();
            for path in paths {
                let root = path.split('/').next().expect("root segment");
                let column = header
                    .iter()
                    .position(|h| *h == root)
                    .expect("root in table");
                let expected = level(row[column]);
                let feature = policy.feature(&path).expect("feature");
                assert_eq!(
                    policy.level(user, feature).expect("level"),
                    expected,
                    "{} on {path}",
                    row[0]
                );
            }
            seen += 1;
        }
        assert_eq!(seen, 8);
        assert_eq!(policy.roles().count(), 8);
    }
}

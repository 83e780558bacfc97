//! Property tests: for random trees, roles and settings, the compiled answer equals a naive
//! recursive resolver; raising an explicit setting never lowers an effective level; run-time
//! additions and edits give the same table as compiling from scratch.

#![allow(
    clippy::expect_used,
    reason = "fixture builders fail loudly on a generator bug"
)]

use proptest::prelude::*;
use tessera_access::{FeatureId, FeatureTree, Level, Policy, Setting};
use tessera_core::{RoleId, UserId};

/// A random tree as the parent of each feature (`None` = top level), parents first.
fn tree_shape() -> impl Strategy<Value = Vec<Option<usize>>> {
    (1usize..40).prop_flat_map(|n| {
        (0..n)
            .map(|i| {
                if i == 0 {
                    Just(None).boxed()
                } else {
                    proptest::option::weighted(0.8, 0..i).boxed()
                }
            })
            .collect::<Vec<_>>()
    })
}

fn setting() -> impl Strategy<Value = Setting> {
    prop_oneof![
        6 => Just(Setting::Inherit),
        1 => Just(Setting::None),
        1 => Just(Setting::Read),
        1 => Just(Setting::Modify),
        1 => Just(Setting::Write),
    ]
}

/// A tree shape plus, for 1–5 roles, one setting per feature.
fn case() -> impl Strategy<Value = (Vec<Option<usize>>, Vec<Vec<Setting>>)> {
    case_with_roles(1..6)
}

/// A tree shape plus one setting per feature for each of `roles` roles.
fn case_with_roles(
    roles: std::ops::Range<usize>,
) -> impl Strategy<Value = (Vec<Option<usize>>, Vec<Vec<Setting>>)> {
    tree_shape().prop_flat_map(move |parents| {
        let n = parents.len();
        (
            Just(parents),
            proptest::collection::vec(proptest::collection::vec(setting(), n), roles.clone()),
        )
    })
}

fn build_tree(parents: &[Option<usize>]) -> FeatureTree {
    let mut paths: Vec<String> = Vec::new();
    for (i, parent) in parents.iter().enumerate() {
        let path = match parent {
            None => format!("f{i}"),
            Some(p) => format!("{}/f{i}", paths[*p]),
        };
        paths.push(path);
    }
    FeatureTree::builder()
        .features(paths)
        .build()
        .expect("generated tree is valid")
}

fn build_policy(parents: &[Option<usize>], roles: &[Vec<Setting>]) -> (Policy, Vec<FeatureId>) {
    let tree = build_tree(parents);
    let ids: Vec<FeatureId> = (0..parents.len())
        .map(|i| {
            let path = tree
                .paths()
                .iter()
                .find(|p| p.last_segment() == format!("f{i}"));
            tree.id(path.expect("generated feature").as_str())
                .expect("id")
        })
        .collect();
    let mut policy = Policy::new(tree);
    for (r, settings) in roles.iter().enumerate() {
        let pairs: Vec<(FeatureId, Setting)> =
            ids.iter().copied().zip(settings.iter().copied()).collect();
        policy
            .add_role_by_ids(RoleId::from_u128(r as u128 + 1), format!("r{r}"), pairs)
            .expect("role");
        policy
            .assign(
                UserId::from_u128(r as u128 + 1),
                RoleId::from_u128(r as u128 + 1),
            )
            .expect("assign");
    }
    (policy, ids)
}

/// The definition, recursively: explicit level, else the parent's, else none.
fn naive(parents: &[Option<usize>], settings: &[Setting], feature: usize) -> Level {
    match settings[feature].level() {
        Some(level) => level,
        None => parents[feature].map_or(Level::None, |p| naive(parents, settings, p)),
    }
}

fn raise(level: Level) -> Option<Level> {
    match level {
        Level::None => Some(Level::Read),
        Level::Read => Some(Level::Modify),
        Level::Modify => Some(Level::Write),
        Level::Write => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn compiled_equals_naive((parents, roles) in case()) {
        let (policy, ids) = build_policy(&parents, &roles);
        for (r, settings) in roles.iter().enumerate() {
            let user = UserId::from_u128(r as u128 + 1);
            for (i, id) in ids.iter().enumerate() {
                let expected = naive(&parents, settings, i);
                prop_assert_eq!(policy.level(user, *id).unwrap(), expected);
                let explained = policy.explain(user, *id).unwrap();
                prop_assert_eq!(explained.level, expected);
            }
        }
    }

    #[test]
    fn raising_an_explicit_setting_never_lowers_a_level(
        (parents, roles) in case(),
        pick in any::<proptest::sample::Index>(),
    ) {
        let (mut policy, ids) = build_policy(&parents, &roles);
        let explicit: Vec<(usize, usize, Level)> = roles
            .iter()
            .enumerate()
            .flat_map(|(r, s)| s.iter().enumerate().filter_map(move |(f, s)| s.level().map(|l| (r, f, l))))
            .filter(|(_, _, level)| raise(*level).is_some())
            .collect();
        prop_assume!(!explicit.is_empty());
        let (r, f, level) = explicit[pick.index(explicit.len())];
        let user = UserId::from_u128(r as u128 + 1);
        let before: Vec<Level> = ids.iter().map(|id| policy.level(user, *id).unwrap()).collect();
        let path = policy.tree().path(ids[f]).unwrap().to_string();
        let higher = raise(level).unwrap();
        policy.set_setting(RoleId::from_u128(r as u128 + 1), &path, higher.into()).unwrap();
        for (i, id) in ids.iter().enumerate() {
            prop_assert!(policy.level(user, *id).unwrap() >= before[i]);
        }
        prop_assert_eq!(policy.level(user, ids[f]).unwrap(), higher);
    }

    #[test]
    fn edits_and_additions_match_a_fresh_compile(
        (parents, roles) in case(),
        new_setting in setting(),
        pick in any::<proptest::sample::Index>(),
        attach in any::<proptest::sample::Index>(),
    ) {
        let (mut policy, ids) = build_policy(&parents, &roles);
        // Add a feature under a random existing one, then set one random setting.
        let parent_path = policy.tree().path(ids[attach.index(ids.len())]).unwrap().to_string();
        policy.add_feature(&format!("{parent_path}/added")).unwrap();
        let f = pick.index(ids.len());
        let path = policy.tree().path(ids[f]).unwrap().to_string();
        policy.set_setting(RoleId::from_u128(1), &path, new_setting).unwrap();

        let fresh = Policy::import(policy.export()).unwrap();
        for r in 0..roles.len() {
            let user = UserId::from_u128(r as u128 + 1);
            let mut fresh = fresh.clone();
            fresh.assign(user, RoleId::from_u128(r as u128 + 1)).unwrap();
            for (id, path, _) in policy.tree().iter() {
                let other = fresh.feature(path.as_str()).unwrap();
                prop_assert_eq!(policy.level(user, id).unwrap(), fresh.level(user, other).unwrap());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn compiled_equals_naive_across_role_blocks((parents, roles) in case_with_roles(60..140)) {
        // The compiler works on blocks of 64 roles; cross the block boundaries.
        let (policy, ids) = build_policy(&parents, &roles);
        for (r, settings) in roles.iter().enumerate() {
            let user = UserId::from_u128(r as u128 + 1);
            for (i, id) in ids.iter().enumerate() {
                prop_assert_eq!(policy.level(user, *id).unwrap(), naive(&parents, settings, i));
            }
        }
    }
}

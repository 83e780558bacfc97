//! Peer encoding of the permission problem in Cedar (`cedar-policy` 4.x).
//!
//! * Entities: `User::"u<i>"` (parent: its `Role::"r<j>"`), `Role::"r<j>"`,
//!   `Feature::"<path>"` (parent: its tree parent, so `resource in
//!   Feature::"workspace"` holds for every descendant), actions
//!   `Action::"read" | "modify" | "write"`.
//! * Policies: for every explicit grant (role r, feature f, level L >= 1) one
//!   `permit(principal in Role::"r", action in [levels <= L], resource in
//!   Feature::"f") unless { resource in [nearest explicit descendants of f] };`.
//!   An explicit `none` yields no permit but cuts its ancestors' grants through
//!   their `unless` lists. There are no `forbid` policies (a forbid would veto
//!   across roles).
//!
//! Policy set, entity store and authorizer are built once; [`CedarPeer::check`]
//! only builds a `Request` from pre-built `EntityUid`s and calls
//! `Authorizer::is_authorized`.

use super::fixture::*;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RequestValidationError,
};
use std::collections::HashSet;
use std::error::Error;
use std::fmt::Write as _;
use std::str::FromStr;

/// The fixture compiled into Cedar policies and entities.
pub struct CedarPeer {
    authorizer: Authorizer,
    policies: PolicySet,
    entities: Entities,
    users: Vec<EntityUid>,
    features: Vec<EntityUid>,
    /// Indexed by level; index 0 (`none`) is never queried.
    actions: [EntityUid; 4],
}

/// Quote `s` as a Cedar string literal (Cedar unescapes with Rust's rules).
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.escape_default())
}

fn uid(ty: &EntityTypeName, id: impl AsRef<str>) -> EntityUid {
    EntityUid::from_type_name_and_id(ty.clone(), EntityId::new(id))
}

/// Cedar policy text for the fixture (one `permit` per explicit grant >= read).
pub fn policy_text(fx: &PeerFixture) -> String {
    (0..fx.roles.len())
        .map(|role| {
            role_policy_text(fx, role)
                .into_iter()
                .map(|(_, text)| text)
                .collect::<String>()
        })
        .collect()
}

/// The `permit`s of one role, each with the feature it names.
pub fn role_policy_text(fx: &PeerFixture, role: usize) -> Vec<(usize, String)> {
    let feature_lits: Vec<String> = fx.features.iter().map(|f| quoted(&f.path)).collect();
    let mut out = Vec::new();
    {
        let explicit = explicit_levels(fx, role);
        // unless[f] = explicit descendants of f with no explicit setting in between.
        let mut unless: Vec<Vec<usize>> = vec![Vec::new(); fx.features.len()];
        for (d, level) in explicit.iter().enumerate() {
            if level.is_none() {
                continue;
            }
            let mut up = fx.features[d].parent;
            while let Some(a) = up {
                if explicit[a].is_some() {
                    unless[a].push(d);
                    break;
                }
                up = fx.features[a].parent;
            }
        }
        for (f, level) in explicit.iter().enumerate() {
            let Some(level @ 1..) = *level else { continue };
            let mut text = String::new();
            let actions = (1..=usize::from(level.min(3)))
                .map(|l| format!("Action::{}", quoted(LEVEL_NAMES[l])))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = write!(
                text,
                "permit(principal in Role::\"r{role}\", action in [{actions}], resource in Feature::{})",
                feature_lits[f]
            );
            if !unless[f].is_empty() {
                let cut = unless[f]
                    .iter()
                    .map(|&d| format!("Feature::{}", feature_lits[d]))
                    .collect::<Vec<_>>()
                    .join(", ");
                let _ = write!(text, " unless {{ resource in [{cut}] }}");
            }
            text.push_str(";\n");
            out.push((f, text));
        }
    }
    out
}

impl CedarPeer {
    /// Compile the fixture; fails if the generated policies or entities are rejected.
    pub fn new(fx: &PeerFixture) -> Result<Self, Box<dyn Error + Send + Sync>> {
        let policies = PolicySet::from_str(&policy_text(fx))?;
        let (entities, users, features, actions) = tree_entities(fx)?;
        Ok(Self {
            authorizer: Authorizer::new(),
            policies,
            entities,
            users,
            features,
            actions,
        })
    }

    /// Number of `permit` policies generated.
    pub fn policy_count(&self) -> usize {
        self.policies.policies().count()
    }

    /// May `user` act on `feature` at level `at_least` (1..=3)?
    pub fn try_check(
        &self,
        user: usize,
        feature: usize,
        at_least: u8,
    ) -> Result<bool, Box<RequestValidationError>> {
        let request = request(
            &self.users,
            &self.features,
            &self.actions,
            (user, feature, at_least),
        )?;
        let response = self
            .authorizer
            .is_authorized(&request, &self.policies, &self.entities);
        Ok(response.decision() == Decision::Allow)
    }

    /// Like [`Self::try_check`]; without a schema `Request::new` cannot fail,
    /// so this panics only on an engine invariant violation.
    #[allow(
        clippy::expect_used,
        reason = "a benchmark aborts loudly on a broken encoding"
    )]
    pub fn check(&self, user: usize, feature: usize, at_least: u8) -> bool {
        self.try_check(user, feature, at_least)
            .expect("schema-less Cedar request is always valid")
    }
}

/// The request "may `users[user]` do `actions[at_least]` on `features[feature]`?", from the
/// handles an encoding built once.
fn request(
    users: &[EntityUid],
    features: &[EntityUid],
    actions: &[EntityUid; 4],
    (user, feature, at_least): (usize, usize, u8),
) -> Result<Request, Box<RequestValidationError>> {
    Request::new(
        users[user].clone(),
        actions[usize::from(at_least)].clone(),
        features[feature].clone(),
        Context::empty(),
        None,
    )
    .map_err(Box::new)
}

/// The entity store with the handles requests are built from.
type TreeEntities = (Entities, Vec<EntityUid>, Vec<EntityUid>, [EntityUid; 4]);

/// The entity store every encoding but the tag one shares: users in roles, the feature tree,
/// the actions.
fn tree_entities(fx: &PeerFixture) -> Result<TreeEntities, Box<dyn Error + Send + Sync>> {
    let user_ty = EntityTypeName::from_str("User")?;
    let role_ty = EntityTypeName::from_str("Role")?;
    let feature_ty = EntityTypeName::from_str("Feature")?;
    let action_ty = EntityTypeName::from_str("Action")?;
    let roles: Vec<EntityUid> = (0..fx.roles.len())
        .map(|r| uid(&role_ty, format!("r{r}")))
        .collect();
    let users: Vec<EntityUid> = (0..fx.user_roles.len())
        .map(|u| uid(&user_ty, format!("u{u}")))
        .collect();
    let features: Vec<EntityUid> = fx
        .features
        .iter()
        .map(|f| uid(&feature_ty, &f.path))
        .collect();
    let actions = LEVEL_NAMES.map(|l| uid(&action_ty, l));
    let entities =
        Entities::from_entities(
            roles
                .iter()
                .map(|r| Entity::new_no_attrs(r.clone(), HashSet::new()))
                .chain(users.iter().zip(&fx.user_roles).map(|(u, &r)| {
                    Entity::new_no_attrs(u.clone(), HashSet::from([roles[r].clone()]))
                }))
                .chain(features.iter().zip(&fx.features).map(|(f, pf)| {
                    let parents = pf.parent.map(|p| features[p].clone()).into_iter().collect();
                    Entity::new_no_attrs(f.clone(), parents)
                }))
                .chain(
                    actions[1..]
                        .iter()
                        .map(|a| Entity::new_no_attrs(a.clone(), HashSet::new())),
                ),
            None,
        )?;
    Ok((entities, users, features, actions))
}

/// The stock encoding sliced per role, as Cedar's own benchmarks slice policy sets: one
/// prebuilt `PolicySet` per role, looked up from the user's role inside the timing; with
/// `by_feature`, one per (role, feature) holding only the permits on the feature's ancestors
/// (and itself) — the finest slice that still decides every query.
pub struct CedarSliced {
    authorizer: Authorizer,
    /// Per role, or per `role * features + feature`.
    slices: Vec<PolicySet>,
    by_feature: bool,
    feature_count: usize,
    entities: Entities,
    users: Vec<EntityUid>,
    user_roles: Vec<usize>,
    features: Vec<EntityUid>,
    actions: [EntityUid; 4],
}

impl CedarSliced {
    /// Builds the slices (per role, or per role and feature ancestry).
    pub fn new(fx: &PeerFixture, by_feature: bool) -> Result<Self, Box<dyn Error + Send + Sync>> {
        let (entities, users, features, actions) = tree_entities(fx)?;
        let mut slices = Vec::new();
        for role in 0..fx.roles.len() {
            let permits = role_policy_text(fx, role);
            let parsed: Vec<(usize, cedar_policy::Policy)> = permits
                .iter()
                .enumerate()
                .map(|(n, (f, text))| {
                    let id = cedar_policy::PolicyId::new(format!("r{role}p{n}"));
                    Ok((*f, cedar_policy::Policy::parse(Some(id), text)?))
                })
                .collect::<Result<_, Box<dyn Error + Send + Sync>>>()?;
            if !by_feature {
                let mut set = PolicySet::new();
                for (_, policy) in parsed {
                    set.add(policy)?;
                }
                slices.push(set);
                continue;
            }
            let mut on_feature: Vec<Vec<usize>> = vec![Vec::new(); fx.features.len()];
            for (i, (f, _)) in parsed.iter().enumerate() {
                on_feature[*f].push(i);
            }
            for feature in 0..fx.features.len() {
                let mut set = PolicySet::new();
                let mut at = Some(feature);
                while let Some(f) = at {
                    for &i in &on_feature[f] {
                        set.add(parsed[i].1.clone())?;
                    }
                    at = fx.features[f].parent;
                }
                slices.push(set);
            }
        }
        Ok(Self {
            authorizer: Authorizer::new(),
            slices,
            by_feature,
            feature_count: fx.features.len(),
            entities,
            users,
            user_roles: fx.user_roles.clone(),
            features,
            actions,
        })
    }

    /// Number of prebuilt policy sets.
    pub fn slice_count(&self) -> usize {
        self.slices.len()
    }

    /// May `user` act on `feature` at level `at_least` (1..=3)? The slice is found from the
    /// user's role (and the feature) here, inside the timing.
    #[allow(
        clippy::expect_used,
        reason = "a benchmark aborts loudly on a broken encoding"
    )]
    pub fn check(&self, user: usize, feature: usize, at_least: u8) -> bool {
        let role = self.user_roles[user];
        let slice = if self.by_feature {
            &self.slices[role * self.feature_count + feature]
        } else {
            &self.slices[role]
        };
        let request = request(
            &self.users,
            &self.features,
            &self.actions,
            (user, feature, at_least),
        )
        .expect("schema-less Cedar request is always valid");
        self.authorizer
            .is_authorized(&request, slice, &self.entities)
            .decision()
            == Decision::Allow
    }
}

/// Levels resolved per feature and role into entity tags (stable since cedar-policy 4.2):
/// each feature carries a tag per role, `"r<j>" → level`; each user an attribute `role`; one
/// constant policy set of three permits compares the tag with the action's level.
pub struct CedarTags {
    authorizer: Authorizer,
    policies: PolicySet,
    entities: Entities,
    users: Vec<EntityUid>,
    features: Vec<EntityUid>,
    actions: [EntityUid; 4],
}

/// The tag encoding's three policies.
pub const TAG_POLICIES: &str = "\
permit(principal, action == Action::\"read\", resource) when { resource.hasTag(principal.role) && resource.getTag(principal.role) >= 1 };
permit(principal, action == Action::\"modify\", resource) when { resource.hasTag(principal.role) && resource.getTag(principal.role) >= 2 };
permit(principal, action == Action::\"write\", resource) when { resource.hasTag(principal.role) && resource.getTag(principal.role) >= 3 };
";

impl CedarTags {
    /// Resolves every (role, feature) once into the features' tags.
    pub fn new(fx: &PeerFixture) -> Result<Self, Box<dyn Error + Send + Sync>> {
        let user_ty = EntityTypeName::from_str("User")?;
        let feature_ty = EntityTypeName::from_str("Feature")?;
        let action_ty = EntityTypeName::from_str("Action")?;
        let users: Vec<EntityUid> = (0..fx.user_roles.len())
            .map(|u| uid(&user_ty, format!("u{u}")))
            .collect();
        let features: Vec<EntityUid> = fx
            .features
            .iter()
            .map(|f| uid(&feature_ty, &f.path))
            .collect();
        let actions = LEVEL_NAMES.map(|l| uid(&action_ty, l));
        let mut tags: Vec<Vec<(String, cedar_policy::RestrictedExpression)>> =
            vec![Vec::new(); fx.features.len()];
        for role in 0..fx.roles.len() {
            for (f, level) in effective_levels(fx, role).into_iter().enumerate() {
                if level > 0 {
                    tags[f].push((
                        format!("r{role}"),
                        cedar_policy::RestrictedExpression::new_long(i64::from(level)),
                    ));
                }
            }
        }
        let mut entities = Vec::with_capacity(users.len() + features.len() + 3);
        for (u, &role) in users.iter().zip(&fx.user_roles) {
            let attrs = [(
                "role".to_owned(),
                cedar_policy::RestrictedExpression::new_string(format!("r{role}")),
            )];
            entities.push(Entity::new_with_tags(u.clone(), attrs, [], [])?);
        }
        for (f, tags) in features.iter().zip(tags) {
            entities.push(Entity::new_with_tags(f.clone(), [], [], tags)?);
        }
        for a in &actions[1..] {
            entities.push(Entity::new_no_attrs(a.clone(), HashSet::new()));
        }
        Ok(Self {
            authorizer: Authorizer::new(),
            policies: PolicySet::from_str(TAG_POLICIES)?,
            entities: Entities::from_entities(entities, None)?,
            users,
            features,
            actions,
        })
    }

    /// May `user` act on `feature` at level `at_least` (1..=3)?
    #[allow(
        clippy::expect_used,
        reason = "a benchmark aborts loudly on a broken encoding"
    )]
    pub fn check(&self, user: usize, feature: usize, at_least: u8) -> bool {
        let request = request(
            &self.users,
            &self.features,
            &self.actions,
            (user, feature, at_least),
        )
        .expect("schema-less Cedar request is always valid");
        self.authorizer
            .is_authorized(&request, &self.policies, &self.entities)
            .decision()
            == Decision::Allow
    }
}

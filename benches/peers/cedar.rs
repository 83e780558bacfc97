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
    let feature_lits: Vec<String> = fx.features.iter().map(|f| quoted(&f.path)).collect();
    let mut text = String::new();
    for role in 0..fx.roles.len() {
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
        }
    }
    text
}

impl CedarPeer {
    /// Compile the fixture; fails if the generated policies or entities are rejected.
    pub fn new(fx: &PeerFixture) -> Result<Self, Box<dyn Error + Send + Sync>> {
        let user_ty = EntityTypeName::from_str("User")?;
        let role_ty = EntityTypeName::from_str("Role")?;
        let feature_ty = EntityTypeName::from_str("Feature")?;
        let action_ty = EntityTypeName::from_str("Action")?;

        let text = policy_text(fx);
        let policies = PolicySet::from_str(&text)?;

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

        let role_entities = roles
            .iter()
            .map(|r| Entity::new_no_attrs(r.clone(), HashSet::new()));
        let user_entities = users
            .iter()
            .zip(&fx.user_roles)
            .map(|(u, &r)| Entity::new_no_attrs(u.clone(), HashSet::from([roles[r].clone()])));
        let feature_entities = features.iter().zip(&fx.features).map(|(f, pf)| {
            let parents = pf.parent.map(|p| features[p].clone()).into_iter().collect();
            Entity::new_no_attrs(f.clone(), parents)
        });
        let action_entities = actions[1..]
            .iter()
            .map(|a| Entity::new_no_attrs(a.clone(), HashSet::new()));
        let entities = Entities::from_entities(
            role_entities
                .chain(user_entities)
                .chain(feature_entities)
                .chain(action_entities),
            None,
        )?;

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
        let request = Request::new(
            self.users[user].clone(),
            self.actions[usize::from(at_least)].clone(),
            self.features[feature].clone(),
            Context::empty(),
            None,
        )
        .map_err(Box::new)?;
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

//! Peer encoding of the permission problem in Casbin (`casbin` 2.x) as a
//! flattened RBAC model.
//!
//! * `g`  = user -> role (`u<i>` -> `r<j>`).
//! * `g2` = level hierarchy `write -> modify -> read`.
//! * `p, r<j>, <feature path>, <level>` for every (role, feature) whose
//!   *effective* (already inheritance-resolved) level is at least `read`.
//! * matcher: `r.obj == p.obj && g(r.sub, p.sub) && g2(p.act, r.act)`.
//!
//! casbin-rs evaluates the matcher once per `p` rule (a linear scan, stopping
//! at the first allow), so the cheap string comparison goes first (with the
//! role lookup first, a check measured ~1.7x slower).
//!
//! Note: casbin-rs shares ONE role manager between `g` and `g2`, so user,
//! role and level names must not collide; users and roles are index-based
//! (`u17`, `r3`) and levels are `read`/`modify`/`write`.
//!
//! Construction is async in casbin; it runs on a current-thread tokio runtime
//! inside [`CasbinPeer::new`] only. [`CasbinPeer::check`] calls the synchronous
//! `CoreApi::enforce(&self, ..)`.

use super::fixture::*;

use ::casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use std::error::Error;

/// Matcher with the cheap object comparison first (the default).
pub const MATCHER_FAST: &str = "r.obj == p.obj && g(r.sub, p.sub) && g2(p.act, r.act)";

/// The fixture loaded into a Casbin `Enforcer`.
pub struct CasbinPeer {
    enforcer: Enforcer,
    users: Vec<String>,
    features: Vec<String>,
    policy_count: usize,
}

/// Casbin model text using `matcher` as `m`.
pub fn model_text(matcher: &str) -> String {
    format!(
        "[request_definition]\nr = sub, obj, act\n\n\
         [policy_definition]\np = sub, obj, act\n\n\
         [role_definition]\ng = _, _\ng2 = _, _\n\n\
         [policy_effect]\ne = some(where (p.eft == allow))\n\n\
         [matchers]\nm = {matcher}\n"
    )
}

/// `p` rules: (role, feature path, effective level name) for every effective level >= read.
pub fn policy_rules(fx: &PeerFixture) -> Vec<Vec<String>> {
    let mut rules = Vec::new();
    for role in 0..fx.roles.len() {
        for (f, level) in effective_levels(fx, role).into_iter().enumerate() {
            if level >= 1 {
                rules.push(vec![
                    format!("r{role}"),
                    fx.features[f].path.clone(),
                    LEVEL_NAMES[usize::from(level.min(3))].to_string(),
                ]);
            }
        }
    }
    rules
}

impl CasbinPeer {
    /// Build the enforcer with [`MATCHER_FAST`].
    pub fn new(fx: &PeerFixture) -> Result<Self, Box<dyn Error + Send + Sync>> {
        Self::with_matcher(fx, MATCHER_FAST)
    }

    /// Build the enforcer with a custom matcher over `r`/`p`/`g`/`g2`.
    pub fn with_matcher(
        fx: &PeerFixture,
        matcher: &str,
    ) -> Result<Self, Box<dyn Error + Send + Sync>> {
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        let users: Vec<String> = (0..fx.user_roles.len()).map(|u| format!("u{u}")).collect();
        let features: Vec<String> = fx.features.iter().map(|f| f.path.clone()).collect();
        let rules = policy_rules(fx);
        let policy_count = rules.len();
        let user_links: Vec<Vec<String>> = users
            .iter()
            .zip(&fx.user_roles)
            .map(|(u, r)| vec![u.clone(), format!("r{r}")])
            .collect();
        let level_links = vec![
            vec!["write".to_string(), "modify".to_string()],
            vec!["modify".to_string(), "read".to_string()],
        ];

        let enforcer = runtime.block_on(async move {
            let model = DefaultModel::from_str(&model_text(matcher)).await?;
            let mut e = Enforcer::new(model, MemoryAdapter::default()).await?;
            // Nothing to persist: skip mirroring every rule into the adapter.
            e.enable_auto_save(false);
            // `add_*` return Ok(false) if a rule already existed (nothing added).
            let added = e.add_named_grouping_policies("g2", level_links).await?
                && (user_links.is_empty() || e.add_grouping_policies(user_links).await?)
                && (rules.is_empty() || e.add_policies(rules).await?);
            if !added {
                return Err("casbin rejected duplicate rules".into());
            }
            Ok::<_, Box<dyn Error + Send + Sync>>(e)
        })?;
        Ok(Self {
            enforcer,
            users,
            features,
            policy_count,
        })
    }

    /// Number of `p` rules loaded.
    pub fn policy_count(&self) -> usize {
        self.policy_count
    }

    /// May `user` act on `feature` at level `at_least` (1..=3)?
    pub fn try_check(&self, user: usize, feature: usize, at_least: u8) -> ::casbin::Result<bool> {
        self.enforcer.enforce((
            self.users[user].as_str(),
            self.features[feature].as_str(),
            LEVEL_NAMES[usize::from(at_least)],
        ))
    }

    /// Like [`Self::try_check`]; panics if casbin reports an evaluation error
    /// (which would mean the model itself is broken).
    #[allow(
        clippy::expect_used,
        reason = "a benchmark aborts loudly on a broken encoding"
    )]
    pub fn check(&self, user: usize, feature: usize, at_least: u8) -> bool {
        self.try_check(user, feature, at_least)
            .expect("casbin matcher evaluation failed")
    }
}

/// Model of one role's shard: the request names the feature and the level only.
const SHARD_MODEL: &str = "[request_definition]\nr = obj, act\n\n\
    [policy_definition]\np = obj, act\n\n\
    [role_definition]\ng = _, _\n\n\
    [policy_effect]\ne = some(where (p.eft == allow))\n\n\
    [matchers]\nm = r.obj == p.obj && g(p.act, r.act)\n";

/// One enforcer per role (sharded, as Casbin's performance guide advises): the user's role is
/// looked up in a map inside the timing, then that role's enforcer holds only its own rules.
pub struct CasbinSharded {
    shards: Vec<Enforcer>,
    user_roles: Vec<usize>,
    features: Vec<String>,
}

impl CasbinSharded {
    /// Builds one enforcer per role with that role's effective rules.
    pub fn new(fx: &PeerFixture) -> Result<Self, Box<dyn Error + Send + Sync>> {
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        let features: Vec<String> = fx.features.iter().map(|f| f.path.clone()).collect();
        let mut shards = Vec::with_capacity(fx.roles.len());
        for role in 0..fx.roles.len() {
            let rules: Vec<Vec<String>> = effective_levels(fx, role)
                .into_iter()
                .enumerate()
                .filter(|(_, level)| *level >= 1)
                .map(|(f, level)| {
                    vec![
                        features[f].clone(),
                        LEVEL_NAMES[usize::from(level.min(3))].to_string(),
                    ]
                })
                .collect();
            let shard = runtime.block_on(async {
                let model = DefaultModel::from_str(SHARD_MODEL).await?;
                let mut e = Enforcer::new(model, MemoryAdapter::default()).await?;
                e.enable_auto_save(false);
                e.add_grouping_policies(vec![
                    vec!["write".to_string(), "modify".to_string()],
                    vec!["modify".to_string(), "read".to_string()],
                ])
                .await?;
                if !rules.is_empty() {
                    e.add_policies(rules).await?;
                }
                Ok::<_, Box<dyn Error + Send + Sync>>(e)
            })?;
            shards.push(shard);
        }
        Ok(Self {
            shards,
            user_roles: fx.user_roles.clone(),
            features,
        })
    }

    /// May `user` act on `feature` at level `at_least` (1..=3)?
    #[allow(
        clippy::expect_used,
        reason = "a benchmark aborts loudly on a broken encoding"
    )]
    pub fn check(&self, user: usize, feature: usize, at_least: u8) -> bool {
        self.shards[self.user_roles[user]]
            .enforce((
                self.features[feature].as_str(),
                LEVEL_NAMES[usize::from(at_least)],
            ))
            .expect("casbin matcher evaluation failed")
    }
}

/// The stock model behind Casbin's `CachedEnforcer` (feature `cached`), its capacity above the
/// query count: warm, every query has been seen once; cold, the first sight of each query is
/// a full enforcement plus the cache's insertion.
pub struct CasbinCached {
    enforcer: ::casbin::CachedEnforcer,
    users: Vec<String>,
    features: Vec<String>,
}

impl CasbinCached {
    /// Builds the cached enforcer over the stock model and rules, empty cache.
    pub fn new(fx: &PeerFixture) -> Result<Self, Box<dyn Error + Send + Sync>> {
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        let users: Vec<String> = (0..fx.user_roles.len()).map(|u| format!("u{u}")).collect();
        let features: Vec<String> = fx.features.iter().map(|f| f.path.clone()).collect();
        let rules = policy_rules(fx);
        let user_links: Vec<Vec<String>> = users
            .iter()
            .zip(&fx.user_roles)
            .map(|(u, r)| vec![u.clone(), format!("r{r}")])
            .collect();
        let capacity = fx.queries.len().max(1) * 2;
        let enforcer = runtime.block_on(async move {
            let model = DefaultModel::from_str(&model_text(MATCHER_FAST)).await?;
            let mut e = ::casbin::CachedEnforcer::new(model, MemoryAdapter::default()).await?;
            e.enable_auto_save(false);
            ::casbin::CachedApi::<u64, bool>::set_cache(
                &mut e,
                Box::new(::casbin::DefaultCache::new(capacity)),
            );
            e.add_named_grouping_policies(
                "g2",
                vec![
                    vec!["write".to_string(), "modify".to_string()],
                    vec!["modify".to_string(), "read".to_string()],
                ],
            )
            .await?;
            e.add_grouping_policies(user_links).await?;
            e.add_policies(rules).await?;
            Ok::<_, Box<dyn Error + Send + Sync>>(e)
        })?;
        Ok(Self {
            enforcer,
            users,
            features,
        })
    }

    /// May `user` act on `feature` at level `at_least` (1..=3)? Answers from the cache when
    /// the same question was asked before.
    #[allow(
        clippy::expect_used,
        reason = "a benchmark aborts loudly on a broken encoding"
    )]
    pub fn check(&self, user: usize, feature: usize, at_least: u8) -> bool {
        self.enforcer
            .enforce((
                self.users[user].as_str(),
                self.features[feature].as_str(),
                LEVEL_NAMES[usize::from(at_least)],
            ))
            .expect("casbin matcher evaluation failed")
    }
}

//! Permission questions about the caller's account, answered from a compiled policy (get it
//! with [`Tessera::cached_policy`](crate::Tessera::cached_policy) or
//! [`Tessera::policy`](crate::Tessera::policy)). Pure: no database, no clock.
//!
//! Who may ask: anyone about themselves (a check, a batch, explain, what-can); about another
//! user, and who-can (which is about everyone), only callers with `user_management: read` — a
//! role's holders and reach are the account's business, not every member's. An API token
//! asks as its user.

use tessera_access::{CheckQuery, Explanation, Level, Policy, PolicyVersion, USER_MANAGEMENT};
use tessera_core::UserId;

use crate::{AnyCaller, ServiceError};

/// Most checks in one batch.
pub const MAX_BATCH: usize = 10_000;

/// One question: has `user` at least `level` on `feature`?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Who.
    pub user: UserId,
    /// Feature path.
    pub feature: String,
    /// Level needed.
    pub level: Level,
}

/// The answer to one [`Question`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// Whether the user has at least the level.
    pub allowed: bool,
    /// The user's effective level.
    pub level: Level,
    /// The policy version that answered.
    pub policy_version: PolicyVersion,
}

/// Refuses a question about another user unless the caller may see the account's users.
fn may_ask_about(policy: &Policy, caller: &AnyCaller, user: UserId) -> Result<(), ServiceError> {
    if user == caller.user {
        Ok(())
    } else {
        caller.require(policy, USER_MANAGEMENT, Level::Read)
    }
}

/// Answers one question.
pub fn check(
    policy: &Policy,
    caller: &AnyCaller,
    question: &Question,
) -> Result<Answer, ServiceError> {
    may_ask_about(policy, caller, question.user)?;
    let feature = policy.feature(&question.feature)?;
    let level = policy.level(question.user, feature)?;
    Ok(Answer {
        allowed: level.allows(question.level),
        level,
        policy_version: policy.version(),
    })
}

/// Answers up to [`MAX_BATCH`] questions in order; a bad item fails the batch, naming
/// `checks[i].feature`.
pub fn check_batch(
    policy: &Policy,
    caller: &AnyCaller,
    questions: &[Question],
) -> Result<Vec<bool>, ServiceError> {
    if questions.len() > MAX_BATCH {
        return Err(ServiceError::invalid(
            "checks",
            format!("at most {MAX_BATCH} checks per request"),
        ));
    }
    if questions.iter().any(|q| q.user != caller.user) {
        caller.require(policy, USER_MANAGEMENT, Level::Read)?;
    }
    let mut queries = Vec::with_capacity(questions.len());
    for (index, question) in questions.iter().enumerate() {
        let feature = policy.feature(&question.feature).map_err(|error| {
            ServiceError::invalid(format!("checks[{index}].feature"), error.to_string())
        })?;
        queries.push(CheckQuery {
            user: question.user,
            feature,
            at_least: question.level,
        });
    }
    Ok(policy.check_batch(&queries)?)
}

/// Why `user` has their level on `feature`.
pub fn explain(
    policy: &Policy,
    caller: &AnyCaller,
    user: UserId,
    feature: &str,
) -> Result<Explanation, ServiceError> {
    may_ask_about(policy, caller, user)?;
    let feature = policy.feature(feature)?;
    Ok(policy.explain(user, feature)?)
}

/// An explanation with the user named as people know them.
#[derive(Debug, Clone)]
pub struct NamedExplanation {
    /// The explanation.
    pub explanation: Explanation,
    /// The user's display name, else their e-mail (their id when the account has no record).
    pub who: String,
    /// The same as a sentence, naming the user as `who`.
    pub summary: String,
    /// The policy version that answered.
    pub policy_version: PolicyVersion,
}

impl crate::Tessera {
    /// Why `user` has their level on `feature`, naming the user by display name or e-mail.
    /// Blocking: it reads the user's record.
    pub fn explain(
        &self,
        caller: &AnyCaller,
        user: UserId,
        feature: &str,
        at_least: Option<PolicyVersion>,
    ) -> Result<NamedExplanation, ServiceError> {
        let policy = self.policy(caller.account, at_least)?;
        let explanation = explain(&policy, caller, user, feature)?;
        let record = self.read(|tx| Ok(tx.user(caller.account, user)?))?;
        let who = record.map_or_else(|| user.to_string(), |u| u.shown_name().to_owned());
        Ok(NamedExplanation {
            summary: explanation.describe(&who),
            explanation,
            who,
            policy_version: policy.version(),
        })
    }
}

/// Who has at least `level` on `feature` (account-wide roles), sorted.
pub fn who_can(
    policy: &Policy,
    caller: &AnyCaller,
    feature: &str,
    level: Level,
) -> Result<Vec<UserId>, ServiceError> {
    caller.require(policy, USER_MANAGEMENT, Level::Read)?;
    let feature = policy.feature(feature)?;
    let mut users = policy.who_can(feature, level)?;
    users.sort();
    Ok(users)
}

/// Every feature where `user` has at least `level`, with the level there, parents first.
pub fn what_can(
    policy: &Policy,
    caller: &AnyCaller,
    user: UserId,
    level: Level,
) -> Result<Vec<(String, Level)>, ServiceError> {
    may_ask_about(policy, caller, user)?;
    policy
        .what_can(user, level)?
        .into_iter()
        .map(|(feature, level)| Ok((policy.tree().path(feature)?.to_string(), level)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credential;
    use tessera_access::{ADMIN_ROLE, PREDEFINED_ROLES, standard_tree};
    use tessera_core::{AccountId, RoleId};

    const ADMIN: UserId = UserId::from_u128(1);
    const CURATOR: UserId = UserId::from_u128(2);

    fn policy() -> Policy {
        let mut policy =
            Policy::standard(standard_tree(&["crm"], &["production"], &[]).expect("tree"))
                .expect("policy");
        policy.assign(ADMIN, ADMIN_ROLE).expect("admin");
        let curator = PREDEFINED_ROLES
            .iter()
            .find(|(_, name, _)| *name == "Content Curator")
            .map(|(id, _, _)| RoleId::from_u128(*id))
            .expect("curator role");
        policy.assign(CURATOR, curator).expect("curator");
        policy
    }

    fn caller(user: UserId) -> AnyCaller {
        AnyCaller {
            account: AccountId::from_u128(9),
            user,
            must_change_password: false,
            credential: Credential::Token("x".into()),
            client_addr: None,
        }
    }

    fn question(user: UserId) -> Question {
        Question {
            user,
            feature: "workspace".into(),
            level: Level::Read,
        }
    }

    #[test]
    fn anyone_may_ask_about_themselves() {
        let (policy, curator) = (policy(), caller(CURATOR));
        assert!(
            check(&policy, &curator, &question(CURATOR))
                .expect("own check")
                .allowed
        );
        assert_eq!(
            check_batch(&policy, &curator, &[question(CURATOR)]).expect("own batch"),
            [true]
        );
        assert!(explain(&policy, &curator, CURATOR, "workspace").is_ok());
        assert!(
            !what_can(&policy, &curator, CURATOR, Level::Read)
                .expect("own reach")
                .is_empty()
        );
    }

    #[test]
    fn asking_about_others_needs_user_management_read() {
        let (policy, curator) = (policy(), caller(CURATOR));
        let forbidden = |result: Result<(), ServiceError>| {
            assert!(
                matches!(result, Err(ServiceError::Forbidden { ref feature, level: Level::Read }) if feature == USER_MANAGEMENT),
                "{result:?}"
            );
        };
        forbidden(check(&policy, &curator, &question(ADMIN)).map(drop));
        forbidden(check_batch(&policy, &curator, &[question(CURATOR), question(ADMIN)]).map(drop));
        forbidden(explain(&policy, &curator, ADMIN, "workspace").map(drop));
        forbidden(what_can(&policy, &curator, ADMIN, Level::Read).map(drop));
        forbidden(who_can(&policy, &curator, "workspace", Level::Read).map(drop));
        // An unknown user is not revealed to those who may not ask.
        forbidden(check(&policy, &curator, &question(UserId::from_u128(77))).map(drop));

        let admin = caller(ADMIN);
        assert!(check(&policy, &admin, &question(CURATOR)).is_ok());
        assert_eq!(
            who_can(&policy, &admin, "workspace", Level::Read).expect("who can"),
            [ADMIN, CURATOR]
        );
    }

    #[test]
    fn a_batch_names_the_bad_item() {
        let (policy, admin) = (policy(), caller(ADMIN));
        let mut bad = question(ADMIN);
        bad.feature = "nowhere".into();
        let error = check_batch(&policy, &admin, &[question(ADMIN), bad]).expect_err("bad item");
        assert!(
            matches!(error, ServiceError::InvalidInput { field: Some(ref f), .. } if f == "checks[1].feature"),
            "{error:?}"
        );
    }
}

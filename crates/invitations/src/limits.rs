//! How many wrong codes the external site takes before it stops trying: a pure decision over
//! failure counts the caller read from storage.

/// Failed code verifications allowed per client address within [`FAILURE_WINDOW_HOURS`].
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// Failed code verifications allowed per account within [`FAILURE_WINDOW_HOURS`].
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 100;
/// The window both limits count failures in.
pub const FAILURE_WINDOW_HOURS: i64 = 1;

/// Which accounts' invitations a code verification may try, given the failures counted in
/// the window: from the client's address, and against each account holding an invitation
/// to the typed e-mail. `None` when the address is past its limit (nothing is tried);
/// otherwise the accounts still under theirs, in the order given — an account past its
/// limit leaves only its own invitations untried.
///
/// ```
/// use tessera_invitations::{MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, accounts_to_try};
/// assert_eq!(accounts_to_try(0, &[("a", 3), ("b", MAX_FAILURES_PER_ACCOUNT)]), Some(vec!["a"]));
/// assert_eq!(accounts_to_try(MAX_FAILURES_PER_ADDRESS, &[("a", 0)]), None);
/// ```
pub fn accounts_to_try<A: Copy>(from_address: i64, per_account: &[(A, i64)]) -> Option<Vec<A>> {
    if from_address >= MAX_FAILURES_PER_ADDRESS {
        return None;
    }
    Some(
        per_account
            .iter()
            .filter(|(_, failures)| *failures < MAX_FAILURES_PER_ACCOUNT)
            .map(|(account, _)| *account)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_limit_stops_everything() {
        assert_eq!(accounts_to_try::<u8>(MAX_FAILURES_PER_ADDRESS, &[]), None);
        assert_eq!(
            accounts_to_try(MAX_FAILURES_PER_ADDRESS - 1, &[(1, 0)]),
            Some(vec![1])
        );
    }

    #[test]
    fn an_account_past_its_limit_is_left_out_alone() {
        let counts = [
            (1, MAX_FAILURES_PER_ACCOUNT - 1),
            (2, MAX_FAILURES_PER_ACCOUNT),
            (3, 0),
        ];
        assert_eq!(accounts_to_try(5, &counts), Some(vec![1, 3]));
        assert_eq!(accounts_to_try::<u8>(0, &[]), Some(vec![]));
    }
}

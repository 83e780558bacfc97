//! Names people type (roles, tokens, groups, items' ids, accounts, display names): checked by
//! [`tessera_core::clean_name`], the error naming the field.

use crate::ServiceError;

/// The cleaned name (trimmed, NFC), or an invalid-input error naming `field`.
pub(crate) fn clean(field: &str, value: &str, max_chars: usize) -> Result<String, ServiceError> {
    tessera_core::clean_name(value, max_chars)
        .map_err(|error| ServiceError::invalid(field, format!("`{field}` {error}")))
}

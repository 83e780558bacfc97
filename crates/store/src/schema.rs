//! The diesel schema, one for both backends (see `migrations/`).

#![allow(
    missing_docs,
    reason = "generated-style table definitions mirror the migrations"
)]

diesel::table! {
    accounts (id) {
        id -> Text,
        name -> Text,
        policy_version -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    features (account_id, path) {
        account_id -> Text,
        path -> Text,
        position -> BigInt,
    }
}

diesel::table! {
    roles (account_id, id) {
        account_id -> Text,
        id -> Text,
        name -> Text,
        predefined -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    role_settings (account_id, role_id, feature_path) {
        account_id -> Text,
        role_id -> Text,
        feature_path -> Text,
        setting -> Text,
    }
}

diesel::table! {
    users (account_id, id) {
        account_id -> Text,
        id -> Text,
        email -> Text,
        password_hash -> Text,
        must_change_password -> Bool,
        role_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    scoped_assignments (account_id, user_id, scope_id) {
        account_id -> Text,
        user_id -> Text,
        scope_id -> Text,
        role_id -> Text,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        account_id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (account_id, id) {
        account_id -> Text,
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (account_id, id) {
        account_id -> Text,
        id -> Text,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        action -> Text,
        target -> Nullable<Text>,
        detail -> Text,
        client_addr -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    features,
    roles,
    role_settings,
    users,
    scoped_assignments,
    sessions,
    api_tokens,
    audit_events,
);

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
        invitation_validity_days -> Integer,
        seat_limit -> Nullable<Integer>,
        plan -> Text,
        automations_beta -> Bool,
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
        display_name -> Nullable<Text>,
        may_grant_client_access -> Bool,
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

diesel::table! {
    items (account_id, id) {
        account_id -> Text,
        id -> Text,
        external_id -> Text,
        kind -> Text,
        title -> Text,
        description -> Text,
        business_domain -> Text,
        app -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    wish_list_entries (account_id, wish_list_id, position) {
        account_id -> Text,
        wish_list_id -> Text,
        position -> Integer,
        item_id -> Text,
    }
}

diesel::table! {
    recipient_groups (account_id, id) {
        account_id -> Text,
        id -> Text,
        name -> Text,
    }
}

diesel::table! {
    recipient_group_members (account_id, group_id, email) {
        account_id -> Text,
        group_id -> Text,
        email -> Text,
    }
}

diesel::table! {
    shares (account_id, id) {
        account_id -> Text,
        id -> Text,
        sender_user_id -> Text,
        message -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    share_items (account_id, share_id, position) {
        account_id -> Text,
        share_id -> Text,
        position -> Integer,
        item_id -> Text,
    }
}

diesel::table! {
    invitations (account_id, id) {
        account_id -> Text,
        id -> Text,
        share_id -> Text,
        recipient -> Text,
        state -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        link_tag -> Text,
        nonce -> Text,
        code_tag -> Text,
        code_failures -> Integer,
        locale -> Text,
    }
}

diesel::table! {
    outbox (account_id, id) {
        account_id -> Text,
        id -> Text,
        message_id -> Text,
        invitation_id -> Nullable<Text>,
        recipient -> Text,
        locale -> Text,
        template -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    external_sessions (token_hash) {
        token_hash -> Text,
        account_id -> Text,
        invitation_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    verification_failures (id) {
        id -> Text,
        account_id -> Nullable<Text>,
        client_addr -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    sign_in_failures (id) {
        id -> Text,
        email -> Text,
        client_addr -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    contacts (account_id, id) {
        account_id -> Text,
        id -> Text,
        kind -> Text,
        company_id -> Nullable<Text>,
        name -> Text,
        email -> Nullable<Text>,
        access -> Text,
        password_hash -> Nullable<Text>,
        activation_nonce -> Nullable<Text>,
        activation_tag -> Nullable<Text>,
        activation_issued_at -> Nullable<Timestamp>,
        activation_expires_at -> Nullable<Timestamp>,
        locale -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contact_sessions (token_hash) {
        token_hash -> Text,
        account_id -> Text,
        contact_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    projects (account_id, id) {
        account_id -> Text,
        id -> Text,
        name -> Text,
        counterparty_id -> Nullable<Text>,
        client_manager_id -> Nullable<Text>,
        supervisor_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_auditors (account_id, project_id, person_kind, person_id) {
        account_id -> Text,
        project_id -> Text,
        person_kind -> Text,
        person_id -> Text,
    }
}

diesel::table! {
    tasks (account_id, id) {
        account_id -> Text,
        id -> Text,
        project_id -> Text,
        title -> Text,
        description -> Text,
        status -> Text,
        created_by_kind -> Text,
        created_by_id -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    task_people (account_id, task_id, role, person_kind, person_id) {
        account_id -> Text,
        task_id -> Text,
        project_id -> Text,
        role -> Text,
        person_kind -> Text,
        person_id -> Text,
    }
}

diesel::table! {
    task_comments (account_id, id) {
        account_id -> Text,
        id -> Text,
        task_id -> Text,
        author_kind -> Text,
        author_id -> Text,
        body -> Text,
        attachments -> Text,
        via -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    task_events (account_id, id) {
        account_id -> Text,
        id -> Text,
        task_id -> Text,
        actor_kind -> Text,
        actor_id -> Text,
        kind -> Text,
        detail -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reply_keys (tag) {
        tag -> Text,
        account_id -> Text,
        task_id -> Text,
        person_kind -> Text,
        person_id -> Text,
        nonce -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    apps (account_id, id) {
        account_id -> Text,
        id -> Text,
        name -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cases (account_id, id) {
        account_id -> Text,
        id -> Text,
        app_id -> Text,
        title -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    app_users (account_id, app_id, user_id) {
        account_id -> Text,
        app_id -> Text,
        user_id -> Text,
        user_type -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    case_roles (account_id, app_id, id) {
        account_id -> Text,
        app_id -> Text,
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_role_settings (account_id, app_id, role_id, feature_path) {
        account_id -> Text,
        app_id -> Text,
        role_id -> Text,
        feature_path -> Text,
        setting -> Text,
    }
}

diesel::table! {
    case_assignments (account_id, case_id, user_id) {
        account_id -> Text,
        app_id -> Text,
        case_id -> Text,
        user_id -> Text,
        role_id -> Text,
    }
}

diesel::table! {
    user_invitations (account_id, user_id) {
        account_id -> Text,
        user_id -> Text,
        nonce -> Text,
        tag -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    event_types (account_id, name) {
        account_id -> Text,
        name -> Text,
        fields -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    automations (account_id, id) {
        account_id -> Text,
        id -> Text,
        owner_id -> Text,
        name -> Text,
        event_type -> Text,
        mode -> Text,
        definition -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    automation_access (account_id, automation_id, user_id) {
        account_id -> Text,
        automation_id -> Text,
        user_id -> Text,
        state -> Text,
        reason -> Nullable<Text>,
        changed_by -> Nullable<Text>,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    mailboxes (account_id, user_id) {
        account_id -> Text,
        user_id -> Text,
        address -> Text,
        display_name -> Text,
        signature -> Text,
        smtp_url_sealed -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    automation_events (account_id, id) {
        account_id -> Text,
        id -> Text,
        event_type -> Text,
        user_id -> Nullable<Text>,
        fields -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    automation_runs (account_id, id) {
        account_id -> Text,
        id -> Text,
        automation_id -> Text,
        user_id -> Text,
        event_id -> Text,
        status -> Text,
        queued_at -> Timestamp,
        claimed_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    automation_run_steps (account_id, run_id, step_index) {
        account_id -> Text,
        run_id -> Text,
        step_index -> Integer,
        status -> Text,
        output -> Nullable<Text>,
        error -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    notifications (account_id, id) {
        account_id -> Text,
        id -> Text,
        user_id -> Text,
        kind -> Text,
        automation_id -> Nullable<Text>,
        message -> Text,
        detail -> Text,
        created_at -> Timestamp,
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
    items,
    wish_list_entries,
    recipient_groups,
    recipient_group_members,
    shares,
    share_items,
    invitations,
    outbox,
    external_sessions,
    verification_failures,
    sign_in_failures,
    contacts,
    contact_sessions,
    projects,
    project_auditors,
    tasks,
    task_people,
    task_comments,
    task_events,
    reply_keys,
    apps,
    cases,
    app_users,
    case_roles,
    case_role_settings,
    case_assignments,
    user_invitations,
    event_types,
    automations,
    automation_access,
    mailboxes,
    automation_events,
    automation_runs,
    automation_run_steps,
    notifications,
);

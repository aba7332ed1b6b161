// The one schema for both backends (SQLite and PostgreSQL): only types common to both.

diesel::table! {
    organizations (id) {
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    org_aliases (id) {
        id -> BigInt,
        org_id -> BigInt,
        alias -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        org_id -> BigInt,
        roles -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        password_change_required -> Bool,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
        kind -> Text,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        org_id -> BigInt,
        ref_digest -> Text,
        status -> Text,
        rule_set_version -> Text,
        shared_view -> Text,
        report -> Text,
        return_comment -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        content_digest -> Nullable<Text>,
    }
}

diesel::table! {
    sealed_originals (case_id) {
        case_id -> Text,
        ciphertext -> Binary,
    }
}

diesel::table! {
    manual_redactions (id) {
        id -> BigInt,
        case_id -> Text,
        field -> Text,
        placeholder -> Text,
        replaced -> Integer,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        subject -> Nullable<Text>,
        detail -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    index_changes (seq) {
        seq -> BigInt,
        case_id -> Text,
        op -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_facts (case_id) {
        case_id -> Text,
        org_id -> BigInt,
        received_at -> Timestamp,
        event_year -> Integer,
        category -> Text,
        harm -> Text,
        setting -> Text,
        first_contact_day -> Nullable<BigInt>,
        apology -> Nullable<Text>,
        clinician_support -> Nullable<Bool>,
        loop_closed -> Nullable<Bool>,
        loop_closed_day -> Nullable<BigInt>,
        standard_of_care -> Nullable<Text>,
        compensation -> Nullable<Text>,
        review_method -> Nullable<Text>,
        closed_day -> BigInt,
        actions_stronger -> Integer,
        actions_intermediate -> Integer,
        actions_weaker -> Integer,
        actions_planned -> Integer,
        actions_in_progress -> Integer,
        actions_implemented -> Integer,
        actions_verified -> Integer,
    }
}

diesel::table! {
    case_facts_version (id) {
        id -> Integer,
        n -> BigInt,
    }
}

diesel::table! {
    discussions (id) {
        id -> BigInt,
        title -> Text,
        starts_at -> Timestamp,
        time_zone -> Text,
        duration_minutes -> Integer,
        description -> Text,
        facilitator_notes -> Text,
        all_members -> Bool,
        status -> Text,
        overall_takeaways -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    discussion_orgs (discussion_id, org_id) {
        discussion_id -> BigInt,
        org_id -> BigInt,
    }
}

diesel::table! {
    discussion_cases (discussion_id, case_id) {
        discussion_id -> BigInt,
        case_id -> Text,
        position -> Integer,
        questions -> Text,
        takeaways -> Nullable<Text>,
    }
}

diesel::table! {
    discussion_attestations (discussion_id, user_id) {
        discussion_id -> BigInt,
        user_id -> BigInt,
        attested_at -> Timestamp,
    }
}

diesel::table! {
    discussion_attendance (discussion_id, user_id) {
        discussion_id -> BigInt,
        user_id -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    discussion_notices (id) {
        id -> BigInt,
        discussion_id -> BigInt,
        at -> Timestamp,
        kind -> Text,
        position -> Integer,
    }
}

diesel::joinable!(users -> organizations (org_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(cases -> organizations (org_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    org_aliases,
    users,
    api_tokens,
    cases,
    sealed_originals,
    manual_redactions,
    audit_log,
    audit_head,
    index_changes,
    case_facts,
    case_facts_version,
    discussions,
    discussion_orgs,
    discussion_cases,
    discussion_attestations,
    discussion_attendance,
    discussion_notices,
);

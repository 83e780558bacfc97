//! Apps and cases (seed 003), each statement of the seed as a test on both databases: a new
//! account's sample app and an app's first case; the Administrator who cannot be changed and
//! the Manager who can be revoked; billable seats and their limit; case roles (Staff, Client,
//! Bot, custom) deciding per case; the CSV import; nothing crossing accounts.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::contacts::activation_token;
use crate::support::{Cred, Env, Person, backends, request, unknown_id};

/// The predefined Staff case role.
const STAFF: &str = "7e55e7a0-0000-4000-8000-000000000201";
/// The predefined Client case role.
const CLIENT: &str = "7e55e7a0-0000-4000-8000-000000000202";
/// The predefined Bot case role.
const BOT: &str = "7e55e7a0-0000-4000-8000-000000000203";
/// The password imported people choose in these tests.
const CHOSEN_PASSWORD: &str = "imported-password-12";

/// The caller's sample app: `(app id, first case id)`.
async fn sample_app(env: &Env, cred: &Cred) -> (String, String) {
    let apps = env.get("/v1/apps", cred).await;
    let app = apps.expect(200)[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let cases = env.get(&format!("/v1/apps/{app}/cases"), cred).await;
    let case = cases.expect(200)[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (app, case)
}

/// A user with the account role `role` (by name), signed in.
async fn user_with(env: &Env, admin: &Cred, email: &str, role: &str) -> Person {
    let role = env.role_id(admin, role).await;
    env.add_user(admin, email, &role).await
}

/// Puts `user` in `app` with `user_type`.
async fn set_type(
    env: &Env,
    cred: &Cred,
    app: &str,
    user: &str,
    user_type: &str,
) -> crate::support::Reply {
    env.put(
        &format!("/v1/apps/{app}/users/{user}"),
        cred,
        json!({ "user_type": user_type }),
    )
    .await
}

/// `POST /v1/check` within `case`.
async fn case_check(
    env: &Env,
    cred: &Cred,
    case: &str,
    user: &str,
    feature: &str,
    level: &str,
) -> Value {
    let reply = env
        .post(
            "/v1/check",
            cred,
            json!({ "user": user, "feature": feature, "level": level, "case": case }),
        )
        .await;
    reply.expect(200).clone()
}

/// Posts a CSV file to the import.
async fn import(
    env: &Env,
    cred: &Cred,
    app: &str,
    query: &str,
    csv: &str,
) -> crate::support::Reply {
    let path = format!("/v1/apps/{app}/users/import{query}");
    let request = request(Method::POST, &path, cred)
        .insert_header(("content-type", "text/csv"))
        .set_payload(csv.to_owned());
    env.raw(&format!("POST {path}"), request).await
}

#[actix_web::test]
async fn an_account_starts_with_a_sample_app_and_each_app_with_its_first_case() {
    for env in backends().await {
        let admin = env.admin().await;
        let apps = env.get("/v1/apps", &admin.cred).await;
        let apps = apps.expect(200).as_array().cloned().unwrap_or_default();
        assert_eq!(apps.len(), 1, "[{}] {apps:?}", env.name);
        assert_eq!(apps[0]["name"], "Sample app");
        assert_eq!(apps[0]["created_by"], admin.id.as_str());
        let (sample, first) = sample_app(&env, &admin.cred).await;
        let case = env.get(&format!("/v1/cases/{first}"), &admin.cred).await;
        assert_eq!(case.expect(200)["title"], "First case");
        assert_eq!(case.body["app_id"], sample.as_str());

        let created = env
            .post("/v1/apps", &admin.cred, json!({ "name": "Claims" }))
            .await;
        let body = created.expect(201).clone();
        assert_eq!(body["first_case"]["title"], "First case");
        let app = body["app"]["id"].as_str().unwrap_or_default();
        let cases = env.get(&format!("/v1/apps/{app}/cases"), &admin.cred).await;
        assert_eq!(cases.expect(200)[0]["id"], body["first_case"]["id"]);
        let users = env.get(&format!("/v1/apps/{app}/users"), &admin.cred).await;
        assert_eq!(users.expect(200)[0]["user_type"], "administrator");
        assert_eq!(users.body[0]["user_id"], admin.id.as_str());
        env.post("/v1/apps", &admin.cred, json!({ "name": "Claims" }))
            .await
            .problem_at(409, "conflict", "name");
        env.post("/v1/apps", &admin.cred, json!({ "name": " " }))
            .await
            .problem_at(400, "invalid-input", "name");
        let made = env
            .post(
                &format!("/v1/apps/{app}/cases"),
                &admin.cred,
                json!({ "title": "Water damage", "kind": "incident" }),
            )
            .await;
        assert_eq!(made.expect(201)["kind"], "incident");
        let cases = env.get(&format!("/v1/apps/{app}/cases"), &admin.cred).await;
        assert_eq!(cases.expect(200).as_array().map(Vec::len), Some(2));
    }
}

#[actix_web::test]
async fn the_administrator_cannot_be_changed_and_a_manager_can_be_revoked() {
    for env in backends().await {
        let admin = env.admin().await;
        let (app, _) = sample_app(&env, &admin.cred).await;
        let mia = user_with(&env, &admin.cred, "mia@example.com", "Analytics Access").await;
        // Without a type in the app, Mia (no workspace rights) neither sees nor manages it.
        env.get(&format!("/v1/apps/{app}"), &mia.cred)
            .await
            .problem(403, "forbidden");
        assert_eq!(
            set_type(&env, &admin.cred, &app, &mia.id, "manager")
                .await
                .expect(200)["user_type"],
            "manager"
        );
        // A Manager has the Administrator's rights: cases, users, case roles.
        env.post(
            &format!("/v1/apps/{app}/cases"),
            &mia.cred,
            json!({ "title": "By Mia" }),
        )
        .await
        .expect(201);
        // … but cannot touch the Administrator either.
        set_type(&env, &mia.cred, &app, &admin.id, "staff")
            .await
            .problem_at(409, "administrator-immutable", "user_type");
        env.delete(&format!("/v1/apps/{app}/users/{}", admin.id), &admin.cred)
            .await
            .problem(409, "administrator-immutable");
        set_type(&env, &admin.cred, &app, &mia.id, "administrator")
            .await
            .problem_at(409, "administrator-immutable", "user_type");
        env.delete(&format!("/v1/users/{}", admin.id), &mia.cred)
            .await
            .client_error();
        // Revoked: Staff sees the app but manages nothing.
        set_type(&env, &admin.cred, &app, &mia.id, "staff")
            .await
            .expect(200);
        env.post(
            &format!("/v1/apps/{app}/cases"),
            &mia.cred,
            json!({ "title": "Again" }),
        )
        .await
        .problem(403, "forbidden");
        env.get(&format!("/v1/apps/{app}/cases"), &mia.cred)
            .await
            .expect(200);
        env.delete(&format!("/v1/apps/{app}/users/{}", mia.id), &admin.cred)
            .await
            .expect(204);
        env.get(&format!("/v1/apps/{app}"), &mia.cred)
            .await
            .problem(403, "forbidden");
        let audit = env.get("/v1/audit?action=app.user_type", &admin.cred).await;
        assert!(
            !audit.expect(200)["events"]
                .as_array()
                .is_none_or(Vec::is_empty),
            "[{}] {}",
            env.name,
            audit.body
        );
    }
}

#[actix_web::test]
async fn seats_count_billable_types_once_per_person_and_the_limit_answers_402() {
    for env in backends().await {
        let admin = env.admin().await;
        let (app, _) = sample_app(&env, &admin.cred).await;
        let role = env.role_id(&admin.cred, "Analytics Access").await;
        let ana = env.create_user(&admin.cred, "ana@example.com", &role).await;
        let bo = env.create_user(&admin.cred, "bo@example.com", &role).await;
        let cy = env.create_user(&admin.cred, "cy@example.com", &role).await;
        env.send(
            Method::PATCH,
            "/v1/account",
            &admin.cred,
            Some(json!({ "seat_limit": 2 })),
        )
        .await
        .expect(200);
        set_type(&env, &admin.cred, &app, &ana, "staff")
            .await
            .expect(200);
        let refused = set_type(&env, &admin.cred, &app, &bo, "manager").await;
        refused.problem_at(402, "seat-limit-reached", "user_type");
        assert!(
            refused.body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("allows 2"),
            "[{}] the problem names the limit: {}",
            env.name,
            refused.body
        );
        // Users (client members) and Bots are not billed.
        assert_eq!(
            set_type(&env, &admin.cred, &app, &bo, "user")
                .await
                .expect(200)["billable"],
            false
        );
        set_type(&env, &admin.cred, &app, &cy, "bot")
            .await
            .expect(200);
        // Ana holds a seat already: another app's billable type takes none.
        let other = env
            .post("/v1/apps", &admin.cred, json!({ "name": "Second" }))
            .await;
        let other = other.expect(201)["app"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        set_type(&env, &admin.cred, &other, &ana, "manager")
            .await
            .expect(200);
        let seats = env.get("/v1/seats", &admin.cred).await;
        let seats = seats.expect(200).clone();
        assert_eq!(seats["used"], 2, "[{}] {seats}", env.name);
        assert_eq!(seats["limit"], 2);
        let billable: Vec<(String, u64)> = seats["apps"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                (
                    a["name"].as_str().unwrap_or_default().to_owned(),
                    a["billable"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        assert_eq!(
            billable,
            [("Sample app".to_owned(), 2), ("Second".to_owned(), 2)]
        );
        // Lifting the limit lets Bo become staff.
        env.send(
            Method::PATCH,
            "/v1/account",
            &admin.cred,
            Some(json!({ "seat_limit": null })),
        )
        .await
        .expect(200);
        set_type(&env, &admin.cred, &app, &bo, "staff")
            .await
            .expect(200);
        let seats = env.get("/v1/seats", &admin.cred).await;
        assert_eq!(seats.expect(200)["used"], 3);
        // Seats are the account's business: settings: read.
        let analyst = env.add_user(&admin.cred, "dan@example.com", &role).await;
        env.get("/v1/seats", &analyst.cred)
            .await
            .problem(403, "forbidden");
    }
}

#[actix_web::test]
async fn case_roles_decide_per_case_the_client_only_in_its_case_and_the_bot_read_only() {
    for env in backends().await {
        let admin = env.admin().await;
        let (app, first) = sample_app(&env, &admin.cred).await;
        let role = env.role_id(&admin.cred, "Analytics Access").await;
        let client = env.add_user(&admin.cred, "client@example.com", &role).await;
        let bot = env.create_user(&admin.cred, "bot@example.com", &role).await;
        let staff = env
            .create_user(&admin.cred, "staff@example.com", &role)
            .await;
        let second = env
            .post(
                &format!("/v1/apps/{app}/cases"),
                &admin.cred,
                json!({ "title": "Second" }),
            )
            .await;
        let second = second.expect(201)["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // Assigning needs the user in the app, and a role.
        env.put(
            &format!("/v1/cases/{first}/assignments/{}", client.id),
            &admin.cred,
            json!({ "role": CLIENT }),
        )
        .await
        .problem_at(400, "invalid-input", "user");
        set_type(&env, &admin.cred, &app, &client.id, "user")
            .await
            .expect(200);
        set_type(&env, &admin.cred, &app, &bot, "bot")
            .await
            .expect(200);
        set_type(&env, &admin.cred, &app, &staff, "staff")
            .await
            .expect(200);
        env.put(
            &format!("/v1/cases/{first}/assignments/{}", client.id),
            &admin.cred,
            json!({}),
        )
        .await
        .problem_at(400, "invalid-input", "role");
        env.put(
            &format!("/v1/cases/{first}/assignments/{}", client.id),
            &admin.cred,
            json!({ "role": unknown_id() }),
        )
        .await
        .problem_at(400, "invalid-input", "role");
        for (user, role) in [(&client.id, CLIENT), (&bot, BOT), (&staff, STAFF)] {
            env.put(
                &format!("/v1/cases/{first}/assignments/{user}"),
                &admin.cred,
                json!({ "role": role }),
            )
            .await
            .expect(200);
        }
        let a = &admin.cred;
        // The Client interacts with its case: feed and convo modify, events read, notes none.
        let answer = case_check(&env, a, &first, &client.id, "case/feed", "modify").await;
        assert_eq!(answer["allowed"], true, "[{}] {answer}", env.name);
        assert_eq!(answer["case_role"], CLIENT);
        assert_eq!(
            case_check(&env, a, &first, &client.id, "case/convo", "write").await["allowed"],
            false
        );
        assert_eq!(
            case_check(&env, a, &first, &client.id, "case/events", "read").await["level"],
            "read"
        );
        assert_eq!(
            case_check(&env, a, &first, &client.id, "case/notes", "read").await["allowed"],
            false
        );
        // … and only in its case.
        let elsewhere = case_check(&env, a, &second, &client.id, "case/feed", "read").await;
        assert_eq!(elsewhere["level"], "none");
        assert!(
            elsewhere.get("case_role").is_none(),
            "[{}] {elsewhere}",
            env.name
        );
        // The Bot reads everything and writes nothing.
        for feature in ["case/feed", "case/convo", "case/events", "case/notes"] {
            assert_eq!(
                case_check(&env, a, &first, &bot, feature, "read").await["allowed"],
                true
            );
            assert_eq!(
                case_check(&env, a, &first, &bot, feature, "modify").await["allowed"],
                false
            );
        }
        assert_eq!(
            case_check(&env, a, &first, &staff, "case/notes", "write").await["allowed"],
            true
        );
        // A client asks about itself; not about others.
        case_check(&env, &client.cred, &first, &client.id, "case/feed", "read").await;
        env.post(
            "/v1/check",
            &client.cred,
            json!({ "user": staff, "feature": "case/feed", "level": "read", "case": first }),
        )
        .await
        .problem(403, "forbidden");
        env.post(
            "/v1/check",
            a,
            json!({ "user": client.id, "feature": "workspace", "level": "read", "case": first }),
        )
        .await
        .problem_at(400, "unknown-feature", "feature");
        // Explain names the case role and where the level was set.
        let why = env
            .post(
                "/v1/explain",
                a,
                json!({ "user": client.id, "feature": "case/notes", "case": first }),
            )
            .await;
        let why = why.expect(200).clone();
        assert_eq!(why["grant"]["role_name"], "Client", "[{}] {why}", env.name);
        assert_eq!(why["grant"]["scope"], first.as_str());
        assert_eq!(why["set_on"], "case/notes");
        assert_eq!(why["level"], "none");
        // Who can read the notes of the first case: the Bot and the Staff, not the Client.
        let who = env
            .get(
                &format!("/v1/who-can?feature=case/notes&level=read&case={first}"),
                a,
            )
            .await;
        let mut users: Vec<String> = who.expect(200)["users"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u.as_str().map(str::to_owned))
            .collect();
        users.sort();
        let mut expected = vec![bot.clone(), staff.clone()];
        expected.sort();
        assert_eq!(users, expected, "[{}]", env.name);
        // Unassigned, or out of the app: the case answers none again.
        env.delete(&format!("/v1/cases/{first}/assignments/{}", client.id), a)
            .await
            .expect(204);
        assert_eq!(
            case_check(&env, a, &first, &client.id, "case/feed", "read").await["level"],
            "none"
        );
        env.delete(&format!("/v1/apps/{app}/users/{bot}"), a)
            .await
            .expect(204);
        assert_eq!(
            case_check(&env, a, &first, &bot, "case/feed", "read").await["level"],
            "none"
        );
        let detail = env.get(&format!("/v1/cases/{first}"), a).await;
        assert_eq!(
            detail.expect(200)["assignments"].as_array().map(Vec::len),
            Some(1)
        );
    }
}

#[actix_web::test]
async fn custom_case_roles_are_created_edited_and_deleted_only_when_unassigned() {
    for env in backends().await {
        let admin = env.admin().await;
        let a = &admin.cred;
        let (app, first) = sample_app(&env, a).await;
        let roles = env.get(&format!("/v1/apps/{app}/case-roles"), a).await;
        let names: Vec<&str> = roles
            .expect(200)
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert_eq!(names, ["Staff", "Client", "Bot"]);
        assert!(
            roles
                .body
                .as_array()
                .into_iter()
                .flatten()
                .all(|r| r["predefined"] == true)
        );
        let path = format!("/v1/apps/{app}/case-roles");
        env.post(
            &path,
            a,
            json!({ "name": "Bad", "settings": { "workspace": "read" } }),
        )
        .await
        .problem_at(400, "unknown-feature", "feature");
        env.post(&path, a, json!({ "name": "Staff" }))
            .await
            .problem_at(409, "duplicate-role-name", "name");
        let made = env
            .post(&path, a, json!({ "name": "Reviewer", "settings": { "case": "read", "case/notes": "write" } }))
            .await;
        let reviewer = made.expect(201)["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        env.put(
            &format!("{path}/{CLIENT}"),
            a,
            json!({ "name": "Client", "settings": {} }),
        )
        .await
        .problem(403, "predefined-role");
        env.delete(&format!("{path}/{STAFF}"), a)
            .await
            .problem(403, "predefined-role");
        set_type(&env, a, &app, &admin.id, "administrator")
            .await
            .expect(200);
        env.put(
            &format!("/v1/cases/{first}/assignments/{}", admin.id),
            a,
            json!({ "role": reviewer }),
        )
        .await
        .expect(200);
        let answer = case_check(&env, a, &first, &admin.id, "case/feed", "read").await;
        assert_eq!(
            answer["allowed"], true,
            "[{}] inherited from `case`: {answer}",
            env.name
        );
        let why = env
            .post(
                "/v1/explain",
                a,
                json!({ "user": admin.id, "feature": "case/feed", "case": first }),
            )
            .await;
        assert_eq!(why.expect(200)["set_on"], "case");
        assert_eq!(why.body["inherited_through"][0], "case/feed");
        let edited = env
            .put(
                &format!("{path}/{reviewer}"),
                a,
                json!({ "name": "Reader", "settings": { "case": "read" } }),
            )
            .await;
        assert_eq!(edited.expect(200)["name"], "Reader");
        assert_eq!(
            case_check(&env, a, &first, &admin.id, "case/notes", "write").await["allowed"],
            false
        );
        let refused = env.delete(&format!("{path}/{reviewer}"), a).await;
        refused.problem(409, "role-in-use");
        assert!(
            refused.body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("1 user assignment"),
            "[{}] {}",
            env.name,
            refused.body
        );
        env.delete(&format!("/v1/cases/{first}/assignments/{}", admin.id), a)
            .await
            .expect(204);
        env.delete(&format!("{path}/{reviewer}"), a)
            .await
            .expect(204);
        env.delete(&format!("{path}/{reviewer}"), a)
            .await
            .problem(404, "not-found");
    }
}

#[actix_web::test]
async fn the_import_reports_every_row_invites_new_people_and_changes_nothing_the_second_time() {
    for env in backends().await {
        let admin = env.admin().await;
        let a = &admin.cred;
        let (app, _) = sample_app(&env, a).await;
        env.send(
            Method::PATCH,
            "/v1/account",
            a,
            Some(json!({ "seat_limit": 3 })),
        )
        .await
        .expect(200);
        let csv = "Email,Name,User_Type,Case,Case_Role\n\
            ana@example.com,Ana Pop,staff,First case,Staff\n\
            not-an-address,Nobody,staff,,\n\
            bo@example.com,Bo,user,first case,client\n\
            ana@example.com,Ana again,manager,,\n\
            cy@example.com,Cy,staff,First case,Reviewer\n\
            di@example.com,Di,staff,,\n\
            ed@example.com,Ed,manager,,\n\
            fa@example.com,Fa,bot,First case,Bot\n";
        let first = import(&env, a, &app, "?account_role=Analytics%20Access", csv).await;
        let report = first.expect(200).clone();
        let statuses: Vec<(u64, String, Option<String>)> = report["rows"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["line"].as_u64().unwrap_or(0),
                    r["status"].as_str().unwrap_or_default().to_owned(),
                    r["reason"].as_str().map(str::to_owned),
                )
            })
            .collect();
        let expected = [
            (2, "created", None),
            (3, "skipped", Some("bad-email")),
            (4, "created", None),
            (5, "skipped", Some("duplicate-row")),
            (6, "skipped", Some("unknown-case-role")),
            (7, "created", None),
            (8, "skipped", Some("seat-limit-reached")),
            (9, "created", None),
        ];
        let expected: Vec<(u64, String, Option<String>)> = expected
            .iter()
            .map(|(l, s, r)| (*l, (*s).to_owned(), r.map(str::to_owned)))
            .collect();
        assert_eq!(statuses, expected, "[{}] {report}", env.name);
        assert_eq!(
            (
                report["created"].clone(),
                report["skipped"].clone(),
                report["invited"].clone()
            ),
            (json!(4), json!(4), json!(4))
        );
        assert_eq!(report["seats_used"], 3);
        // Invitations go through the outbox; a link lets the person choose a password.
        let token = activation_token(&env, "ana@example.com").await;
        let view = env
            .get(&format!("/v1/activation/{token}"), &Cred::Anonymous)
            .await;
        assert_eq!(view.expect(200)["kind"], "user");
        assert_eq!(view.body["contact_name"], "Ana Pop");
        env.sign_in("ana@example.com", CHOSEN_PASSWORD)
            .await
            .problem(401, "bad-credentials");
        let chosen = env
            .post(
                &format!("/v1/activation/{token}"),
                &Cred::Anonymous,
                json!({ "password": CHOSEN_PASSWORD }),
            )
            .await;
        assert!(
            chosen.expect(201)["user_id"].is_string(),
            "[{}] {}",
            env.name,
            chosen.body
        );
        env.post(
            &format!("/v1/activation/{token}"),
            &Cred::Anonymous,
            json!({ "password": CHOSEN_PASSWORD }),
        )
        .await
        .problem(410, "activation-unusable");
        let ana = env.session("ana@example.com", CHOSEN_PASSWORD).await;
        let apps = env.get("/v1/apps", &ana.cred).await;
        assert_eq!(
            apps.expect(200)[0]["id"],
            app.as_str(),
            "[{}] Ana sees her app",
            env.name
        );
        // The same file again: every good row unchanged, the bad ones skipped alike.
        let again = import(&env, a, &app, "?account_role=Analytics%20Access", csv).await;
        let again = again.expect(200).clone();
        assert_eq!(
            (
                again["created"].clone(),
                again["updated"].clone(),
                again["unchanged"].clone(),
                again["skipped"].clone(),
                again["invited"].clone()
            ),
            (json!(0), json!(0), json!(4), json!(4), json!(0)),
            "[{}] {again}",
            env.name
        );
        // A change is an update; without an account role, unknown people are skipped.
        let change = "email,name,user_type\nbo@example.com,Bo,bot\nnew@example.com,New,user\n";
        let changed = import(&env, a, &app, "", change).await;
        let changed = changed.expect(200).clone();
        assert_eq!(
            changed["rows"][0]["status"], "updated",
            "[{}] {changed}",
            env.name
        );
        assert_eq!(changed["rows"][1]["reason"], "not-in-account");
        // A wrong header refuses the file, naming the column; CSV only.
        import(
            &env,
            a,
            &app,
            "",
            "email,name,role\nx@example.com,X,staff\n",
        )
        .await
        .problem_at(400, "invalid-input", "header");
        import(&env, a, &app, "", "email,name\nx@example.com,X\n")
            .await
            .problem_at(400, "invalid-input", "header");
        let path = format!("/v1/apps/{app}/users/import");
        env.post(&path, a, json!({ "email": "x@example.com" }))
            .await
            .problem(415, "unsupported-media-type");
        import(&env, a, &app, "?account_role=Nope", change)
            .await
            .problem_at(400, "invalid-input", "account_role");
        // Adding people to the account needs user_management: write.
        env.send(
            Method::PATCH,
            "/v1/account",
            a,
            Some(json!({ "seat_limit": null })),
        )
        .await
        .expect(200);
        let manager = env
            .create_user(
                a,
                "mgr@example.com",
                &env.role_id(a, "Analytics Access").await,
            )
            .await;
        set_type(&env, a, &app, &manager, "manager")
            .await
            .expect(200);
        let mgr = env
            .session("mgr@example.com", crate::support::USER_INITIAL_PASSWORD)
            .await;
        env.change_password(
            &mgr.cred,
            crate::support::USER_INITIAL_PASSWORD,
            "mgr-password-123",
        )
        .await;
        import(
            &env,
            &mgr.cred,
            &app,
            "?account_role=Analytics%20Access",
            change,
        )
        .await
        .problem(403, "forbidden");
        let as_manager = import(&env, &mgr.cred, &app, "", change).await;
        assert_eq!(as_manager.expect(200)["unchanged"], 1);
    }
}

#[actix_web::test]
async fn apps_cases_and_case_checks_do_not_cross_accounts() {
    for env in backends().await {
        let admin = env.admin().await;
        let (app, case) = sample_app(&env, &admin.cred).await;
        let (_, other_admin, other) = env
            .second_account("other@example.com", "other-password-12")
            .await;
        let (other_app, _) = sample_app(&env, &other).await;
        assert_ne!(app, other_app);
        env.get(&format!("/v1/apps/{app}"), &other)
            .await
            .problem(404, "not-found");
        env.get(&format!("/v1/apps/{app}/cases"), &other)
            .await
            .problem(404, "not-found");
        env.get(&format!("/v1/cases/{case}"), &other)
            .await
            .problem(404, "not-found");
        env.delete(&format!("/v1/cases/{case}"), &other)
            .await
            .problem(404, "not-found");
        env.post(
            &format!("/v1/apps/{app}/cases"),
            &other,
            json!({ "title": "Intrusion" }),
        )
        .await
        .problem(404, "not-found");
        set_type(&env, &other, &app, &other_admin.to_string(), "staff")
            .await
            .problem(404, "not-found");
        // A user of another account cannot join this account's app.
        set_type(&env, &admin.cred, &app, &other_admin.to_string(), "staff")
            .await
            .problem(404, "not-found");
        import(
            &env,
            &other,
            &app,
            "",
            "email,name,user_type\nadmin@example.com,A,staff\n",
        )
        .await
        .problem(404, "not-found");
        env.post("/v1/check", &other, json!({ "user": other_admin.to_string(), "feature": "case/feed", "level": "read", "case": case }))
            .await
            .problem(404, "not-found");
        let apps = env.get("/v1/apps", &other).await;
        assert_eq!(
            apps.expect(200).as_array().map(Vec::len),
            Some(1),
            "[{}] only its own",
            env.name
        );
        let seats = env.get("/v1/seats", &other).await;
        assert_eq!(seats.expect(200)["used"], 1);
    }
}

#[actix_web::test]
async fn concurrent_adds_never_pass_the_seat_limit() {
    for env in backends().await {
        let admin = env.admin().await;
        let a = &admin.cred;
        let (app, _) = sample_app(&env, a).await;
        let role = env.role_id(a, "Analytics Access").await;
        let mut people = Vec::new();
        for n in 0..12 {
            people.push(
                env.create_user(a, &format!("p{n}@example.com"), &role)
                    .await,
            );
        }
        // The Administrator holds one seat; one more is left.
        env.send(
            Method::PATCH,
            "/v1/account",
            a,
            Some(json!({ "seat_limit": 2 })),
        )
        .await
        .expect(200);
        let paths: Vec<String> = people
            .iter()
            .map(|user| format!("/v1/apps/{app}/users/{user}"))
            .collect();
        let attempts: Vec<crate::support::Pending<'_>> = paths
            .iter()
            .map(|path| -> crate::support::Pending<'_> {
                Box::pin(env.put(path, a, json!({ "user_type": "staff" })))
            })
            .collect();
        let replies = crate::support::join_all(attempts).await;
        let added = replies.iter().filter(|r| r.status.as_u16() == 200).count();
        assert_eq!(added, 1, "[{}] exactly one takes the last seat", env.name);
        for reply in replies.iter().filter(|r| r.status.as_u16() != 200) {
            reply.problem(402, "seat-limit-reached");
        }
        let seats = env.get("/v1/seats", a).await;
        assert_eq!(seats.expect(200)["used"], 2, "[{}]", env.name);
    }
}

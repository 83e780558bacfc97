//! The console's pages for apps and cases over the in-process app, on SQLite and PostgreSQL:
//! an app created with its first case, users given a type and the billable seats they take,
//! the CSV import's report, cases created, assigned, unassigned and deleted, custom case
//! roles, refusals that name the field and write nothing, the 403 of a role that only reads,
//! and nothing across accounts.

use actix_web::http::{Method, header};

use crate::console::{CSRF, form, page, text};
use crate::support::{Cred, Env, Reply, backends};

const CURATOR: &str = "7e55e7a0-0000-4000-8000-000000000003";
const CLIENT: &str = "7e55e7a0-0000-4000-8000-000000000202";
const STAFF: &str = "7e55e7a0-0000-4000-8000-000000000201";
/// Where a 303 answer sends the browser.
#[track_caller]
fn location(reply: &Reply) -> String {
    assert_eq!(
        reply.status.as_u16(),
        303,
        "{}: {}",
        reply.context,
        text(reply)
    );
    reply
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("a location")
        .to_owned()
}

#[track_caller]
fn redirects_to(reply: &Reply, expected: &str) {
    assert_eq!(location(reply), expected, "{}", reply.context);
}

/// The page answered `status` and names `field` in its alert.
#[track_caller]
fn refused_naming(reply: &Reply, status: u16, field: &str) {
    assert_eq!(
        reply.status.as_u16(),
        status,
        "{}: {}",
        reply.context,
        text(reply)
    );
    let html = text(reply);
    assert!(html.contains("role=\"alert\""), "{}: {html}", reply.context);
    assert!(
        html.contains(&format!("<strong>{field}</strong>")),
        "{}: no field `{field}` in {html}",
        reply.context
    );
}

/// The id in `path` after `prefix` (up to `?` or the end).
fn id_after(path: &str, prefix: &str) -> String {
    path.strip_prefix(prefix)
        .expect("prefix")
        .split('?')
        .next()
        .expect("id")
        .to_owned()
}

/// The account's sample app: `(app id, first case id)`.
async fn sample_app(env: &Env, cred: &Cred) -> (String, String) {
    let apps = env.get("/v1/apps", cred).await;
    let app = apps.expect(200)[0]["id"].as_str().expect("app").to_owned();
    let cases = env.get(&format!("/v1/apps/{app}/cases"), cred).await;
    let case = cases.expect(200)[0]["id"]
        .as_str()
        .expect("case")
        .to_owned();
    (app, case)
}

/// The billable seats the apps page shows.
async fn seats_shown(env: &Env, cred: &Cred) -> String {
    let html = text(&page(env, "/console/apps", cred).await);
    let at = html.find("id=\"seats-used\">").expect("seats shown") + "id=\"seats-used\">".len();
    html[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

/// The `user_type` of `user` in `app`, by the API (`None`: not in it).
async fn type_in(env: &Env, cred: &Cred, app: &str, user: &str) -> Option<String> {
    let users = env.get(&format!("/v1/apps/{app}/users"), cred).await;
    users
        .expect(200)
        .as_array()
        .and_then(|all| all.iter().find(|u| u["user_id"] == user))
        .map(|u| u["user_type"].as_str().unwrap_or_default().to_owned())
}

#[actix_web::test]
async fn an_app_is_created_with_its_first_case_and_its_users_take_seats() {
    for env in backends().await {
        let admin = env.admin().await;
        let ana = env.add_user(&admin.cred, "ana@example.com", CURATOR).await;

        let listed = page(&env, "/console/apps", &admin.cred).await;
        listed.expect(200);
        let html = text(&listed);
        assert!(html.contains("data-name=\"Sample app\""), "{html}");
        assert!(
            html.contains("href=\"/console/apps\" aria-current=\"page\">Apps</a>"),
            "the Apps entry: {html}"
        );
        assert!(html.contains("id=\"new-app\""), "{html}");
        assert!(html.contains("Users (client members) and Bots do not"));
        assert_eq!(seats_shown(&env, &admin.cred).await, "1", "[{}]", env.name);

        // A blank or taken name is refused naming the field, and nothing is created.
        let blank = form(&env, "/console/apps", &admin.cred, CSRF, &[("name", " ")]).await;
        refused_naming(&blank, 400, "name");
        let taken = form(
            &env,
            "/console/apps",
            &admin.cred,
            CSRF,
            &[("name", "Sample app")],
        )
        .await;
        refused_naming(&taken, 409, "name");
        assert!(text(&taken).contains("value=\"Sample app\""), "kept typed");
        let forged = form(
            &env,
            "/console/apps",
            &admin.cred,
            "",
            &[("name", "Forged")],
        )
        .await;
        assert!(forged.status.is_client_error(), "{}", forged.context);
        let apps = env.get("/v1/apps", &admin.cred).await;
        assert_eq!(apps.expect(200).as_array().map(Vec::len), Some(1));

        // Created: its page says the first case was made, and lists it.
        let created = form(
            &env,
            "/console/apps",
            &admin.cred,
            CSRF,
            &[("name", "Claims")],
        )
        .await;
        let at = location(&created);
        assert!(at.ends_with("?notice=created"), "{at}");
        let app = id_after(&at, "/console/apps/");
        let detail = format!("/console/apps/{app}");
        let shown = page(&env, &at, &admin.cred).await;
        shown.expect(200);
        let html = text(&shown);
        assert!(
            html.contains("created with its first case, “First case”"),
            "{html}"
        );
        assert!(html.contains("data-title=\"First case\""), "{html}");
        assert!(html.contains("cannot be changed or removed"), "{html}");
        let cases = env.get(&format!("/v1/apps/{app}/cases"), &admin.cred).await;
        assert_eq!(cases.expect(200)[0]["title"], "First case");
        // The creator already held a seat: still one.
        assert_eq!(seats_shown(&env, &admin.cred).await, "1", "[{}]", env.name);

        // Ana added as Staff takes a seat; as a User she takes none.
        let users = format!("{detail}/users");
        let added = form(
            &env,
            &users,
            &admin.cred,
            CSRF,
            &[("user", &ana.id), ("type", "staff")],
        )
        .await;
        redirects_to(&added, &format!("{detail}?notice=user-saved"));
        assert_eq!(
            type_in(&env, &admin.cred, &app, &ana.id).await.as_deref(),
            Some("staff")
        );
        assert_eq!(seats_shown(&env, &admin.cred).await, "2", "[{}]", env.name);
        let html = text(&page(&env, &detail, &admin.cred).await);
        assert!(html.contains("data-email=\"ana@example.com\""), "{html}");

        // Bad types name the field; the Administrator stays as they are.
        let unknown = form(
            &env,
            &users,
            &admin.cred,
            CSRF,
            &[("user", &ana.id), ("type", "boss")],
        )
        .await;
        refused_naming(&unknown, 400, "type");
        let promoted = form(
            &env,
            &users,
            &admin.cred,
            CSRF,
            &[("user", &ana.id), ("type", "administrator")],
        )
        .await;
        refused_naming(&promoted, 409, "type");
        let demoted = form(
            &env,
            &users,
            &admin.cred,
            CSRF,
            &[("user", &admin.id), ("type", "staff")],
        )
        .await;
        refused_naming(&demoted, 409, "type");
        let nobody = form(&env, &users, &admin.cred, CSRF, &[("type", "staff")]).await;
        refused_naming(&nobody, 400, "user");
        let removed_admin = form(
            &env,
            &format!("{users}/{}/remove", admin.id),
            &admin.cred,
            CSRF,
            &[],
        )
        .await;
        assert_eq!(
            removed_admin.status.as_u16(),
            409,
            "{}",
            removed_admin.context
        );
        assert!(text(&removed_admin).contains("role=\"alert\""));
        assert_eq!(
            type_in(&env, &admin.cred, &app, &admin.id).await.as_deref(),
            Some("administrator")
        );
        assert_eq!(
            type_in(&env, &admin.cred, &app, &ana.id).await.as_deref(),
            Some("staff")
        );

        let changed = form(
            &env,
            &users,
            &admin.cred,
            CSRF,
            &[("user", &ana.id), ("type", "user")],
        )
        .await;
        redirects_to(&changed, &format!("{detail}?notice=user-saved"));
        assert_eq!(seats_shown(&env, &admin.cred).await, "1", "[{}]", env.name);

        // At the plan's limit a billable type is refused naming the field; a User is not.
        env.send(
            Method::PATCH,
            "/v1/account",
            &admin.cred,
            Some(serde_json::json!({ "seat_limit": 1 })),
        )
        .await
        .expect(200);
        let full = form(
            &env,
            &users,
            &admin.cred,
            CSRF,
            &[("user", &ana.id), ("type", "staff")],
        )
        .await;
        refused_naming(&full, 402, "type");
        assert!(
            text(&full).contains("the plan allows 1 billable seats"),
            "{}",
            text(&full)
        );
        assert_eq!(
            type_in(&env, &admin.cred, &app, &ana.id).await.as_deref(),
            Some("user")
        );
        let html = text(&page(&env, "/console/apps", &admin.cred).await);
        assert!(html.contains("id=\"seats-limit\">1</span>"), "{html}");

        let removed = form(
            &env,
            &format!("{users}/{}/remove", ana.id),
            &admin.cred,
            CSRF,
            &[],
        )
        .await;
        redirects_to(&removed, &format!("{detail}?notice=user-removed"));
        assert_eq!(type_in(&env, &admin.cred, &app, &ana.id).await, None);
    }
}

#[actix_web::test]
async fn an_import_reports_every_row_and_refuses_a_bad_header_by_name() {
    for env in backends().await {
        let admin = env.admin().await;
        let bob = env
            .create_user(&admin.cred, "bob@example.com", CURATOR)
            .await;
        let (app, _) = sample_app(&env, &admin.cred).await;
        let path = format!("/console/apps/{app}/import");

        let empty = form(&env, &path, &admin.cred, CSRF, &[("csv", "  ")]).await;
        refused_naming(&empty, 400, "csv");
        let bad_header = "mail,name,user_type\nbob@example.com,Bob,staff\n";
        let refused = form(&env, &path, &admin.cred, CSRF, &[("csv", bad_header)]).await;
        refused_naming(&refused, 400, "header");
        assert!(
            text(&refused).contains("unknown column &#x60;mail&#x60;"),
            "{}",
            text(&refused)
        );
        assert!(
            text(&refused).contains("bob@example.com,Bob,staff"),
            "kept typed"
        );
        assert_eq!(type_in(&env, &admin.cred, &app, &bob).await, None);

        // A browser sends a textarea's lines with CRLF.
        let csv =
            "email,name,user_type\r\nbob@example.com,Bob,staff\r\nnot-an-address,Nobody,staff\r\n";
        let imported = form(&env, &path, &admin.cred, CSRF, &[("csv", csv)]).await;
        imported.expect(200);
        let html = text(&imported);
        assert!(html.contains("id=\"import-report\""), "{html}");
        assert!(
            html.contains("1 created, 0 updated, 0 unchanged, 1 skipped"),
            "{html}"
        );
        let good = html.find("data-line=\"2\"").expect("line 2");
        assert!(
            html[good..].contains("state-import-created\">created"),
            "{html}"
        );
        let bad = html.find("data-line=\"3\"").expect("line 3");
        let bad_row = &html[bad..html[bad..]
            .find("</tr>")
            .map_or(html.len(), |end| bad + end)];
        assert!(bad_row.contains("skipped"), "{bad_row}");
        assert!(bad_row.contains("<code>bad-email</code>"), "{bad_row}");
        assert!(
            bad_row.contains("email: not an e-mail address"),
            "{bad_row}"
        );
        assert_eq!(
            type_in(&env, &admin.cred, &app, &bob).await.as_deref(),
            Some("staff")
        );

        // The same text again changes nothing.
        let again = form(&env, &path, &admin.cred, CSRF, &[("csv", csv)]).await;
        assert!(
            text(&again).contains("0 created, 0 updated, 1 unchanged, 1 skipped"),
            "{}",
            text(&again)
        );
    }
}

#[actix_web::test]
async fn a_case_is_created_assigned_unassigned_and_deleted() {
    for env in backends().await {
        let admin = env.admin().await;
        let carla = env
            .create_user(&admin.cred, "carla@example.com", CURATOR)
            .await;
        let outsider = env
            .create_user(&admin.cred, "outsider@example.com", CURATOR)
            .await;
        let (app, _) = sample_app(&env, &admin.cred).await;
        let detail = format!("/console/apps/{app}");
        redirects_to(
            &form(
                &env,
                &format!("{detail}/users"),
                &admin.cred,
                CSRF,
                &[("user", &carla), ("type", "user")],
            )
            .await,
            &format!("{detail}?notice=user-saved"),
        );

        let cases = format!("{detail}/cases");
        let untitled = form(
            &env,
            &cases,
            &admin.cred,
            CSRF,
            &[("title", " "), ("kind", "incident")],
        )
        .await;
        refused_naming(&untitled, 400, "title");
        let unkind = form(
            &env,
            &cases,
            &admin.cred,
            CSRF,
            &[("title", "Water leak"), ("kind", "mystery")],
        )
        .await;
        refused_naming(&unkind, 400, "kind");
        assert!(text(&unkind).contains("value=\"Water leak\""), "kept typed");
        let listed = env.get(&format!("/v1/apps/{app}/cases"), &admin.cred).await;
        assert_eq!(listed.expect(200).as_array().map(Vec::len), Some(1));

        let created = form(
            &env,
            &cases,
            &admin.cred,
            CSRF,
            &[("title", "Water leak"), ("kind", "incident")],
        )
        .await;
        let at = location(&created);
        let case = id_after(&at, "/console/cases/");
        let case_page = format!("/console/cases/{case}");
        let shown = page(&env, &at, &admin.cred).await;
        shown.expect(200);
        assert!(text(&shown).contains("The case was created."));
        assert!(text(&shown).contains("Nobody is assigned"));
        assert!(
            text(&page(&env, &detail, &admin.cred).await).contains("data-title=\"Water leak\"")
        );

        // Assigning needs a user of the app and a case role.
        let assign = format!("{case_page}/assignments");
        let roleless = form(&env, &assign, &admin.cred, CSRF, &[("user", &carla)]).await;
        refused_naming(&roleless, 400, "role");
        let stranger = form(
            &env,
            &assign,
            &admin.cred,
            CSRF,
            &[("user", &outsider), ("role", CLIENT)],
        )
        .await;
        refused_naming(&stranger, 400, "user");
        let unknown_role = form(
            &env,
            &assign,
            &admin.cred,
            CSRF,
            &[
                ("user", &carla),
                ("role", "7e55e7a0-0000-4000-8000-000000000299"),
            ],
        )
        .await;
        refused_naming(&unknown_role, 400, "role");
        let api = env.get(&format!("/v1/cases/{case}"), &admin.cred).await;
        assert_eq!(api.expect(200)["assignments"], serde_json::json!([]));

        let assigned = form(
            &env,
            &assign,
            &admin.cred,
            CSRF,
            &[("user", &carla), ("role", CLIENT)],
        )
        .await;
        redirects_to(&assigned, &format!("{case_page}?notice=assigned"));
        let html = text(&page(&env, &case_page, &admin.cred).await);
        let row = html
            .find("data-email=\"carla@example.com\"")
            .expect("Carla assigned");
        assert!(html[row..].starts_with("data-email=\"carla@example.com\"><th scope=\"row\">carla@example.com</th><td>Client</td>"), "{html}");
        let api = env.get(&format!("/v1/cases/{case}"), &admin.cred).await;
        assert_eq!(api.expect(200)["assignments"][0]["role_id"], CLIENT);

        let unassigned = form(
            &env,
            &format!("{assign}/{carla}/remove"),
            &admin.cred,
            CSRF,
            &[],
        )
        .await;
        redirects_to(&unassigned, &format!("{case_page}?notice=unassigned"));
        assert!(text(&page(&env, &case_page, &admin.cred).await).contains("Nobody is assigned"));

        // Deleting asks for the box to be ticked.
        let unconfirmed = form(&env, &format!("{case_page}/delete"), &admin.cred, CSRF, &[]).await;
        refused_naming(&unconfirmed, 400, "confirm");
        env.get(&format!("/v1/cases/{case}"), &admin.cred)
            .await
            .expect(200);
        let deleted = form(
            &env,
            &format!("{case_page}/delete"),
            &admin.cred,
            CSRF,
            &[("confirm", "yes")],
        )
        .await;
        redirects_to(&deleted, &format!("{detail}?notice=case-deleted"));
        env.get(&format!("/v1/cases/{case}"), &admin.cred)
            .await
            .expect(404);
        let gone = page(&env, &case_page, &admin.cred).await;
        assert_eq!(gone.status.as_u16(), 404, "{}", gone.context);
    }
}

#[actix_web::test]
async fn a_custom_case_role_is_created_refused_while_assigned_and_deleted() {
    for env in backends().await {
        let admin = env.admin().await;
        let (app, case) = sample_app(&env, &admin.cred).await;
        let detail = format!("/console/apps/{app}");
        let roles = format!("{detail}/case-roles");
        let reviewer = [
            ("name", "Reviewer"),
            ("feed", "read"),
            ("convo", "none"),
            ("events", "read"),
            ("notes", "write"),
        ];

        let bad_level = form(
            &env,
            &roles,
            &admin.cred,
            CSRF,
            &[
                ("name", "Reviewer"),
                ("feed", "everything"),
                ("convo", "none"),
                ("events", "read"),
                ("notes", "write"),
            ],
        )
        .await;
        refused_naming(&bad_level, 400, "feed");
        let unnamed = form(
            &env,
            &roles,
            &admin.cred,
            CSRF,
            &[
                ("name", " "),
                ("feed", "read"),
                ("convo", "none"),
                ("events", "read"),
                ("notes", "write"),
            ],
        )
        .await;
        refused_naming(&unnamed, 400, "name");

        let created = form(&env, &roles, &admin.cred, CSRF, &reviewer).await;
        redirects_to(&created, &format!("{detail}?notice=role-created"));
        let html = text(&page(&env, &detail, &admin.cred).await);
        let row = html.find("data-name=\"Reviewer\"").expect("listed");
        let row = &html[row..row + html[row..].find("</tr>").expect("row end")];
        assert!(
            row.contains("level-read\">read</span></td><td><span class=\"level level-none\">none</span></td><td><span class=\"level level-read\">read</span></td><td><span class=\"level level-write\">write"),
            "{row}"
        );
        assert!(row.contains("Delete the case role Reviewer"), "{row}");
        assert!(
            !html.contains("Delete the case role Staff"),
            "predefined roles are read-only"
        );
        assert!(html.contains("(predefined, read-only)"));
        let listed = env
            .get(&format!("/v1/apps/{app}/case-roles"), &admin.cred)
            .await;
        let role = listed
            .expect(200)
            .as_array()
            .and_then(|all| all.iter().find(|r| r["name"] == "Reviewer"))
            .expect("Reviewer by the API")
            .clone();
        assert_eq!(role["settings"]["case/notes"], "write");
        assert_eq!(role["settings"]["case/convo"], "none");
        let id = role["id"].as_str().expect("id").to_owned();

        let again = form(&env, &roles, &admin.cred, CSRF, &reviewer).await;
        refused_naming(&again, 409, "name");

        // Assigned, it is kept, saying why; unassigned, it goes.
        redirects_to(
            &form(
                &env,
                &format!("/console/cases/{case}/assignments"),
                &admin.cred,
                CSRF,
                &[("user", &admin.id), ("role", &id)],
            )
            .await,
            &format!("/console/cases/{case}?notice=assigned"),
        );
        let html = text(&page(&env, &format!("/console/cases/{case}"), &admin.cred).await);
        assert!(html.contains("<td>Reviewer</td>"), "{html}");
        let delete = format!("{roles}/{id}/delete");
        let kept = form(&env, &delete, &admin.cred, CSRF, &[]).await;
        refused_naming(&kept, 409, "role");
        assert!(text(&kept).contains("still assigned"), "{}", text(&kept));
        redirects_to(
            &form(
                &env,
                &format!("/console/cases/{case}/assignments"),
                &admin.cred,
                CSRF,
                &[("user", &admin.id), ("role", STAFF)],
            )
            .await,
            &format!("/console/cases/{case}?notice=assigned"),
        );
        let deleted = form(&env, &delete, &admin.cred, CSRF, &[]).await;
        redirects_to(&deleted, &format!("{detail}?notice=role-deleted"));
        assert!(!text(&page(&env, &detail, &admin.cred).await).contains("data-name=\"Reviewer\""));
        let predefined = form(
            &env,
            &format!("{roles}/{STAFF}/delete"),
            &admin.cred,
            CSRF,
            &[],
        )
        .await;
        assert!(
            predefined.status.is_client_error(),
            "{}",
            predefined.context
        );
    }
}

#[actix_web::test]
async fn a_reader_is_refused_writes_and_another_account_finds_nothing() {
    for env in backends().await {
        let admin = env.admin().await;
        let curator = env
            .add_user(&admin.cred, "curator@example.com", CURATOR)
            .await;
        let (app, case) = sample_app(&env, &admin.cred).await;
        redirects_to(
            &form(
                &env,
                &format!("/console/cases/{case}/assignments"),
                &admin.cred,
                CSRF,
                &[("user", &admin.id), ("role", STAFF)],
            )
            .await,
            &format!("/console/cases/{case}?notice=assigned"),
        );
        let detail = format!("/console/apps/{app}");
        let case_page = format!("/console/cases/{case}");

        // The curator reads the workspace: the apps, an app and a case, without their forms.
        let listed = page(&env, "/console/apps", &curator.cred).await;
        listed.expect(200);
        let html = text(&listed);
        assert!(html.contains("data-name=\"Sample app\""), "{html}");
        assert!(html.contains(">Apps</a>"), "the Apps entry: {html}");
        assert!(!html.contains("id=\"new-app\""), "{html}");
        let seen = page(&env, &detail, &curator.cred).await;
        seen.expect(200);
        let html = text(&seen);
        assert!(html.contains("id=\"read-only\""), "{html}");
        for form_id in ["add-app-user", "import-users", "new-case", "new-case-role"] {
            assert!(
                !html.contains(&format!("id=\"{form_id}\"")),
                "{form_id}: {html}"
            );
        }
        let seen = page(&env, &case_page, &curator.cred).await;
        seen.expect(200);
        assert!(!text(&seen).contains("id=\"assign\""));
        assert!(!text(&seen).contains("Delete case"));

        // Every write answers the 403 page naming the right, and writes nothing.
        let writes: Vec<(String, Vec<(&str, &str)>)> = vec![
            ("/console/apps".to_owned(), vec![("name", "Mine")]),
            (
                format!("{detail}/users"),
                vec![("user", curator.id.as_str()), ("type", "staff")],
            ),
            (format!("{detail}/users/{}/remove", admin.id), vec![]),
            (
                format!("{detail}/import"),
                vec![("csv", "email,name,user_type\ncurator@example.com,C,staff\n")],
            ),
            (
                format!("{detail}/cases"),
                vec![("title", "Mine"), ("kind", "project")],
            ),
            (
                format!("{detail}/case-roles"),
                vec![
                    ("name", "Mine"),
                    ("feed", "write"),
                    ("convo", "write"),
                    ("events", "write"),
                    ("notes", "write"),
                ],
            ),
            (format!("{detail}/case-roles/{STAFF}/delete"), vec![]),
            (
                format!("{case_page}/assignments"),
                vec![("user", curator.id.as_str()), ("role", STAFF)],
            ),
            (
                format!("{case_page}/assignments/{}/remove", admin.id),
                vec![],
            ),
            (format!("{case_page}/delete"), vec![("confirm", "yes")]),
        ];
        for (path, fields) in &writes {
            let reply = form(&env, path, &curator.cred, CSRF, fields).await;
            assert_eq!(
                reply.status.as_u16(),
                403,
                "{}: {}",
                reply.context,
                text(&reply)
            );
            assert!(
                text(&reply).contains("workspace: write"),
                "{}: {}",
                reply.context,
                text(&reply)
            );
        }
        let apps = env.get("/v1/apps", &admin.cred).await;
        assert_eq!(apps.expect(200).as_array().map(Vec::len), Some(1));
        let cases = env.get(&format!("/v1/apps/{app}/cases"), &admin.cred).await;
        assert_eq!(cases.expect(200).as_array().map(Vec::len), Some(1));
        assert_eq!(type_in(&env, &admin.cred, &app, &curator.id).await, None);
        let api = env.get(&format!("/v1/cases/{case}"), &admin.cred).await;
        assert_eq!(api.expect(200)["assignments"][0]["role_id"], STAFF);

        // Another account finds neither the app nor the case, to read or to write.
        env.second_account("admin@other.example", "other-admin-password-1")
            .await;
        let other = env
            .session("admin@other.example", "other-admin-password-1")
            .await;
        for path in [&detail, &case_page] {
            let reply = page(&env, path, &other.cred).await;
            assert_eq!(reply.status.as_u16(), 404, "{}", reply.context);
        }
        assert!(!text(&page(&env, "/console/apps", &other.cred).await).contains(&app));
        for (path, fields) in &writes[1..] {
            let reply = form(&env, path, &other.cred, CSRF, fields).await;
            assert_eq!(
                reply.status.as_u16(),
                404,
                "{}: {}",
                reply.context,
                text(&reply)
            );
        }
        for path in ["/console/apps/not-an-id", "/console/cases/not-an-id"] {
            let reply = page(&env, path, &admin.cred).await;
            assert_eq!(reply.status.as_u16(), 404, "{}", reply.context);
        }
        let api = env.get(&format!("/v1/cases/{case}"), &admin.cred).await;
        assert_eq!(api.expect(200)["assignments"][0]["role_id"], STAFF);
        assert_eq!(
            env.get(&format!("/v1/apps/{app}/cases"), &admin.cred)
                .await
                .expect(200)
                .as_array()
                .map(Vec::len),
            Some(1)
        );
    }
}

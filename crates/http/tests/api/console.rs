//! The console's pages over the in-process app, on SQLite and PostgreSQL: sessions and the
//! forced password change, CSRF on every form, the pages a role offers and the 403 naming the
//! missing right, forms that name the field and write nothing when refused, the matrix's
//! `inherit` resolution, security headers, and nothing across accounts. The journeys in a
//! real browser are in `bins/tessera-server/tests/browser_console.rs`.

use actix_web::cookie::Cookie;
use actix_web::http::Method;
use actix_web::http::header;
use serde_json::json;
use tessera_http::CONSOLE_CSRF_COOKIE;

use crate::support::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Cred, Env, INITIAL_PASSWORD, Reply, backends, request,
};

const CURATOR: &str = "7e55e7a0-0000-4000-8000-000000000003";
/// The CSRF token every test form and page carries.
pub(crate) const CSRF: &str = "c0nsoleCsrfTokenForTheHttpTests_0123456789ab";

/// The page's HTML.
pub(crate) fn text(reply: &Reply) -> String {
    reply.body.as_str().unwrap_or_default().to_owned()
}

/// `GET path` as a browser with `cred` would send it.
pub(crate) async fn page(env: &Env, path: &str, cred: &Cred) -> Reply {
    let request = request(Method::GET, path, cred).cookie(Cookie::new(CONSOLE_CSRF_COOKIE, CSRF));
    env.raw(&format!("GET {path}"), request).await
}

/// A form `POST` carrying `csrf` in the form and [`CSRF`] in the cookie.
pub(crate) async fn form(
    env: &Env,
    path: &str,
    cred: &Cred,
    csrf: &str,
    fields: &[(&str, &str)],
) -> Reply {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.append_pair("csrf", csrf);
    for (key, value) in fields {
        body.append_pair(key, value);
    }
    let request = request(Method::POST, path, cred)
        .cookie(Cookie::new(CONSOLE_CSRF_COOKIE, CSRF))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body.finish());
    env.raw(&format!("POST {path}"), request).await
}

#[track_caller]
fn redirects_to(reply: &Reply, location: &str) {
    assert_eq!(
        reply.status.as_u16(),
        303,
        "{}: {}",
        reply.context,
        text(reply)
    );
    assert_eq!(
        reply
            .headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok()),
        Some(location),
        "{}",
        reply.context
    );
}

#[actix_web::test]
async fn sign_in_forces_the_password_change_before_any_page() {
    for env in backends().await {
        let anonymous = Cred::Anonymous;
        redirects_to(
            &page(&env, "/console/users", &anonymous).await,
            "/console/sign-in",
        );
        let sign_in = page(&env, "/console/sign-in", &anonymous).await;
        sign_in.expect(200);
        assert!(
            text(&sign_in).contains("<label for=\"email\">"),
            "{}",
            sign_in.context
        );

        // A wrong password: the form again, saying so, no session.
        let wrong = form(
            &env,
            "/console/sign-in",
            &anonymous,
            CSRF,
            &[("email", ADMIN_EMAIL), ("password", "not-the-password")],
        )
        .await;
        assert_eq!(wrong.status.as_u16(), 401, "{}", wrong.context);
        assert!(text(&wrong).contains("Wrong e-mail address or password."));
        assert!(wrong.cookie("tessera_session").is_none());

        // Without the CSRF token nothing is tried.
        let forged = form(
            &env,
            "/console/sign-in",
            &anonymous,
            "",
            &[("email", ADMIN_EMAIL), ("password", INITIAL_PASSWORD)],
        )
        .await;
        assert_eq!(forged.status.as_u16(), 403, "{}", forged.context);
        assert!(forged.cookie("tessera_session").is_none());

        let signed = form(
            &env,
            "/console/sign-in",
            &anonymous,
            CSRF,
            &[("email", ADMIN_EMAIL), ("password", INITIAL_PASSWORD)],
        )
        .await;
        redirects_to(&signed, "/console/password");
        let session = Cred::Session(
            signed
                .cookie("tessera_session")
                .expect("session cookie")
                .value()
                .to_owned(),
        );
        for path in [
            "/console",
            "/console/users",
            "/console/roles",
            "/console/share",
        ] {
            redirects_to(&page(&env, path, &session).await, "/console/password");
        }
        let forced = page(&env, "/console/password", &session).await;
        forced.expect(200);
        assert!(text(&forced).contains("replace the initial password"));

        let differ = form(
            &env,
            "/console/password",
            &session,
            CSRF,
            &[
                ("current_password", INITIAL_PASSWORD),
                ("new_password", ADMIN_PASSWORD),
                ("repeat_password", "something-else-entirely"),
            ],
        )
        .await;
        assert_eq!(differ.status.as_u16(), 400, "{}", differ.context);
        let weak = form(
            &env,
            "/console/password",
            &session,
            CSRF,
            &[
                ("current_password", INITIAL_PASSWORD),
                ("new_password", "short"),
                ("repeat_password", "short"),
            ],
        )
        .await;
        assert_eq!(weak.status.as_u16(), 400, "{}", weak.context);
        assert!(text(&weak).contains("role=\"alert\""), "{}", weak.context);
        redirects_to(&page(&env, "/console", &session).await, "/console/password");

        let changed = form(
            &env,
            "/console/password",
            &session,
            CSRF,
            &[
                ("current_password", INITIAL_PASSWORD),
                ("new_password", ADMIN_PASSWORD),
                ("repeat_password", ADMIN_PASSWORD),
            ],
        )
        .await;
        redirects_to(&changed, "/console?notice=password");
        let home = page(&env, "/console?notice=password", &session).await;
        home.expect(200);
        assert!(text(&home).contains("Your password was changed."));

        // Signing out ends the session itself, not just the cookie.
        redirects_to(
            &form(&env, "/console/sign-out", &session, CSRF, &[]).await,
            "/console/sign-in",
        );
        redirects_to(&page(&env, "/console", &session).await, "/console/sign-in");
        env.get("/v1/users", &session).await.expect(401);
    }
}

#[actix_web::test]
async fn pages_are_offered_by_role_and_refused_naming_the_missing_right() {
    for env in backends().await {
        let admin = env.admin().await;
        let curator = env
            .add_user(&admin.cred, "curator@example.com", CURATOR)
            .await;
        let home = page(&env, "/console", &curator.cred).await;
        home.expect(200);
        let home = text(&home);
        assert!(!home.contains("/console/users\""), "no Users link: {home}");
        assert!(!home.contains("/console/roles\""), "no Roles link");
        assert!(
            home.contains("id=\"share-button\""),
            "a curator reads the workspace"
        );
        for (path, right) in [
            ("/console/users", "user_management: read"),
            ("/console/roles", "user_management: read"),
        ] {
            let refused = page(&env, path, &curator.cred).await;
            assert_eq!(refused.status.as_u16(), 403, "{}", refused.context);
            assert!(
                text(&refused).contains(&format!("<code id=\"missing-right\">{right}</code>")),
                "{}: {}",
                refused.context,
                text(&refused)
            );
        }

        // A role that reads users but may not change them: the list, no form; a forged
        // POST is refused naming `write`, and adds no one.
        let reader = env
            .post(
                "/v1/roles",
                &admin.cred,
                json!({ "name": "User reader", "settings": { "user_management": "read" } }),
            )
            .await
            .expect(201)["role"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let viewer = env
            .add_user(&admin.cred, "viewer@example.com", &reader)
            .await;
        let users = page(&env, "/console/users", &viewer.cred).await;
        users.expect(200);
        assert!(text(&users).contains("curator@example.com"));
        assert!(
            !text(&users).contains("id=\"add-user\""),
            "no add form for read"
        );
        assert!(
            !home_has_share(&text(&users)),
            "no workspace right, no Share"
        );
        let before = env.get("/v1/users", &admin.cred).await.expect(200).clone();
        let refused = form(
            &env,
            "/console/users",
            &viewer.cred,
            CSRF,
            &[("email", "sneaky@example.com"), ("role", CURATOR)],
        )
        .await;
        assert_eq!(refused.status.as_u16(), 403, "{}", refused.context);
        assert!(text(&refused).contains("user_management: write"));
        let share = page(&env, "/console/share", &viewer.cred).await;
        assert_eq!(share.status.as_u16(), 403, "{}", share.context);
        assert!(text(&share).contains("workspace: read"));
        assert_eq!(env.get("/v1/users", &admin.cred).await.expect(200), &before);
    }
}

fn home_has_share(page: &str) -> bool {
    page.contains("id=\"share-button\"")
}

#[actix_web::test]
async fn every_form_needs_its_csrf_token_and_a_refusal_writes_nothing() {
    for env in backends().await {
        let admin = env.admin().await;
        let before = env.get("/v1/users", &admin.cred).await.expect(200).clone();
        for csrf in ["", "another-token-entirely-0123456789abcdefghij"] {
            let forged = form(
                &env,
                "/console/users",
                &admin.cred,
                csrf,
                &[("email", "forged@example.com"), ("role", CURATOR)],
            )
            .await;
            assert_eq!(forged.status.as_u16(), 400, "{}", forged.context);
            assert!(text(&forged).contains("This form has expired"));
        }
        // Bad input names the field and adds no one.
        let no_role = form(
            &env,
            "/console/users",
            &admin.cred,
            CSRF,
            &[("email", "ana@example.com"), ("role", "")],
        )
        .await;
        assert_eq!(no_role.status.as_u16(), 400, "{}", no_role.context);
        assert!(
            text(&no_role).contains("<strong>role</strong>"),
            "{}",
            text(&no_role)
        );
        assert!(
            text(&no_role).contains("value=\"ana@example.com\""),
            "typed value kept"
        );
        let bad_email = form(
            &env,
            "/console/users",
            &admin.cred,
            CSRF,
            &[("email", "not-an-address"), ("role", CURATOR)],
        )
        .await;
        assert_eq!(bad_email.status.as_u16(), 400, "{}", bad_email.context);
        assert!(
            text(&bad_email).contains("<strong>email</strong>"),
            "{}",
            text(&bad_email)
        );
        assert_eq!(env.get("/v1/users", &admin.cred).await.expect(200), &before);

        // Added with a generated password, shown once.
        let added = form(
            &env,
            "/console/users",
            &admin.cred,
            CSRF,
            &[
                ("email", "ana@example.com"),
                ("display_name", "Ana"),
                ("role", CURATOR),
            ],
        )
        .await;
        added.expect(200);
        assert!(
            text(&added).contains("id=\"initial-password\""),
            "{}",
            text(&added)
        );
        let again = form(
            &env,
            "/console/users",
            &admin.cred,
            CSRF,
            &[("email", "ana@example.com"), ("role", CURATOR)],
        )
        .await;
        assert!(again.status.is_client_error(), "{}", again.context);
        assert!(text(&again).contains("role=\"alert\""));

        // Sharing a task is refused naming it, and makes no invitation.
        let items = env.get("/v1/items", &admin.cred).await.expect(200).clone();
        let id_of = |external: &str| {
            items
                .as_array()
                .and_then(|all| all.iter().find(|i| i["external_id"] == external))
                .and_then(|i| i["id"].as_str())
                .expect("demo item")
                .to_owned()
        };
        let task = id_of("demo-check-documents");
        let refused = form(
            &env,
            "/console/share",
            &admin.cred,
            CSRF,
            &[("recipients", "ana@outside.example"), ("item", &task)],
        )
        .await;
        assert_eq!(refused.status.as_u16(), 400, "{}", refused.context);
        assert!(
            text(&refused).contains("Check supplier documents"),
            "{}",
            text(&refused)
        );
        assert!(
            text(&refused).contains("ana@outside.example"),
            "recipients kept"
        );
        let invitations = env.get("/v1/invitations", &admin.cred).await;
        assert_eq!(
            invitations.expect(200),
            &json!([]),
            "{}",
            invitations.context
        );
    }
}

#[actix_web::test]
async fn the_matrix_shows_where_inherit_resolves_and_predefined_roles_are_read_only() {
    for env in backends().await {
        let admin = env.admin().await;
        let created = form(
            &env,
            "/console/roles",
            &admin.cred,
            CSRF,
            &[("name", "Release manager"), ("start_from", "")],
        )
        .await;
        assert_eq!(
            created.status.as_u16(),
            303,
            "{}: {}",
            created.context,
            text(&created)
        );
        let location = created
            .headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .expect("location")
            .to_owned();
        let path = location.split('?').next().expect("path").to_owned();
        let saved = form(
            &env,
            &path,
            &admin.cred,
            CSRF,
            &[
                ("name", "Release manager"),
                ("s.publish_rights", "write"),
                ("s.publish_rights/env:production", "none"),
                ("s.insights", "inherit"),
            ],
        )
        .await;
        assert_eq!(
            saved.status.as_u16(),
            303,
            "{}: {}",
            saved.context,
            text(&saved)
        );
        let matrix = page(&env, &path, &admin.cred).await;
        matrix.expect(200);
        let html = text(&matrix);
        let row = |feature: &str| {
            let start = html
                .find(&format!("data-feature=\"{feature}\""))
                .unwrap_or_else(|| panic!("row {feature}"));
            html[start..start + html[start..].find("</tr>").expect("row end")].to_owned()
        };
        let test = row("publish_rights/env:test");
        assert!(
            test.contains("level-write\">write</span> <span class=\"from\">from publish_rights"),
            "{test}"
        );
        assert!(
            test.contains(
                "value=\"inherit\" aria-label=\"publish_rights/env:test: inherit\" checked"
            ),
            "{test}"
        );
        let production = row("publish_rights/env:production");
        assert!(
            production.contains("level-none\">none</span>"),
            "{production}"
        );
        assert!(
            production.contains(
                "value=\"none\" aria-label=\"publish_rights/env:production: none\" checked"
            )
        );
        assert!(row("insights").contains("nothing set above"));

        // A bad level names the field and changes nothing.
        let bad = form(
            &env,
            &path,
            &admin.cred,
            CSRF,
            &[("name", "Release manager"), ("s.insights", "everything")],
        )
        .await;
        assert_eq!(bad.status.as_u16(), 400, "{}", bad.context);
        assert!(
            text(&bad).contains("<strong>settings.insights</strong>"),
            "{}",
            text(&bad)
        );
        let role_id = path.rsplit('/').next().expect("id");
        let stored = env.get(&format!("/v1/roles/{role_id}"), &admin.cred).await;
        assert_eq!(stored.expect(200)["settings"]["publish_rights"], "write");

        // Explain and who-can answer on the roles page.
        let explained = page(
            &env,
            &format!(
                "/console/roles/explain?user={}&feature=publish_rights%2Fenv%3Aproduction",
                admin.id
            ),
            &admin.cred,
        )
        .await;
        explained.expect(200);
        assert!(
            text(&explained).contains("id=\"explanation\""),
            "{}",
            text(&explained)
        );
        assert!(text(&explained).contains("Admin"));
        let who = page(
            &env,
            "/console/roles/who-can?feature=settings&level=write",
            &admin.cred,
        )
        .await;
        assert!(text(&who).contains(ADMIN_EMAIL), "{}", text(&who));

        // The predefined Admin role: every input disabled, no save button, said so.
        let admin_role = page(
            &env,
            "/console/roles/7e55e7a0-0000-4000-8000-000000000001",
            &admin.cred,
        )
        .await;
        admin_role.expect(200);
        let html = text(&admin_role);
        assert!(html.contains("id=\"read-only\""));
        assert!(!html.contains("Save role"));
        assert_eq!(
            html.matches("type=\"radio\"").count(),
            html.matches(" disabled>").count()
        );
        let forced = form(
            &env,
            "/console/roles/7e55e7a0-0000-4000-8000-000000000001",
            &admin.cred,
            CSRF,
            &[("name", "Admin"), ("s.settings", "none")],
        )
        .await;
        assert!(forced.status.is_client_error(), "{}", forced.context);
        let stored = env
            .get(
                "/v1/roles/7e55e7a0-0000-4000-8000-000000000001",
                &admin.cred,
            )
            .await;
        assert_eq!(stored.expect(200)["settings"]["settings"], "write");
    }
}

#[actix_web::test]
async fn pages_send_strict_headers_and_their_static_files() {
    for env in backends().await {
        let sign_in = page(&env, "/console/sign-in", &Cred::Anonymous).await;
        let csp = sign_in
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .expect("csp")
            .to_owned();
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(
            sign_in
                .headers
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        assert!(!text(&sign_in).contains("<style") && !text(&sign_in).contains("<script>"));
        for (path, kind) in [
            ("/console/static/console.css", "text/css"),
            ("/console/static/console.js", "text/javascript"),
        ] {
            let file = page(&env, path, &Cred::Anonymous).await;
            file.expect(200);
            assert!(
                file.content_type.starts_with(kind),
                "{}: {}",
                file.context,
                file.content_type
            );
        }
        // A fresh browser gets a CSRF cookie limited to the console, strict and HTTP-only.
        let fresh = env
            .raw(
                "GET /console/sign-in",
                request(Method::GET, "/console/sign-in", &Cred::Anonymous),
            )
            .await;
        let cookie = fresh.cookie(CONSOLE_CSRF_COOKIE).expect("csrf cookie");
        assert_eq!(cookie.path(), Some("/console"));
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(
            cookie.same_site(),
            Some(actix_web::cookie::SameSite::Strict)
        );
    }
}

#[actix_web::test]
async fn another_accounts_users_roles_and_invitations_are_not_found() {
    for env in backends().await {
        let admin = env.admin().await;
        let ana = env
            .create_user(&admin.cred, "ana@example.com", CURATOR)
            .await;
        let role = env
            .post(
                "/v1/roles",
                &admin.cred,
                json!({ "name": "A only", "settings": {} }),
            )
            .await
            .expect(201)["role"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let (_, _, _) = env
            .second_account("admin@other.example", "other-admin-password-1")
            .await;
        let other = env
            .session("admin@other.example", "other-admin-password-1")
            .await;
        for path in [
            format!("/console/users/{ana}/role"),
            format!("/console/users/{ana}/delete"),
            format!("/console/roles/{role}"),
        ] {
            let reply = page(&env, &path, &other.cred).await;
            assert_eq!(reply.status.as_u16(), 404, "{}", reply.context);
        }
        for (path, fields) in [
            (format!("/console/users/{ana}/delete"), vec![]),
            (
                format!("/console/users/{ana}/role"),
                vec![("role", CURATOR)],
            ),
            (format!("/console/roles/{role}"), vec![("name", "Hijacked")]),
            (format!("/console/roles/{role}/delete"), vec![]),
        ] {
            let reply = form(&env, &path, &other.cred, CSRF, &fields).await;
            assert_eq!(
                reply.status.as_u16(),
                404,
                "{}: {}",
                reply.context,
                text(&reply)
            );
        }
        let users = env.get("/v1/users", &admin.cred).await.expect(200).clone();
        assert!(users.to_string().contains("ana@example.com"));
        env.get(&format!("/v1/roles/{role}"), &admin.cred)
            .await
            .expect(200);
        let listed = page(&env, "/console/users", &other.cred).await;
        assert!(
            !text(&listed).contains("ana@example.com"),
            "{}",
            listed.context
        );
    }
}

/// The automation a recipient consents to: an e-mail from her address and a task as her.
fn thank_the_client(project: &str) -> serde_json::Value {
    json!({
        "name": "Thank the client",
        "trigger": {
            "event_type": "deal.won",
            "conditions": [{ "field": "value", "op": "greater_than", "value": 1000 }],
        },
        "mode": "selected_users",
        "steps": [
            {
                "type": "send_email",
                "to": "{{event.client}}",
                "subject": "Thank you for {{event.title}}",
                "body": "Dear client, thank you.",
            },
            { "type": "create_task", "project": project, "title": "Follow up {{event.title}}" },
        ],
    })
}

#[actix_web::test]
async fn automations_are_shared_checked_consented_to_and_deactivated_from_the_console() {
    for env in backends().await {
        let admin = env.admin().await;
        // Closed gate: the page says what the account lacks.
        let closed = page(&env, "/console/automations", &admin.cred).await;
        assert_eq!(closed.status.as_u16(), 403, "{}", closed.context);
        assert!(
            text(&closed).contains("id=\"unavailable\""),
            "{}",
            text(&closed)
        );

        env.put(
            "/v1/automation-settings",
            &admin.cred,
            json!({ "plan": "advanced", "beta": true }),
        )
        .await
        .expect(200);
        env.put(
            "/v1/event-types/deal.won",
            &admin.cred,
            json!({ "fields": { "title": "text", "value": "number", "client": "text" } }),
        )
        .await
        .expect(200);
        let project = env
            .post("/v1/projects", &admin.cred, json!({ "name": "Deals" }))
            .await
            .expect(201)["id"]
            .as_str()
            .expect("project id")
            .to_owned();
        let moderator = env.role_id(&admin.cred, "Content Moderator").await;
        let mia = env
            .add_user(&admin.cred, "mia@example.com", &moderator)
            .await;
        let id = env
            .post("/v1/automations", &admin.cred, thank_the_client(&project))
            .await
            .expect(201)["id"]
            .as_str()
            .expect("automation id")
            .to_owned();
        env.put(
            &format!("/v1/automations/{id}/active"),
            &admin.cred,
            json!({ "active": true }),
        )
        .await
        .expect(204);
        let detail = format!("/console/automations/{id}");

        // The admin shares it with Mia from its page.
        let shared = form(
            &env,
            &format!("{detail}/share"),
            &admin.cred,
            CSRF,
            &[("user", &mia.id)],
        )
        .await;
        redirects_to(&shared, &format!("{detail}?notice=shared"));
        let admin_view = page(&env, &detail, &admin.cred).await;
        admin_view.expect(200);
        assert!(text(&admin_view).contains("data-email=\"mia@example.com\""));

        // Mia sees it as shared with her; the check names what is missing and how to fix it.
        let listed = page(&env, "/console/automations", &mia.cred).await;
        listed.expect(200);
        assert!(text(&listed).contains("Thank the client"));
        assert!(
            text(&listed).contains("shared with you, not active"),
            "{}",
            text(&listed)
        );
        let checked = page(&env, &format!("{detail}?check=1"), &mia.cred).await;
        checked.expect(200);
        assert!(
            text(&checked).contains("id=\"diagnostics\""),
            "{}",
            text(&checked)
        );
        assert!(
            !text(&checked).contains("No problems found"),
            "no mailbox yet"
        );

        // Activating needs her consent, then passes the diagnostics or lists the problems.
        let no_consent = form(&env, &format!("{detail}/activate"), &mia.cred, CSRF, &[]).await;
        assert_eq!(no_consent.status.as_u16(), 400, "{}", no_consent.context);
        assert!(text(&no_consent).contains("<strong>consent</strong>"));
        let refused = form(
            &env,
            &format!("{detail}/activate"),
            &mia.cred,
            CSRF,
            &[("consent", "yes")],
        )
        .await;
        assert_eq!(refused.status.as_u16(), 409, "{}", refused.context);
        assert!(
            text(&refused).contains("It cannot run for you yet"),
            "{}",
            text(&refused)
        );
        env.put(
            "/v1/me/mailbox",
            &mia.cred,
            json!({ "address": "mia@example.com", "display_name": "Mia", "signature": "Mia" }),
        )
        .await
        .expect(200);
        let activated = form(
            &env,
            &format!("{detail}/activate"),
            &mia.cred,
            CSRF,
            &[("consent", "yes")],
        )
        .await;
        redirects_to(&activated, &format!("{detail}?notice=activated"));
        let mine = page(&env, &detail, &mia.cred).await;
        assert!(
            text(&mine).contains("state-active\">active"),
            "{}",
            text(&mine)
        );
        assert!(
            !text(&mine).contains("id=\"activate\""),
            "no button once active"
        );

        // An event queues her run; the history filters by status and opens the run.
        env.post(
            "/v1/events",
            &admin.cred,
            json!({ "events": [{
                "type": "deal.won",
                "fields": { "title": "Big deal", "value": 5000, "client": "client@customer.example" },
            }] }),
        )
        .await
        .expect(202);
        let queued = page(&env, &format!("{detail}?status=queued"), &mia.cred).await;
        let html = text(&queued);
        let run_at = html.find("/console/runs/").expect("a run in the history");
        let run_path: String = html[run_at..].chars().take_while(|c| *c != '"').collect();
        let none = page(&env, &format!("{detail}?status=failed"), &mia.cred).await;
        assert!(text(&none).contains("No runs."), "{}", text(&none));
        let bad_date = page(&env, &format!("{detail}?from=yesterday"), &mia.cred).await;
        assert_eq!(bad_date.status.as_u16(), 400, "{}", bad_date.context);
        let run = page(&env, &run_path, &mia.cred).await;
        run.expect(200);
        assert!(
            text(&run).contains("id=\"run-status\">queued"),
            "{}",
            text(&run)
        );

        // Deactivated permanently: she can no longer activate it.
        let user_path = format!("{detail}/access/{}", mia.id);
        let deactivated = form(
            &env,
            &user_path,
            &admin.cred,
            CSRF,
            &[("action", "deactivate_permanently")],
        )
        .await;
        redirects_to(&deactivated, &format!("{detail}?notice=deactivated"));
        let mine = page(&env, &detail, &mia.cred).await;
        assert!(
            text(&mine).contains("deactivated permanently"),
            "{}",
            text(&mine)
        );
        assert!(!text(&mine).contains("id=\"activate\""));
        let forced = form(
            &env,
            &format!("{detail}/activate"),
            &mia.cred,
            CSRF,
            &[("consent", "yes")],
        )
        .await;
        assert!(forced.status.is_client_error(), "{}", forced.context);
        let access = env
            .get(&format!("/v1/automations/{id}/access"), &admin.cred)
            .await;
        assert_eq!(
            access.expect(200)["access"][0]["state"],
            "deactivated_permanently",
            "{}",
            access.context
        );

        // Admin forms are the admin's; another account does not find the automation.
        let grabbed = form(
            &env,
            &format!("{detail}/share"),
            &mia.cred,
            CSRF,
            &[("user", &mia.id)],
        )
        .await;
        assert_eq!(grabbed.status.as_u16(), 403, "{}", grabbed.context);
        env.second_account("admin@other.example", "other-admin-password-1")
            .await;
        let other = env
            .session("admin@other.example", "other-admin-password-1")
            .await;
        let foreign = page(&env, &detail, &other.cred).await;
        assert!(foreign.status.is_client_error(), "{}", foreign.context);
        assert!(!text(&foreign).contains("Thank the client"));
    }
}

#[actix_web::test]
async fn contacts_are_added_and_given_access_only_by_those_who_may_grant_it() {
    for env in backends().await {
        let admin = env.admin().await;
        let curator = env
            .add_user(&admin.cred, "curator@example.com", CURATOR)
            .await;

        // Bad input names the field and adds nothing.
        let unnamed = form(
            &env,
            "/console/contacts",
            &admin.cred,
            CSRF,
            &[("kind", "person"), ("name", " ")],
        )
        .await;
        assert_eq!(unnamed.status.as_u16(), 400, "{}", unnamed.context);
        assert!(
            text(&unnamed).contains("<strong>name</strong>"),
            "{}",
            text(&unnamed)
        );
        let company = form(
            &env,
            "/console/contacts",
            &admin.cred,
            CSRF,
            &[
                ("kind", "company"),
                ("name", "Acme"),
                ("email", "office@acme.example"),
            ],
        )
        .await;
        assert_eq!(
            company.status.as_u16(),
            303,
            "{}: {}",
            company.context,
            text(&company)
        );
        let listed = page(&env, "/console/contacts", &admin.cred).await;
        let html = text(&listed);
        let at = html.find("data-name=\"Acme\"").expect("Acme listed");
        let company_id: String = html[at..]
            .split("/console/contacts/")
            .nth(1)
            .expect("link")
            .chars()
            .take_while(|c| *c != '"')
            .collect();
        let person = form(
            &env,
            "/console/contacts",
            &admin.cred,
            CSRF,
            &[
                ("kind", "person"),
                ("name", "Carla"),
                ("email", "carla@acme.example"),
                ("company", &company_id),
            ],
        )
        .await;
        let location = person
            .headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .expect("created")
            .to_owned();
        let detail = location.split('?').next().expect("path").to_owned();

        // A curator reads contacts but may neither add them nor grant access.
        let seen = page(&env, &detail, &curator.cred).await;
        seen.expect(200);
        assert!(text(&seen).contains("id=\"no-grant\""), "{}", text(&seen));
        assert!(
            !text(&page(&env, "/console/contacts", &curator.cred).await)
                .contains("id=\"add-contact\"")
        );
        let grab = form(
            &env,
            &format!("{detail}/access"),
            &curator.cred,
            CSRF,
            &[("access", "basic")],
        )
        .await;
        assert_eq!(grab.status.as_u16(), 403, "{}", grab.context);

        // The flag on her card lets her grant it; the activation e-mail is queued.
        let flagged = form(
            &env,
            &format!("/console/users/{}/may-grant", curator.id),
            &admin.cred,
            CSRF,
            &[("may_grant", "yes")],
        )
        .await;
        redirects_to(&flagged, "/console/users?notice=flag");
        let granted = form(
            &env,
            &format!("{detail}/access"),
            &curator.cred,
            CSRF,
            &[("access", "basic")],
        )
        .await;
        granted.expect(200);
        assert!(
            text(&granted).contains("Access granted"),
            "{}",
            text(&granted)
        );
        assert!(
            text(&granted).contains("id=\"contact-access\">basic"),
            "{}",
            text(&granted)
        );
        assert!(text(&granted).contains("id=\"resend-activation\""));
        let contact_id = detail.rsplit('/').next().expect("id");
        let api = env
            .get(&format!("/v1/contacts/{contact_id}"), &admin.cred)
            .await;
        assert_eq!(api.expect(200)["access"], "basic", "{}", api.context);
        let bad = form(
            &env,
            &format!("{detail}/access"),
            &admin.cred,
            CSRF,
            &[("access", "everything")],
        )
        .await;
        assert_eq!(bad.status.as_u16(), 400, "{}", bad.context);
        assert!(text(&bad).contains("<strong>access</strong>"));

        // Access for a company warns that its people would share one sign-in.
        let company_page = format!("/console/contacts/{company_id}");
        let warned = form(
            &env,
            &format!("{company_page}/access"),
            &admin.cred,
            CSRF,
            &[("access", "basic")],
        )
        .await;
        warned.expect(200);
        assert!(text(&warned).contains("discouraged"), "{}", text(&warned));

        // Deleting asks for confirmation; a company with people is refused, saying why.
        let unconfirmed = form(&env, &format!("{detail}/delete"), &admin.cred, CSRF, &[]).await;
        assert_eq!(unconfirmed.status.as_u16(), 400, "{}", unconfirmed.context);
        let kept = form(
            &env,
            &format!("{company_page}/delete"),
            &admin.cred,
            CSRF,
            &[("confirm", "yes")],
        )
        .await;
        assert!(kept.status.is_client_error(), "{}", kept.context);
        assert!(text(&kept).contains("role=\"alert\""));
        let deleted = form(
            &env,
            &format!("{detail}/delete"),
            &admin.cred,
            CSRF,
            &[("confirm", "yes")],
        )
        .await;
        redirects_to(&deleted, "/console/contacts?notice=deleted");
        env.get(&format!("/v1/contacts/{contact_id}"), &admin.cred)
            .await
            .expect(404);

        // Another account finds none of them.
        env.second_account("admin@other.example", "other-admin-password-1")
            .await;
        let other = env
            .session("admin@other.example", "other-admin-password-1")
            .await;
        let foreign = page(&env, &company_page, &other.cred).await;
        assert_eq!(foreign.status.as_u16(), 404, "{}", foreign.context);
    }
}

#[actix_web::test]
async fn the_mailbox_page_keeps_the_smtp_password_out_of_every_page() {
    for env in backends().await {
        let admin = env.admin().await;
        env.put(
            "/v1/automation-settings",
            &admin.cred,
            json!({ "plan": "advanced", "beta": true }),
        )
        .await
        .expect(200);
        let empty = page(&env, "/console/mailbox", &admin.cred).await;
        empty.expect(200);
        assert!(text(&empty).contains("Not set"), "{}", text(&empty));
        let bad = form(
            &env,
            "/console/mailbox",
            &admin.cred,
            CSRF,
            &[
                ("action", "save"),
                ("address", "not an address"),
                ("display_name", "Admin"),
            ],
        )
        .await;
        assert_eq!(bad.status.as_u16(), 400, "{}", bad.context);
        assert!(
            text(&bad).contains("<strong>address</strong>"),
            "{}",
            text(&bad)
        );
        let saved = form(
            &env,
            "/console/mailbox",
            &admin.cred,
            CSRF,
            &[
                ("action", "save"),
                ("address", "admin@example.com"),
                ("display_name", "The Admin"),
                ("signature", "Admin, Acme"),
                (
                    "smtp_url",
                    "smtps://admin:smtp-secret-pw-42@mail.example:465",
                ),
            ],
        )
        .await;
        redirects_to(&saved, "/console/mailbox?notice=saved");
        let shown = page(&env, "/console/mailbox", &admin.cred).await;
        assert!(
            text(&shown).contains("through your own SMTP server"),
            "{}",
            text(&shown)
        );
        assert!(
            !text(&shown).contains("smtp-secret-pw-42"),
            "the password is never shown"
        );
        let api = env.get("/v1/me/mailbox", &admin.cred).await;
        assert_eq!(
            api.expect(200)["display_name"],
            "The Admin",
            "{}",
            api.context
        );
        let removed = form(
            &env,
            "/console/mailbox",
            &admin.cred,
            CSRF,
            &[("action", "remove")],
        )
        .await;
        redirects_to(&removed, "/console/mailbox?notice=removed");
        assert!(text(&page(&env, "/console/mailbox", &admin.cred).await).contains("Not set"));
    }
}

#[actix_web::test]
async fn the_invitations_page_shows_a_hundred_at_a_time_newest_first() {
    for env in backends().await {
        let admin = env.admin().await;
        let items = env.get("/v1/items", &admin.cred).await.expect(200).clone();
        let workflow = items
            .as_array()
            .and_then(|all| {
                all.iter()
                    .find(|i| i["external_id"] == "demo-invoice-approval")
            })
            .map(|i| i["id"].clone())
            .expect("demo workflow");
        let recipients: Vec<String> = (0..150)
            .map(|n| format!("guest{n}@outside.example"))
            .collect();
        env.post(
            "/v1/shares",
            &admin.cred,
            json!({ "items": [workflow], "recipients": recipients }),
        )
        .await
        .expect(201);
        let first = page(&env, "/console/invitations", &admin.cred).await;
        let html = text(&first);
        assert_eq!(
            html.matches("<tr data-recipient=").count(),
            100,
            "{}",
            first.context
        );
        assert!(html.contains("150 invitations, page 1 of 2"), "{html}");
        assert!(html.contains("invitations?page=2\" rel=\"next\""));
        let second = page(&env, "/console/invitations?page=2", &admin.cred).await;
        let html = text(&second);
        assert_eq!(
            html.matches("<tr data-recipient=").count(),
            50,
            "{}",
            second.context
        );
        assert!(html.contains("invitations?page=1\" rel=\"prev\""));
        let beyond = page(&env, "/console/invitations?page=99", &admin.cred).await;
        assert_eq!(
            text(&beyond).matches("<tr data-recipient=").count(),
            50,
            "clamped to the last"
        );
    }
}

//! Contacts: who may grant access, activation links (single use, even under 50 concurrent
//! attempts), the client portal's sign-in, and ending access.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::support::{Cred, Env, Pending, backends, join_all, unknown_id};

/// The password contacts choose in these tests.
pub const CONTACT_PASSWORD: &str = "contact-password-12";

/// Adds a contact (as `admin`); returns its id.
pub async fn add_contact(env: &Env, admin: &Cred, body: Value) -> String {
    let reply = env.post("/v1/contacts", admin, body).await;
    reply.expect(201);
    reply.str("id")
}

/// Delivers the outbox and returns the token of the newest activation link mailed to
/// `email`.
pub async fn activation_token(env: &Env, email: &str) -> String {
    while env.deliver().await.total() > 0 {}
    let mails = env.emails_to(email);
    let tokens: Vec<String> = mails
        .iter()
        .filter_map(|mail| {
            let text = mail.part("text/plain")?;
            let start = text.find("/c/activate/")? + "/c/activate/".len();
            Some(
                text[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect(),
            )
        })
        .collect();
    assert!(
        !tokens.is_empty(),
        "[{}] no activation mail to {email}",
        env.name
    );
    // Files are named by Message-ID, not by time: the caller clears old mail when it
    // resends, so there is one.
    tokens.last().cloned().unwrap_or_default()
}

/// Grants `access` to contact `id` with e-mail `email`, activates it with
/// [`CONTACT_PASSWORD`] and signs in to the portal; returns the portal credential.
pub async fn portal_contact(env: &Env, admin: &Cred, id: &str, email: &str, access: &str) -> Cred {
    env.clear_emails();
    env.put(
        &format!("/v1/contacts/{id}/access"),
        admin,
        json!({ "access": access }),
    )
    .await
    .expect(200);
    let token = activation_token(env, email).await;
    env.post(
        &format!("/v1/activation/{token}"),
        &Cred::Anonymous,
        json!({ "password": CONTACT_PASSWORD }),
    )
    .await
    .expect(201);
    portal_sign_in(env, email).await
}

/// Signs a contact in to the portal (which must succeed).
pub async fn portal_sign_in(env: &Env, email: &str) -> Cred {
    let reply = env
        .post(
            "/v1/portal/session",
            &Cred::Anonymous,
            json!({ "email": email, "password": CONTACT_PASSWORD }),
        )
        .await;
    reply.expect(200);
    let cookie = reply
        .cookie("tessera_portal")
        .unwrap_or_else(|| panic!("{}: no portal cookie", reply.context));
    Cred::Portal(cookie.value().to_owned())
}

#[actix_web::test]
async fn contacts_are_added_checked_and_scoped_to_their_account() {
    for env in backends().await {
        let admin = env.admin().await;
        let acme = add_contact(
            &env,
            &admin.cred,
            json!({ "kind": "company", "name": "Acme" }),
        )
        .await;
        let ana = add_contact(
            &env,
            &admin.cred,
            json!({ "kind": "person", "name": " Ana Pop ", "email": "Ana@Acme.example", "company_id": acme, "locale": "ro" }),
        )
        .await;
        let shown = env.get(&format!("/v1/contacts/{ana}"), &admin.cred).await;
        let body = shown.expect(200);
        assert_eq!(body["name"], "Ana Pop", "[{}]", env.name);
        assert_eq!(body["email"], "ana@acme.example", "[{}]", env.name);
        assert_eq!(body["access"], "none", "[{}]", env.name);
        assert_eq!(body["company_id"], acme.as_str(), "[{}]", env.name);

        // Bad input names the field; nothing is written.
        env.post(
            "/v1/contacts",
            &admin.cred,
            json!({ "kind": "person", "name": "B", "email": "nope" }),
        )
        .await
        .problem_at(400, "invalid-input", "email");
        env.post(
            "/v1/contacts",
            &admin.cred,
            json!({ "kind": "person", "name": "  " }),
        )
        .await
        .problem_at(400, "invalid-input", "name");
        env.post(
            "/v1/contacts",
            &admin.cred,
            json!({ "kind": "company", "name": "Sub", "company_id": acme }),
        )
        .await
        .problem_at(400, "invalid-input", "company");
        env.post(
            "/v1/contacts",
            &admin.cred,
            json!({ "kind": "person", "name": "C", "company_id": ana }),
        )
        .await
        .problem_at(400, "invalid-input", "company");
        env.post(
            "/v1/contacts",
            &admin.cred,
            json!({ "kind": "person", "name": "Twin", "email": "ana@acme.example" }),
        )
        .await
        .problem_at(409, "conflict", "email");
        env.post(
            "/v1/contacts",
            &admin.cred,
            json!({ "kind": "robot", "name": "R" }),
        )
        .await
        .problem_at(400, "invalid-input", "kind");
        let listed = env.get("/v1/contacts", &admin.cred).await;
        assert_eq!(
            listed.expect(200).as_array().map(Vec::len),
            Some(2),
            "[{}]",
            env.name
        );

        // A company with people is not deleted; a person is.
        env.delete(&format!("/v1/contacts/{acme}"), &admin.cred)
            .await
            .problem_at(409, "conflict", "id");

        // Another account sees none of it.
        let (_, _, other) = env
            .second_account("other@example.com", "other-admin-password-1")
            .await;
        env.get(&format!("/v1/contacts/{ana}"), &other)
            .await
            .problem(404, "not-found");
        env.put(
            &format!("/v1/contacts/{ana}/access"),
            &other,
            json!({ "access": "basic" }),
        )
        .await
        .problem(404, "not-found");
        env.delete(&format!("/v1/contacts/{ana}"), &other)
            .await
            .problem(404, "not-found");
        assert_eq!(
            env.get("/v1/contacts", &other).await.expect(200),
            &json!([]),
            "[{}]",
            env.name
        );

        env.delete(&format!("/v1/contacts/{ana}"), &admin.cred)
            .await
            .expect(204);
        env.get(
            &format!("/v1/contacts/{unknown}", unknown = unknown_id()),
            &admin.cred,
        )
        .await
        .problem(404, "not-found");
    }
}

#[actix_web::test]
async fn only_admins_and_flagged_employees_grant_access() {
    for env in backends().await {
        let admin = env.admin().await;
        let moderator = env.role_id(&admin.cred, "Workspace Moderator").await;
        let employee = env
            .add_user(&admin.cred, "emp@example.com", &moderator)
            .await;
        let ana = add_contact(
            &env,
            &admin.cred,
            json!({ "kind": "person", "name": "Ana", "email": "ana@client.example" }),
        )
        .await;
        let access_path = format!("/v1/contacts/{ana}/access");
        let basic = json!({ "access": "basic" });
        let refused = env.put(&access_path, &employee.cred, basic.clone()).await;
        let problem = refused.problem(403, "forbidden");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("may grant client access"),
            "[{}] names the missing right: {problem}",
            env.name
        );
        // The flag is set by admins only.
        env.put(
            &format!("/v1/users/{}/may-grant-client-access", employee.id),
            &employee.cred,
            json!({ "may_grant_client_access": true }),
        )
        .await
        .problem(403, "forbidden");
        let flagged = env
            .put(
                &format!("/v1/users/{}/may-grant-client-access", employee.id),
                &admin.cred,
                json!({ "may_grant_client_access": true }),
            )
            .await;
        assert_eq!(
            flagged.expect(200)["may_grant_client_access"],
            true,
            "[{}]",
            env.name
        );
        let granted = env.put(&access_path, &employee.cred, basic).await;
        let body = granted.expect(200);
        assert_eq!(body["change"], "granted", "[{}]", env.name);
        assert_eq!(body["warnings"], json!([]), "[{}]", env.name);
        assert!(
            body["contact"]["activation_expires_at"].is_string(),
            "[{}]",
            env.name
        );

        // A company may be given access, with a warning.
        let acme = add_contact(
            &env,
            &admin.cred,
            json!({ "kind": "company", "name": "Acme", "email": "office@acme.example" }),
        )
        .await;
        let company = env
            .put(
                &format!("/v1/contacts/{acme}/access"),
                &admin.cred,
                json!({ "access": "advanced" }),
            )
            .await;
        let warnings = company.expect(200)["warnings"].clone();
        assert_eq!(
            warnings[0]["code"], "company_shares_sign_in",
            "[{}] {warnings}",
            env.name
        );

        // No address, no access.
        let silent = add_contact(
            &env,
            &admin.cred,
            json!({ "kind": "person", "name": "Mute" }),
        )
        .await;
        env.put(
            &format!("/v1/contacts/{silent}/access"),
            &admin.cred,
            json!({ "access": "basic" }),
        )
        .await
        .problem_at(409, "conflict", "email");

        let audit = env
            .get("/v1/audit?action=contact.access", &admin.cred)
            .await;
        assert_eq!(
            audit.expect(200)["events"].as_array().map(Vec::len),
            Some(2),
            "[{}]",
            env.name
        );
    }
}

#[actix_web::test]
async fn an_activation_link_is_looked_at_freely_and_used_once() {
    for env in backends().await {
        let admin = env.admin().await;
        let ana = add_contact(
            &env,
            &admin.cred,
            json!({ "kind": "person", "name": "Ana", "email": "ana@client.example", "locale": "de" }),
        )
        .await;
        env.put(
            &format!("/v1/contacts/{ana}/access"),
            &admin.cred,
            json!({ "access": "basic" }),
        )
        .await
        .expect(200);
        let token = activation_token(&env, "ana@client.example").await;
        let mail = env.emails_to("ana@client.example").pop().expect("mail");
        let subject = mail.header("subject").unwrap_or_default();
        assert!(!subject.is_empty(), "[{}] a subject", env.name);

        // Looking changes nothing, as often as anyone likes.
        for _ in 0..3 {
            let shown = env
                .get(&format!("/v1/activation/{token}"), &Cred::Anonymous)
                .await;
            let body = shown.expect(200);
            assert_eq!(body["email"], "ana@client.example", "[{}]", env.name);
        }
        let contact = env.get(&format!("/v1/contacts/{ana}"), &admin.cred).await;
        assert_eq!(contact.expect(200)["activated"], false, "[{}]", env.name);

        // A weak password is refused naming the field, and the link still works.
        env.post(
            &format!("/v1/activation/{token}"),
            &Cred::Anonymous,
            json!({ "password": "short" }),
        )
        .await
        .problem_at(400, "invalid-input", "password");

        // A resend rotates the link: the old one is gone.
        env.clear_emails();
        env.post(
            &format!("/v1/contacts/{ana}/activation"),
            &admin.cred,
            json!({}),
        )
        .await
        .expect(200);
        let fresh = activation_token(&env, "ana@client.example").await;
        assert_ne!(fresh, token, "[{}]", env.name);
        env.get(&format!("/v1/activation/{token}"), &Cred::Anonymous)
            .await
            .problem(410, "activation-unusable");

        // 50 at once: exactly one sign-in.
        let path = format!("/v1/activation/{fresh}");
        let attempts: Vec<Pending<'_>> = (0..50)
            .map(|_| -> Pending<'_> {
                Box::pin(env.post(
                    &path,
                    &Cred::Anonymous,
                    json!({ "password": CONTACT_PASSWORD }),
                ))
            })
            .collect();
        let replies = join_all(attempts).await;
        let created = replies.iter().filter(|r| r.status.as_u16() == 201).count();
        assert_eq!(created, 1, "[{}] exactly one activation of 50", env.name);
        for reply in replies.iter().filter(|r| r.status.as_u16() != 201) {
            reply.problem(410, "activation-unusable");
        }
        let contact = env.get(&format!("/v1/contacts/{ana}"), &admin.cred).await;
        assert_eq!(contact.expect(200)["activated"], true, "[{}]", env.name);
        let audit = env
            .get("/v1/audit?action=contact.activate", &admin.cred)
            .await;
        assert_eq!(
            audit.expect(200)["events"].as_array().map(Vec::len),
            Some(1),
            "[{}]",
            env.name
        );

        // A resend after activation is a conflict; a garbage token is just unusable.
        env.post(
            &format!("/v1/contacts/{ana}/activation"),
            &admin.cred,
            json!({}),
        )
        .await
        .problem(409, "conflict");
        env.get("/v1/activation/not-a-token", &Cred::Anonymous)
            .await
            .problem(410, "activation-unusable");
    }
}

#[actix_web::test]
async fn turning_access_down_or_off_ends_portal_sessions_at_once() {
    for env in backends().await {
        let admin = env.admin().await;
        let ana = add_contact(
            &env,
            &admin.cred,
            json!({ "kind": "person", "name": "Ana", "email": "ana@client.example" }),
        )
        .await;
        let portal =
            portal_contact(&env, &admin.cred, &ana, "ana@client.example", "advanced").await;
        env.get("/v1/portal/projects", &portal).await.expect(200);
        // A user's endpoints do not take a contact's cookie, nor the other way round.
        env.get("/v1/contacts", &portal)
            .await
            .problem(401, "unauthenticated");
        env.get("/v1/portal/projects", &admin.cred)
            .await
            .problem(401, "unauthenticated");

        // Wrong password and unknown address look alike.
        let wrong = env
            .post(
                "/v1/portal/session",
                &Cred::Anonymous,
                json!({ "email": "ana@client.example", "password": "wrong-password-123" }),
            )
            .await;
        wrong.problem(401, "bad-credentials");
        let nobody = env
            .post(
                "/v1/portal/session",
                &Cred::Anonymous,
                json!({ "email": "nobody@client.example", "password": "wrong-password-123" }),
            )
            .await;
        assert_eq!(
            nobody.body["detail"], wrong.body["detail"],
            "[{}]",
            env.name
        );

        let lowered = env
            .put(
                &format!("/v1/contacts/{ana}/access"),
                &admin.cred,
                json!({ "access": "basic" }),
            )
            .await;
        assert_eq!(lowered.expect(200)["change"], "lowered", "[{}]", env.name);
        env.get("/v1/portal/projects", &portal)
            .await
            .problem(401, "unauthenticated");

        let again = portal_sign_in(&env, "ana@client.example").await;
        env.get("/v1/portal/projects", &again).await.expect(200);
        let off = env
            .put(
                &format!("/v1/contacts/{ana}/access"),
                &admin.cred,
                json!({ "access": "none" }),
            )
            .await;
        assert_eq!(off.expect(200)["change"], "revoked", "[{}]", env.name);
        assert_eq!(off.body["contact"]["activated"], false, "[{}]", env.name);
        env.get("/v1/portal/projects", &again)
            .await
            .problem(401, "unauthenticated");
        env.post(
            "/v1/portal/session",
            &Cred::Anonymous,
            json!({ "email": "ana@client.example", "password": CONTACT_PASSWORD }),
        )
        .await
        .problem(401, "bad-credentials");

        // Signing out ends the session too.
        let back = portal_contact(&env, &admin.cred, &ana, "ana@client.example", "basic").await;
        env.send(Method::DELETE, "/v1/portal/session", &back, None)
            .await
            .expect(204);
        env.get("/v1/portal/projects", &back)
            .await
            .problem(401, "unauthenticated");
    }
}

/// The page behind the e-mailed link: it shows whose link it is, its form activates once,
/// and afterwards the page says the link is no longer valid.
#[actix_web::test]
async fn the_activation_page_works_once() {
    for env in backends().await {
        let admin = env.admin().await;
        let ana = add_contact(
            &env,
            &admin.cred,
            json!({ "kind": "person", "name": "Ana", "email": "ana@client.example" }),
        )
        .await;
        env.put(
            &format!("/v1/contacts/{ana}/access"),
            &admin.cred,
            json!({ "access": "basic" }),
        )
        .await
        .expect(200);
        let token = activation_token(&env, "ana@client.example").await;
        let path = format!("/c/activate/{token}");
        let page = env.get(&path, &Cred::Anonymous).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.context);
        assert!(
            page.content_type.starts_with("text/html"),
            "{}",
            page.context
        );
        let html = page.body.as_str().unwrap_or_default();
        assert!(
            html.contains("ana@client.example") && html.contains("<form"),
            "{html}"
        );
        assert!(
            page.headers.contains_key("content-security-policy"),
            "{}",
            page.context
        );

        let form = |password: &str, repeat: &str| {
            crate::support::request(Method::POST, &path, &Cred::Anonymous)
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(format!("password={password}&repeat={repeat}"))
        };
        let differ = env
            .raw("POST form", form(CONTACT_PASSWORD, "something-else-123"))
            .await;
        assert!(
            differ.body.as_str().unwrap_or_default().contains("differ"),
            "{}",
            differ.context
        );
        let short = env.raw("POST form", form("short", "short")).await;
        assert!(
            short.body.as_str().unwrap_or_default().contains("12"),
            "{}: {}",
            short.context,
            short.body
        );
        let done = env
            .raw("POST form", form(CONTACT_PASSWORD, CONTACT_PASSWORD))
            .await;
        assert_eq!(done.status.as_u16(), 200, "{}", done.context);
        assert!(
            done.body.as_str().unwrap_or_default().contains("active"),
            "{}",
            done.context
        );
        portal_sign_in(&env, "ana@client.example").await;
        let gone = env.get(&path, &Cred::Anonymous).await;
        assert_eq!(gone.status.as_u16(), 410, "{}", gone.context);
    }
}

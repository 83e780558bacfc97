//! The console: server-rendered pages for the people of an account — sign-in and the forced
//! password change, users, the role matrix with explain and who-can, the Share dialog and the
//! invitations it made. Every page calls the same use cases as the `/v1` API; the console
//! only renders. Pages a user's role does not allow are not offered, and their URLs answer
//! 403 with a page naming the missing right.
//!
//! Security: the session is the API's cookie; every form carries a CSRF token that must
//! match a `SameSite=Strict` cookie (double submit); the CSP allows only the console's own
//! stylesheet and script (no inline code); responses are never cached.

mod apps;
mod automations;
mod contacts;
mod pages;
mod roles;
mod session;
mod share;
mod users;

use actix_web::web;

pub use pages::CONSOLE_CSRF_COOKIE;

use crate::methods;

/// Mounts the console under `/console` (and its static files under `/console/static`).
pub(crate) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(methods("/console", "GET").route(web::get().to(session::home)))
        .service(methods("/console/static/console.css", "GET").route(web::get().to(pages::css)))
        .service(methods("/console/static/console.js", "GET").route(web::get().to(pages::js)))
        .service(
            methods("/console/sign-in", "GET, POST")
                .route(web::get().to(session::sign_in_form))
                .route(web::post().to(session::sign_in)),
        )
        .service(methods("/console/sign-out", "POST").route(web::post().to(session::sign_out)))
        .service(
            methods("/console/password", "GET, POST")
                .route(web::get().to(session::password_form))
                .route(web::post().to(session::change_password)),
        )
        .service(
            methods("/console/users", "GET, POST")
                .route(web::get().to(users::list))
                .route(web::post().to(users::add)),
        )
        .service(
            methods("/console/users/{id}/role", "GET, POST")
                .route(web::get().to(users::role_form))
                .route(web::post().to(users::change_role)),
        )
        .service(
            methods("/console/users/{id}/may-grant", "POST")
                .route(web::post().to(users::set_may_grant)),
        )
        .service(
            methods("/console/users/{id}/delete", "GET, POST")
                .route(web::get().to(users::confirm_delete))
                .route(web::post().to(users::delete)),
        )
        .service(
            methods("/console/roles", "GET, POST")
                .route(web::get().to(roles::list))
                .route(web::post().to(roles::create)),
        )
        .service(methods("/console/roles/explain", "GET").route(web::get().to(roles::explain)))
        .service(methods("/console/roles/who-can", "GET").route(web::get().to(roles::who_can)))
        .service(
            methods("/console/roles/{id}", "GET, POST")
                .route(web::get().to(roles::matrix))
                .route(web::post().to(roles::save)),
        )
        .service(methods("/console/roles/{id}/delete", "POST").route(web::post().to(roles::delete)))
        .service(
            methods("/console/share", "GET, POST")
                .route(web::get().to(share::dialog))
                .route(web::post().to(share::share)),
        )
        .service(methods("/console/invitations", "GET").route(web::get().to(share::invitations)))
        .service(
            methods("/console/invitations/{id}/{action}", "POST").route(web::post().to(share::act)),
        )
        .service(methods("/console/automations", "GET").route(web::get().to(automations::list)))
        .service(
            methods("/console/automations/{id}", "GET").route(web::get().to(automations::detail)),
        )
        .service(
            methods("/console/automations/{id}/activate", "POST")
                .route(web::post().to(automations::activate)),
        )
        .service(
            methods("/console/automations/{id}/share", "POST")
                .route(web::post().to(automations::share)),
        )
        .service(
            methods("/console/automations/{id}/access/{user}", "POST")
                .route(web::post().to(automations::change_access)),
        )
        .service(methods("/console/runs/{id}", "GET").route(web::get().to(automations::run)))
        .service(
            methods("/console/mailbox", "GET, POST")
                .route(web::get().to(automations::mailbox))
                .route(web::post().to(automations::save_mailbox)),
        )
        .service(
            methods("/console/contacts", "GET, POST")
                .route(web::get().to(contacts::list))
                .route(web::post().to(contacts::create)),
        )
        .service(methods("/console/contacts/{id}", "GET").route(web::get().to(contacts::detail)))
        .service(
            methods("/console/contacts/{id}/access", "POST")
                .route(web::post().to(contacts::set_access)),
        )
        .service(
            methods("/console/contacts/{id}/activation", "POST")
                .route(web::post().to(contacts::resend)),
        )
        .service(
            methods("/console/contacts/{id}/delete", "POST")
                .route(web::post().to(contacts::delete)),
        )
        .service(
            methods("/console/apps", "GET, POST")
                .route(web::get().to(apps::list))
                .route(web::post().to(apps::create)),
        )
        .service(methods("/console/apps/{app}", "GET").route(web::get().to(apps::detail)))
        .service(methods("/console/apps/{app}/users", "POST").route(web::post().to(apps::set_user)))
        .service(
            methods("/console/apps/{app}/users/{user}/remove", "POST")
                .route(web::post().to(apps::remove_user)),
        )
        .service(
            methods("/console/apps/{app}/import", "POST")
                .app_data(web::PayloadConfig::new(crate::apps::MAX_IMPORT_BYTES))
                .route(web::post().to(apps::import)),
        )
        .service(
            methods("/console/apps/{app}/cases", "POST").route(web::post().to(apps::create_case)),
        )
        .service(
            methods("/console/apps/{app}/case-roles", "POST")
                .route(web::post().to(apps::create_case_role)),
        )
        .service(
            methods("/console/apps/{app}/case-roles/{id}/delete", "POST")
                .route(web::post().to(apps::delete_case_role)),
        )
        .service(methods("/console/cases/{case}", "GET").route(web::get().to(apps::case)))
        .service(
            methods("/console/cases/{case}/assignments", "POST")
                .route(web::post().to(apps::assign)),
        )
        .service(
            methods("/console/cases/{case}/assignments/{user}/remove", "POST")
                .route(web::post().to(apps::unassign)),
        )
        .service(
            methods("/console/cases/{case}/delete", "POST")
                .route(web::post().to(apps::delete_case)),
        );
}

//! The console's sign-in with SkyNet: starting it, finishing it when the
//! authorize page sends the browser back, renewing the tokens ahead of
//! expiry, and signing out (revoking both tokens, forgetting everything).

use leptos::prelude::*;

use crate::auth::{self, AuthError};
use crate::console::Console;
use crate::state::auth::{retry_renewal_at, AuthConfig, ConfigFile, Session};
use crate::state::time::now_ms;
use crate::storage;
use crate::transport::sleep_ms;

impl Console {
    /// What to sign in with: the Advanced section's settings over the
    /// deploy-time file's, the API base as the connection form shows it.
    pub fn auth_config(&self) -> AuthConfig {
        let file = self.config_file.get_untracked();
        let advanced = storage::advanced().unwrap_or_default();
        let pick = |a: Option<String>, b: Option<String>| a.filter(|s| !s.trim().is_empty()).or(b);
        ConfigFile {
            api_base: Some(self.settings.with_untracked(|s| s.api_base.clone())),
            auth_base: pick(advanced.auth_base, file.auth_base),
            client_id: pick(advanced.client_id, file.client_id),
            scope: pick(advanced.scope, file.scope),
        }
        .resolve(crate::DEFAULT_API_URL)
    }

    /// Sends the browser to SkyNet's sign-in page.
    pub fn sign_in(&self) {
        let this = *self;
        let config = self.auth_config();
        self.auth_error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = auth::begin_sign_in(config).await {
                this.auth_error
                    .set(Some(format!("Could not start signing in: {e}")));
            }
        });
    }

    /// Finishes a sign-in if the authorize page sent the browser back here,
    /// else takes up the session this tab already had (a reload). Returns
    /// false when there is neither.
    pub async fn resume_sign_in(&self) -> bool {
        let completed = auth::complete_sign_in().await;
        if !self.alive() {
            return false;
        }
        match completed {
            Some(Ok(session)) => {
                self.start_session(session);
                return true;
            }
            Some(Err(e)) => {
                self.auth_error.set(Some(e.to_string()));
                return false;
            }
            None => {}
        }
        match storage::sign_in_session() {
            Some(session) if !session.expired(now_ms()) => {
                self.start_session(session);
                true
            }
            Some(_) => {
                storage::forget_sign_in();
                self.auth_error.set(Some(
                    "Your sign-in lapsed while the page was away. Sign in again.".into(),
                ));
                false
            }
            None => false,
        }
    }

    /// Takes a session: its tokens connect the sockets and renew themselves.
    pub fn start_session(&self, session: Session) {
        storage::remember_sign_in_session(&session);
        storage::remember_api_base(&session.config.api_base);
        self.settings.update(|s| {
            s.api_base = session.config.api_base.clone();
            s.token = session.access_token.clone();
        });
        self.auth_error.set(None);
        let generation = self.auth_generation.get_value() + 1;
        self.auth_generation.set_value(generation);
        self.session.set(Some(session));
        if let Err(why) = self.connect() {
            self.notify(format!("Could not connect: {why}"));
        }
        let this = *self;
        leptos::task::spawn_local(async move { this.keep_renewed(generation).await });
    }

    /// Renews the tokens ahead of expiry for as long as this sign-in lasts.
    /// A renewal the server refuses ends it ("sign in again", no retry
    /// loop); one that fails on the way is retried until the token lapses.
    async fn keep_renewed(&self, generation: u64) {
        let current = |this: &Self| this.auth_generation.try_get_value() == Some(generation);
        let mut failures = 0;
        let mut next = match self.session.get_untracked() {
            Some(s) => s.renew_at(),
            None => return,
        };
        loop {
            sleep_ms(next - now_ms()).await;
            if !current(self) {
                return;
            }
            let Some(session) = self.session.get_untracked() else {
                return;
            };
            let renewed = auth::refresh(session.clone()).await;
            match renewed {
                _ if !current(self) => return,
                Ok(renewed) => {
                    failures = 0;
                    // Rotation: the new refresh token replaces the old at once.
                    storage::remember_sign_in_session(&renewed);
                    next = renewed.renew_at();
                    self.settings
                        .update(|s| s.token = renewed.access_token.clone());
                    self.session.set(Some(renewed));
                    self.move_sockets_to_current_token();
                }
                Err(AuthError::SignInAgain(why)) => return self.sign_in_lapsed(why),
                Err(AuthError::Failed(why)) => {
                    failures += 1;
                    match retry_renewal_at(&session, failures, now_ms()) {
                        Some(at) => {
                            self.notify(format!("Renewing the sign-in failed ({why}); trying again."));
                            next = at;
                        }
                        None => {
                            return self.sign_in_lapsed(format!(
                                "Your sign-in could not be renewed before it lapsed ({why}). Sign in again."
                            ))
                        }
                    }
                }
            }
        }
    }

    /// The server refused this sign-in's token on a socket (it was revoked,
    /// or the server forgot its grants): the sign-in is over, whatever the
    /// renewal schedule says. Nothing reconnects; the sockets stopped.
    pub(crate) fn sign_in_refused(&self) {
        if self.session.with_untracked(Option::is_none) {
            return;
        }
        self.auth_generation.update_value(|g| *g += 1);
        self.sign_in_lapsed(
            "SkyNet no longer accepts this sign-in (its token was refused). Sign in again.".into(),
        );
    }

    /// The sign-in is over without the user asking: say so, forget the
    /// tokens, and leave the sockets to end when the server refuses them.
    /// Running commands keep following the log's rules; nothing reconnects.
    fn sign_in_lapsed(&self, why: String) {
        storage::forget_sign_in();
        self.session.set(None);
        self.auth_error.set(Some(why));
    }

    /// Signs out: stops renewing, closes the sockets, forgets everything
    /// stored, and revokes the refresh and access tokens.
    pub fn sign_out(&self) {
        self.auth_generation.update_value(|g| *g += 1);
        let session = self.session.get_untracked();
        self.session.set(None);
        self.auth_error.set(None);
        self.disconnect();
        storage::forget_sign_in();
        self.settings.update(|s| s.token.clear());
        let Some(session) = session else {
            return;
        };
        let this = *self;
        leptos::task::spawn_local(async move {
            let revoked = auth::revoke(session).await;
            if !this.alive() {
                return;
            }
            match revoked {
                Ok(()) => this.notify("Signed out; SkyNet revoked this tab's tokens."),
                Err(e) => this.notify(format!(
                    "Signed out here, but revoking the tokens failed ({e}); they lapse on their own."
                )),
            }
        });
    }
}

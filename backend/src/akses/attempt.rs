//! One attempt at a use case: its transaction, the audit action it is recorded under and the
//! reference it acts on. The three ways an attempt ends live here, so every use case ends
//! the same way:
//! - **refused** ([`Attempt::refuse`]): the transaction rolls back and the refusal is written
//!   to the trail on its own (a failure that is not a refusal is passed on unaudited);
//! - **failed** ([`Attempt::fail`]): a wrong code — the trail line (GAGAL) and whatever
//!   the attempt counted (the code's wrong tries) commit, and the error is returned;
//! - **done** ([`Attempt::done`]): the trail line is written in the transaction, which
//!   commits; then the change notice goes to the satker's open pages (`events::umumkan`).

use crate::Caller;
use crate::audit::{self, Entry, Outcome};
use crate::error::{Error, Result};
use domain::PejabatId;
use domain::audit::Aksi;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// A use case in progress (see the module documentation).
pub(crate) struct Attempt<'c> {
    pool: &'c PgPool,
    caller: &'c Caller,
    action: Aksi,
    pejabat: Option<PejabatId>,
    /// For an attempt without a logged-in user: the account it concerns (a set-password link).
    as_user: Option<String>,
    tx: Transaction<'static, Postgres>,
}

impl<'c> Attempt<'c> {
    /// Opens the transaction of an attempt at `action`. A sensitive action
    /// (`Aksi::perlu_step_up`) needs a recent authentication, whatever the use case checked.
    pub(crate) async fn begin(pool: &'c PgPool, caller: &'c Caller, action: impl Into<Aksi>) -> Result<Self> {
        let action = action.into();
        if action.perlu_step_up() {
            crate::akses::actor::step_up(caller)?;
        }
        let tx = pool.begin().await?;
        Ok(Attempt { pool, caller, action, pejabat: None, as_user: None, tx })
    }

    /// The reference the attempt's trail line names.
    pub(crate) fn about(&mut self, pejabat_id: PejabatId) {
        self.pejabat = Some(pejabat_id);
    }

    /// The account the trail line names when nobody is logged in (`attempted_username`).
    pub(crate) fn as_user(&mut self, username: &str) {
        self.as_user = Some(username.to_owned());
    }

    /// The open transaction, for the attempt's statements.
    pub(crate) fn tx(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// The attempt's trail line; built from the fields, so the transaction stays free to use.
    fn entry<'a>(
        caller: &'a Caller,
        action: Aksi,
        pejabat: Option<PejabatId>,
        as_user: &'a Option<String>,
        outcome: Outcome,
        detail: String,
    ) -> Entry<'a> {
        let mut entry = Entry::new(caller, action, outcome).detail(detail);
        entry.pejabat_id = pejabat;
        entry.attempted_username = as_user.as_deref();
        entry
    }

    /// Ends the attempt with `err`: rolled back; a refusal is written to the trail (after the
    /// rollback, so the line does not wait on the attempt's locks) and returned; any other
    /// error is returned as it is. When the trail cannot be written, that failure is returned.
    pub(crate) async fn refuse(self, err: Error) -> Error {
        let Attempt { pool, caller, action, pejabat, as_user, tx } = self;
        drop(tx);
        if !err.is_refusal() {
            return err;
        }
        match as_user {
            None => audit::refuse(pool, caller, action, pejabat, err).await,
            // the refusal of an anonymous attempt names the account it concerned
            Some(username) => {
                let entry =
                    Entry { attempted_username: Some(&username), ..Entry::new(caller, action, Outcome::Ditolak) };
                match audit::record(pool, entry.detail(err.to_string())).await {
                    Ok(()) => err,
                    Err(failure) => failure,
                }
            }
        }
    }

    /// Ends the attempt as failed (a wrong code): the GAGAL line and what the attempt changed
    /// commit, and `err` is returned.
    pub(crate) async fn fail(mut self, err: Error) -> Error {
        let entry = Self::entry(self.caller, self.action, self.pejabat, &self.as_user, Outcome::Gagal, err.to_string());
        let committed = async {
            audit::record(&mut *self.tx, entry).await?;
            self.tx.commit().await?;
            Ok::<(), Error>(())
        };
        match committed.await {
            Ok(()) => err,
            Err(failure) => failure,
        }
    }

    /// Ends the attempt as done: the BERHASIL line with `detail`, the commit and, with
    /// `satker`, the change notice for that satker's open pages (after the commit:
    /// `events::umumkan`).
    pub(crate) async fn done(mut self, detail: impl Into<String>, satker: Option<&str>) -> Result<()> {
        let entry =
            Self::entry(self.caller, self.action, self.pejabat, &self.as_user, Outcome::Berhasil, detail.into());
        audit::record(&mut *self.tx, entry).await?;
        self.tx.commit().await?;
        if let Some(satker) = satker {
            crate::sistem::events::umumkan(self.pool, satker);
        }
        Ok(())
    }
}

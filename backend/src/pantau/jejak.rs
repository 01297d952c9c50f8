//! The audit page (Jejak Audit): what the Admin Lokal (its satker) and the CSO (its KPPN)
//! find in the trail, a page at a time or as CSV. The trail itself is written by `audit`.

use crate::Caller;
use crate::akses::auth::authorize;
use crate::audit::{Aksi, Entry, Outcome, record, refuse};
use crate::error::Result;
use domain::Unit;
use sqlx::Arguments;
use sqlx::postgres::PgArguments;

/// The scope and filters of an audit search, as SQL after `FROM audit_log a`: `$1` the
/// unit in column `scope` (`scope_satker` for the Admin Lokal, `scope_kppn` for the CSO),
/// `$2..$7` the filters. The unit a line concerns is fixed when it is written.
fn search_where(scope: &str) -> String {
    format!(
        "
    LEFT JOIN pejabat p ON p.id = a.pejabat_id
    WHERE a.{scope} = $1
      AND ($2::timestamptz IS NULL OR a.at >= $2)
      AND ($3::timestamptz IS NULL OR a.at < $3)
      AND ($4 = '' OR a.actor_username ILIKE $4)
      AND ($5 = '' OR p.nama ILIKE $5 OR p.nip LIKE $5)
      AND ($6 = '' OR a.action = $6)
      AND ($7 = '' OR a.outcome = $7)"
    )
}

#[derive(sqlx::FromRow)]
struct SearchRow {
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
    actor_username: Option<String>,
    actor_role: Option<String>,
    unit: Option<String>,
    client_addr: Option<String>,
    action: String,
    outcome: String,
    pejabat: Option<String>,
    detail: String,
}

impl SearchRow {
    fn into_row(self) -> domain::audit::AuditRow {
        domain::audit::AuditRow {
            id: self.id,
            at_ms: self.at.timestamp_millis(),
            aktor: self.actor_username.unwrap_or_default(),
            peran: self.actor_role.unwrap_or_default(),
            unit: self.unit.unwrap_or_default(),
            alamat: self.client_addr.unwrap_or_default(),
            aksi: self.action,
            hasil: self.outcome,
            pejabat: self.pejabat.unwrap_or_default(),
            detail: self.detail,
        }
    }
}

/// `%text%` for ILIKE with the LIKE metacharacters escaped; empty stays empty.
fn contains(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let escaped: String =
        text.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    format!("%{escaped}%")
}

/// Searches the trail the caller may see: one page (`limit` rows from `offset`), and the
/// number of matching rows in all.
async fn search(
    pool: &sqlx::PgPool,
    caller: &Caller,
    q: &domain::audit::AuditQuery,
    limit: i64,
    offset: i64,
) -> Result<(Vec<domain::audit::AuditRow>, i64)> {
    use crate::error::Error;
    let actor = authorize(pool, caller, domain::authz::Action::LihatAudit).await?;
    let checked = match domain::audit::check(q) {
        Ok(c) => c,
        Err(f) => return Err(refuse(pool, caller, Aksi::LihatAudit, None, Error::Invalid(f)).await),
    };
    let scope = match actor.unit {
        Unit::Satker(_) => "scope_satker",
        Unit::Kppn(_) => "scope_kppn",
        // authz keeps the operator, Kanwil and Pusat away from the trail of pejabat data
        Unit::Kanwil(_) | Unit::Nasional => {
            return Err(Error::Forbidden("Jejak audit hanya untuk satker dan KPPN-nya.".into()));
        }
    };
    let unit = actor.unit.kode();
    let start = |d: chrono::NaiveDate| crate::wib_day_start(d.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc());
    let dari = checked.dari.map(start);
    let sampai = checked.sampai.map(|d| start(d) + chrono::Duration::days(1));
    let (aktor, pejabat) = (contains(&checked.aktor), contains(&checked.pejabat));
    // the filters, bound once for both statements ($1–$7 of `search_where`)
    let filters = (|| {
        let mut args = PgArguments::default();
        args.add(unit)?;
        args.add(dari)?;
        args.add(sampai)?;
        args.add(&aktor)?;
        args.add(&pejabat)?;
        args.add(&checked.aksi)?;
        args.add(&checked.hasil)?;
        Ok::<_, sqlx::error::BoxDynError>(args)
    })()
    .map_err(|e| Error::Database(sqlx::Error::Encode(e)))?;
    // counting stops past the cap: the page says "more than …" instead of scanning everything
    let total: i64 = sqlx::query_scalar_with(
        &format!(
            "SELECT count(*) FROM (SELECT 1 FROM audit_log a {} LIMIT {}) AS matching",
            search_where(scope),
            domain::audit::COUNT_CAP + 1
        ),
        filters.clone(),
    )
    .fetch_one(pool)
    .await?;
    let mut page = filters;
    page.add(limit).and_then(|()| page.add(offset)).map_err(|e| Error::Database(sqlx::Error::Encode(e)))?;
    let rows: Vec<SearchRow> = sqlx::query_as_with(
        &format!(
            "SELECT a.id, a.at, a.actor_username, a.actor_role, coalesce(a.satker_kode, a.kppn_kode) AS unit,
                    a.client_addr, a.action, a.outcome, p.nama AS pejabat, a.detail
             FROM audit_log a {}
             ORDER BY a.id DESC LIMIT $8 OFFSET $9",
            search_where(scope)
        ),
        page,
    )
    .fetch_all(pool)
    .await?;
    Ok((rows.into_iter().map(SearchRow::into_row).collect(), total))
}

/// One page of the audit page.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn page(
    pool: &sqlx::PgPool,
    caller: &Caller,
    q: &domain::audit::AuditQuery,
) -> Result<domain::pejabat::Page<domain::audit::AuditRow>> {
    let per = domain::audit::PER_PAGE;
    let page = q.page.max(1);
    let (rows, total) = search(pool, caller, q, i64::from(per), i64::from(page - 1) * i64::from(per)).await?;
    Ok(domain::pejabat::Page { rows, total: u64::try_from(total).unwrap_or(0), page, per_page: Some(per) })
}

/// Every matching line (up to [`domain::audit::MAX_EXPORT`]) as CSV; the export itself
/// is audited.
#[tracing::instrument(skip_all, fields(user_id = caller.actor().map(|a| a.user_id.0)))]
pub async fn csv(pool: &sqlx::PgPool, caller: &Caller, q: &domain::audit::AuditQuery) -> Result<String> {
    let (rows, total) = search(pool, caller, q, domain::audit::MAX_EXPORT, 0).await?;
    crate::akses::auth::step_up(caller)?;
    let mut out = String::with_capacity(rows.len() * 120 + 80);
    out.push_str(domain::audit::CSV_HEADER);
    out.push_str("\r\n");
    for r in &rows {
        out.push_str(&r.csv());
        out.push_str("\r\n");
    }
    record(
        pool,
        Entry::new(caller, Aksi::EksporAudit, Outcome::Berhasil).detail(format!("{} dari {total} baris", rows.len())),
    )
    .await?;
    Ok(out)
}

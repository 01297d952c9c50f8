//! Decoding the domain's stored enums straight from their text columns. A row struct says
//! `#[sqlx(try_from = "Stored<Jabatan>")] jabatan: Jabatan`; a value the code does not know
//! fails the query with an error naming the column, the type and the value
//! (`domain::stored::UnknownValue`), logged as an internal error — never a plausible default.
//! (`try_from = "String"` would do the same, but sqlx 0.8.6 loses the error's text on that
//! path: "unprintable error".)

use domain::stored::UnknownValue;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef, Postgres};

/// A column's text decoded into the domain type `T`.
pub struct Stored<T>(pub T);

impl<T> sqlx::Type<Postgres> for Stored<T> {
    fn type_info() -> PgTypeInfo {
        <String as sqlx::Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <String as sqlx::Type<Postgres>>::compatible(ty)
    }
}

impl<'r, T: TryFrom<String, Error = UnknownValue>> sqlx::Decode<'r, Postgres> for Stored<T> {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <String as sqlx::Decode<Postgres>>::decode(value)?;
        Ok(Stored(T::try_from(text)?))
    }
}

/// `From<Stored<T>> for T` for each stored enum (a blanket impl is not allowed for a
/// foreign `T`).
macro_rules! unwrap_stored {
    ($($t:ty),+ $(,)?) => {
        $(impl From<Stored<$t>> for $t {
            fn from(s: Stored<$t>) -> $t {
                s.0
            }
        })+
    };
}

unwrap_stored!(
    domain::Jabatan,
    domain::Status,
    domain::Role,
    domain::berkas::BerkasStatus,
    domain::berkas::Keperluan,
    domain::jadwal::Mode,
    domain::jadwal::Kehadiran,
    domain::ubah_nomor::Tahap,
    domain::otp::Purpose,
    domain::otp::CodeState,
    domain::formulir::Jenis,
    domain::faktor::Metode,
    domain::audit::Aksi,
    domain::impor::Daftar,
);

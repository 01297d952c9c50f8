//! Enums stored in the database as text: one macro gives each its list of values, the text
//! it is stored as, the way back, `Display` and `TryFrom<String>`, so a column decodes
//! straight into the type (`#[sqlx(try_from = "Stored<T>")]` in the backend's row structs, `backend::sistem::stored`) and a
//! value the code does not know is an error naming the type and the value — never a
//! plausible default.

/// A stored text that names no value of the type it was read as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: nilai tidak dikenal {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

/// Declares an enum stored as text. `as label / from_label` names the pair of methods
/// (the text SAKTI shows is also what is stored), or `as code / from_code` where the
/// stored text is a code and the label is written by hand beside it.
///
/// ```
/// domain::stored_enum! {
///     /// A colour.
///     pub enum Warna as label / from_label {
///         Merah = "MERAH",
///         Putih = "PUTIH",
///     }
/// }
/// assert_eq!(Warna::ALL, [Warna::Merah, Warna::Putih]);
/// assert_eq!(Warna::from_label("PUTIH"), Some(Warna::Putih));
/// assert_eq!(Warna::try_from("MERAH".to_string()), Ok(Warna::Merah));
/// assert!(Warna::try_from("HIJAU".to_string()).unwrap_err().to_string().contains("HIJAU"));
/// assert_eq!(Warna::Merah.to_string(), "MERAH");
/// ```
#[macro_export]
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $get:ident / $from:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; <[&str]>::len(&[$( $text ),+])] = [$( $name::$variant ),+];

            /// The text this value is stored as.
            pub fn $get(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }

            /// The value stored as `text`, if any.
            pub fn $from(text: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|v| v.$get() == text)
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.$get())
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::stored::UnknownValue;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                $name::$from(&text).ok_or($crate::stored::UnknownValue { kind: stringify!($name), value: text })
            }
        }
    };
}

//! The keys the server process holds and the database never sees: whoever reads or writes
//! the database alone (a stolen backup, the app's database password, the owner role) can
//! neither read an authenticator app's seed nor write a trail line or a checkpoint that
//! passes `server audit verify`.
//!
//! - **Faktor** (`SAKTI_FAKTOR_KEY`, AES-256-GCM): the TOTP seeds at rest, each bound to its
//!   user. Rotation: the new key in `SAKTI_FAKTOR_KEY`, the old one(s) in
//!   `SAKTI_FAKTOR_KEY_LAMA` (comma-separated); at start-up (and by `server faktor
//!   kunci-ulang`) every seed under an old key, or still in clear, is sealed again under the
//!   new one; then the old key can go.
//! - **MAC of the trail** (`SAKTI_AUDIT_MAC_KEY`, HMAC-SHA-256): each line the server writes.
//! - **Checkpoint signing** (`SAKTI_AUDIT_SIGN_KEY`, the 32-byte seed of an Ed25519 key):
//!   the chain head, written outside the database (`titik`).
//!
//! Each is 64 hex characters. Without the variable, a key is generated on first start and
//! kept in the data directory (mode 0600), like the OTP key: every instance on one database
//! needs the same keys, so production sets them in the environment.

use crate::error::{Error, Result};
use domain::UserId;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use std::path::Path;
use std::sync::Arc;

/// The keys' variables: unset, each is kept in the data folder.
pub const KUNCI_LINGKUNGAN: [&str; 3] = ["SAKTI_FAKTOR_KEY", "SAKTI_AUDIT_MAC_KEY", "SAKTI_AUDIT_SIGN_KEY"];

/// 32 bytes of key from 64 hex characters.
fn bytes_of(name: &str, text: &str) -> std::result::Result<[u8; 32], String> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut out).map_err(|_| format!("{name} harus 64 karakter heksadesimal"))?;
    Ok(out)
}

/// The key named `name` in the environment, or kept in `data_dir/file` (made there when
/// `buat`; else its absence is an error naming both).
fn key_of(name: &str, data_dir: &Path, file: &str, buat: bool) -> std::result::Result<[u8; 32], String> {
    match std::env::var(name).ok().filter(|v| !v.trim().is_empty()) {
        Some(text) => bytes_of(name, &text),
        None if !buat && !data_dir.join(file).exists() => {
            Err(format!("{name} tidak diisi dan {} tidak ada", data_dir.join(file).display()))
        }
        None => {
            let kept = crate::sistem::secret::kept(&data_dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
            bytes_of(file, &kept)
        }
    }
}

/// A short, public name of a key (the first 8 hex characters of its SHA-256): stored next to
/// what it sealed, so the right key is picked after a rotation.
fn id_of(key: &[u8]) -> String {
    hex::encode(&ring::digest::digest(&ring::digest::SHA256, key).as_ref()[..4])
}

/// Every key the process holds.
#[derive(Clone)]
pub struct Kunci {
    pub faktor: Arc<KunciFaktor>,
    pub audit_mac: KunciMac,
    pub tanda: Arc<KunciTanda>,
}

impl Kunci {
    /// The keys from the environment, or kept in `data_dir` (made there on first use): a
    /// one-line reason when one is malformed.
    pub fn muat(data_dir: &Path) -> std::result::Result<Kunci, String> {
        Kunci::muat_dengan(data_dir, true)
    }

    /// The keys that exist already: for checking the trail, where a new key would only say
    /// that every line is forged.
    pub fn muat_ada(data_dir: &Path) -> std::result::Result<Kunci, String> {
        Kunci::muat_dengan(data_dir, false)
    }

    fn muat_dengan(data_dir: &Path, buat: bool) -> std::result::Result<Kunci, String> {
        let lama = std::env::var("SAKTI_FAKTOR_KEY_LAMA").unwrap_or_default();
        let lama = lama
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| bytes_of("SAKTI_FAKTOR_KEY_LAMA", t))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Kunci::dari(
            key_of("SAKTI_FAKTOR_KEY", data_dir, "faktor-key", buat)?,
            &lama,
            &key_of("SAKTI_AUDIT_MAC_KEY", data_dir, "audit-mac-key", buat)?,
            &key_of("SAKTI_AUDIT_SIGN_KEY", data_dir, "audit-sign-key", buat)?,
        )
    }

    /// The keys from their bytes: the faktor key (and old ones still read), the trail's MAC
    /// key, the checkpoints' signing seed.
    pub fn dari(
        faktor: [u8; 32],
        lama: &[[u8; 32]],
        mac: &[u8; 32],
        tanda: &[u8; 32],
    ) -> std::result::Result<Kunci, String> {
        Ok(Kunci {
            faktor: Arc::new(KunciFaktor::new(faktor, lama)),
            audit_mac: KunciMac::new(mac),
            tanda: Arc::new(KunciTanda::new(tanda)?),
        })
    }
}

/// The key the TOTP seeds are sealed with, and the old ones still read after a rotation.
pub struct KunciFaktor {
    id: String,
    key: LessSafeKey,
    lama: Vec<(String, LessSafeKey)>,
}

impl std::fmt::Debug for KunciFaktor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KunciFaktor({}, {} lama)", self.id, self.lama.len())
    }
}

fn aead(bytes: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, bytes).expect("32 bytes are an AES-256 key"))
}

/// What a seed is bound to: sealed for one user, it does not open for another.
fn aad_of(user_id: UserId) -> String {
    format!("sakti-faktor-totp-v1:{}", user_id.0)
}

impl KunciFaktor {
    pub fn new(key: [u8; 32], lama: &[[u8; 32]]) -> KunciFaktor {
        KunciFaktor { id: id_of(&key), key: aead(&key), lama: lama.iter().map(|k| (id_of(k), aead(k))).collect() }
    }

    /// The stored form of `user_id`'s seed: `{"kunci": id, "segel": hex(nonce ‖ ciphertext ‖ tag)}`.
    pub fn segel(&self, user_id: UserId, secret: &str) -> Result<serde_json::Value> {
        use rand::RngCore;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut sealed = secret.as_bytes().to_vec();
        let aad = aad_of(user_id);
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad.as_bytes()), &mut sealed)
            .map_err(|_| Error::Kunci("segel faktor gagal".into()))?;
        Ok(serde_json::json!({ "kunci": self.id, "segel": hex::encode([&nonce[..], &sealed].concat()) }))
    }

    /// The seed in `data` (sealed, or in clear as stored before seeds were sealed).
    pub fn buka(&self, user_id: UserId, data: &serde_json::Value) -> Result<String> {
        if let Some(clear) = data.get("secret").and_then(|s| s.as_str()) {
            return Ok(clear.to_owned());
        }
        let (Some(id), Some(sealed)) =
            (data.get("kunci").and_then(|s| s.as_str()), data.get("segel").and_then(|s| s.as_str()))
        else {
            return Err(Error::Kunci("faktor tersimpan tanpa segel".into()));
        };
        let key = if id == self.id {
            &self.key
        } else {
            match self.lama.iter().find(|(lama, _)| lama == id) {
                Some((_, key)) => key,
                None => {
                    return Err(Error::Kunci(format!(
                        "faktor tersegel dengan kunci {id} yang tidak dipegang server: \
                         pasang kunci itu di SAKTI_FAKTOR_KEY_LAMA"
                    )));
                }
            }
        };
        let bytes = hex::decode(sealed).map_err(|_| Error::Kunci("segel faktor rusak".into()))?;
        if bytes.len() < NONCE_LEN {
            return Err(Error::Kunci("segel faktor rusak".into()));
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Error::Kunci("segel faktor rusak".into()))?;
        let mut rest = rest.to_vec();
        let aad = aad_of(user_id);
        let plain = key
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut rest)
            .map_err(|_| Error::Kunci("segel faktor tidak terbuka (diubah, atau milik pengguna lain)".into()))?;
        String::from_utf8(plain.to_vec()).map_err(|_| Error::Kunci("segel faktor rusak".into()))
    }

    /// Is `data` sealed under the current key (nothing to do at a rotation)?
    pub fn terkini(&self, data: &serde_json::Value) -> bool {
        data.get("kunci").and_then(|s| s.as_str()) == Some(self.id.as_str())
    }
}

/// Seals again, under the current key, every TOTP seed still in clear or under an old key;
/// returns how many. Run at start-up and by `server faktor kunci-ulang`.
pub async fn segel_ulang(pool: &sqlx::PgPool, kunci: &KunciFaktor) -> Result<u64> {
    let mut tx = pool.begin().await?;
    /// A TOTP factor and its stored seed.
    #[derive(sqlx::FromRow)]
    struct Benih {
        id: domain::FaktorId,
        user_id: UserId,
        data: serde_json::Value,
    }
    let rows: Vec<Benih> = sqlx::query_as("SELECT id, user_id, data FROM faktor WHERE jenis = 'TOTP' FOR UPDATE")
        .fetch_all(&mut *tx)
        .await?;
    let mut n = 0;
    for Benih { id, user_id, data } in rows {
        if kunci.terkini(&data) {
            continue;
        }
        let sealed = kunci.segel(user_id, &kunci.buka(user_id, &data)?)?;
        sqlx::query("UPDATE faktor SET data = $2 WHERE id = $1").bind(id).bind(sealed).execute(&mut *tx).await?;
        n += 1;
    }
    tx.commit().await?;
    Ok(n)
}

/// The MAC key of the trail's lines.
#[derive(Clone)]
pub struct KunciMac(ring::hmac::Key);

impl std::fmt::Debug for KunciMac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KunciMac")
    }
}

impl KunciMac {
    pub fn new(key: &[u8; 32]) -> KunciMac {
        KunciMac(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key))
    }

    pub fn mac(&self, bytes: &[u8]) -> Vec<u8> {
        ring::hmac::sign(&self.0, bytes).as_ref().to_vec()
    }

    /// Does `tag` authenticate `bytes` (compared in constant time)?
    pub fn cocok(&self, bytes: &[u8], tag: &[u8]) -> bool {
        ring::hmac::verify(&self.0, bytes, tag).is_ok()
    }
}

/// The Ed25519 key the checkpoints are signed with.
pub struct KunciTanda {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for KunciTanda {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KunciTanda({})", self.publik())
    }
}

impl KunciTanda {
    pub fn new(seed: &[u8; 32]) -> std::result::Result<KunciTanda, String> {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|e| format!("kunci tanda tangan: {e}"))?;
        Ok(KunciTanda { pair })
    }

    /// The public key, hex: what an auditor holds to check the checkpoints.
    pub fn publik(&self) -> String {
        hex::encode(self.pair.public_key().as_ref())
    }

    pub fn tanda(&self, message: &[u8]) -> String {
        hex::encode(self.pair.sign(message).as_ref())
    }
}

/// Does `signature` (hex) sign `message` under `public` (hex)?
pub fn tanda_sah(public: &str, message: &[u8], signature: &str) -> bool {
    let (Ok(public), Ok(signature)) = (hex::decode(public), hex::decode(signature)) else { return false };
    UnparsedPublicKey::new(&ED25519, public).verify(message, &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_seed_opens_for_its_user_only_and_after_a_rotation() {
        let (old, new) = ([1u8; 32], [2u8; 32]);
        let before = KunciFaktor::new(old, &[]);
        let sealed = before.segel(UserId(7), "JBSWY3DPEHPK3PXP").unwrap();
        assert!(!sealed.to_string().contains("JBSWY3DPEHPK3PXP"), "no seed in clear: {sealed}");
        assert_eq!(before.buka(UserId(7), &sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(before.buka(UserId(8), &sealed).is_err(), "bound to its user");
        let after = KunciFaktor::new(new, &[old]);
        assert!(!after.terkini(&sealed));
        assert_eq!(after.buka(UserId(7), &sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        let without_old = KunciFaktor::new(new, &[]);
        let refused = without_old.buka(UserId(7), &sealed).unwrap_err().to_string();
        assert!(refused.contains("SAKTI_FAKTOR_KEY_LAMA"), "{refused}");
        let mut tampered = sealed.clone();
        let text = tampered["segel"].as_str().unwrap().to_owned();
        let flipped = if text.ends_with('0') { "1" } else { "0" };
        tampered["segel"] = serde_json::json!(format!("{}{flipped}", &text[..text.len() - 1]));
        assert!(before.buka(UserId(7), &tampered).is_err());
    }

    #[test]
    fn a_signature_holds_for_its_message_and_key_only() {
        let key = KunciTanda::new(&[3u8; 32]).unwrap();
        let other = KunciTanda::new(&[4u8; 32]).unwrap();
        let sig = key.tanda(b"kepala 10");
        assert!(tanda_sah(&key.publik(), b"kepala 10", &sig));
        assert!(!tanda_sah(&key.publik(), b"kepala 11", &sig));
        assert!(!tanda_sah(&other.publik(), b"kepala 10", &sig));
        assert!(!tanda_sah(&key.publik(), b"kepala 10", "zz"));
    }

    #[test]
    fn a_mac_holds_for_its_bytes_and_key_only() {
        let key = KunciMac::new(&[5u8; 32]);
        let tag = key.mac(b"baris");
        assert!(key.cocok(b"baris", &tag));
        assert!(!key.cocok(b"baris!", &tag));
        assert!(!KunciMac::new(&[6u8; 32]).cocok(b"baris", &tag));
    }

    #[test]
    fn a_key_is_64_hex_characters() {
        assert!(bytes_of("X", &"ab".repeat(32)).is_ok());
        assert!(bytes_of("X", "abc").unwrap_err().contains("64 karakter"));
        assert!(bytes_of("X", &"zz".repeat(32)).is_err());
    }
}

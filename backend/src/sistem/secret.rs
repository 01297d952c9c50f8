//! Random secrets: 32 bytes from the operating system written as hex (safe to put anywhere,
//! even inside SQL, without quoting), and secrets kept in a file of the data directory
//! (created on first use, readable by its owner only). Used for the OTP key, the private
//! cluster's role passwords and set-password tokens.

use std::path::Path;

/// 32 random bytes as lower-case hex.
pub fn random_hex() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    domain::berkas::hex(&bytes)
}

/// The SHA-256 of a token, as the database keeps tokens (links, devices, recovery codes).
pub fn sha256(token: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

/// The secret kept in `path`, created (with its directory) on first use, mode 0600.
pub fn kept(path: &Path) -> std::io::Result<String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if !path.exists() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
        file.write_all(random_hex().as_bytes())?;
    }
    Ok(std::fs::read_to_string(path)?.trim().to_owned())
}

//! Addresses the pages build: the login page with the page to return to.

/// The login page's address, returning to `path` after login.
pub fn login_url(path: Option<&str>, habis: bool) -> String {
    let mut url = String::from("/login");
    let mut sep = '?';
    if habis {
        url.push_str("?habis=1");
        sep = '&';
    }
    if let Some(p) = path.and_then(domain::sesi::kembali) {
        url.push(sep);
        url.push_str("kembali=");
        url.push_str(&domain::format::query_value(p));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_page_returns_to_the_page_and_says_when_a_session_ended() {
        assert_eq!(login_url(None, false), "/login");
        assert_eq!(login_url(None, true), "/login?habis=1");
        assert_eq!(login_url(Some("/pejabat"), false), "/login?kembali=%2Fpejabat");
        assert_eq!(login_url(Some("/pantau?kppn=019"), true), "/login?habis=1&kembali=%2Fpantau%3Fkppn%3D019");
        // only a path of this site: never away from it
        assert_eq!(login_url(Some("https://contoh.example/"), false), "/login");
        assert_eq!(login_url(Some("//contoh.example/"), false), "/login");
    }
}

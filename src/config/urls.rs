//! The URLs the configuration names (upstream, fleet, tracking): read with the parser the HTTP
//! client itself uses, and shown in a message without what could be a secret.

/// `https://…`, or `http://` to this machine's own loopback (the local reference upstream).
pub fn secure_or_loopback(url: &str) -> bool {
    check_url(url).is_ok()
}

/// A URL the terminal sends its token (and citizens' data) to, read by the same URL parser the
/// HTTP client uses, never by splitting the text: `https://` to a named host, or plain `http://`
/// only to this machine's loopback (127.0.0.0/8, ::1, `localhost`). A user name or password
/// before the host is refused: in `http://127.0.0.1:1@upstream.example` the host is
/// `upstream.example`, whatever the text before the `@` looks like. Err says what is wrong.
pub fn check_url(text: &str) -> Result<url::Url, &'static str> {
    let url = url::Url::parse(text).map_err(|_| "not a URL")?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a user name or password before the host (user@host) is refused");
    }
    let loopback = match url.host() {
        None => return Err("no host"),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err("plain http:// to a host other than this machine's loopback"),
        _ => Err("neither https:// nor http://"),
    }
}

/// A refused URL as a message may show it: without what stands before an `@` in its authority
/// (a user name or password there is a secret, whatever else it is).
pub(super) fn shown_url(text: &str) -> String {
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), text),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let shown = match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}(hidden)@{}", &rest[at + 1..]),
        None => text.to_string(),
    };
    format!("{shown:?}")
}

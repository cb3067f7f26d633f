//! The token sources a browser's WebSocket can use: a query parameter and a
//! `Sec-WebSocket-Protocol` entry (both opt-in; see [`TokenSource`](super::TokenSource)).

use http::HeaderMap;

use super::chars::checked;
use crate::error::InvalidRequestReason as Reason;

/// The value of parameter `name` in `query`, taken as it is. Absent or empty: `None`; given
/// twice with a value: ambiguous (400).
pub(super) fn in_query<'q>(name: &str, query: Option<&'q str>) -> Result<Option<&'q str>, Reason> {
    let Some(query) = query else { return Ok(None) };
    let mut found = None;
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != name || value.is_empty() {
            continue;
        }
        if found.is_some() {
            return Err(Reason::DuplicateHeader);
        }
        found = Some(value);
    }
    found.map(checked).transpose()
}

/// The entry `<prefix><token>` among the comma-separated `Sec-WebSocket-Protocol` values of
/// every field line; other entries are never decoded. Two such entries: ambiguous (400).
pub(super) fn in_protocol<'h>(
    prefix: &str,
    headers: &'h HeaderMap,
) -> Result<Option<&'h str>, Reason> {
    let mut found: Option<&'h [u8]> = None;
    for line in headers.get_all(http::header::SEC_WEBSOCKET_PROTOCOL) {
        for entry in line.as_bytes().split(|&b| b == b',') {
            let entry = entry.trim_ascii();
            let Some(token) = entry.strip_prefix(prefix.as_bytes()) else {
                continue;
            };
            if found.is_some() {
                return Err(Reason::DuplicateHeader);
            }
            found = Some(token);
        }
    }
    let Some(token) = found else { return Ok(None) };
    let token = std::str::from_utf8(token).map_err(|_| Reason::NotAscii)?;
    checked(token).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_parameter_once_and_as_it_is() {
        let q = |query| in_query("access_token", Some(query));
        assert_eq!(q("access_token=a.b.c"), Ok(Some("a.b.c")));
        assert_eq!(q("x=1&access_token=a.b.c&y"), Ok(Some("a.b.c")));
        assert_eq!(q("access_token=&x=1"), Ok(None));
        assert_eq!(q("access_tokens=a"), Ok(None));
        assert_eq!(
            q("access_token=a&access_token=b"),
            Err(Reason::DuplicateHeader)
        );
        assert_eq!(q("access_token=a%2Eb"), Err(Reason::BadCharacters));
        assert_eq!(in_query("access_token", None), Ok(None));
    }

    #[test]
    fn reads_the_prefixed_protocol_entry() {
        let headers = |lines: &[&str]| {
            let mut map = HeaderMap::new();
            for line in lines {
                map.append(http::header::SEC_WEBSOCKET_PROTOCOL, line.parse().unwrap());
            }
            map
        };
        let p = |lines: &[&str]| {
            in_protocol("access_token.", &headers(lines)).map(|t| t.map(str::to_owned))
        };
        assert_eq!(
            p(&["chat, access_token.a.b.c"]),
            Ok(Some("a.b.c".to_owned()))
        );
        assert_eq!(p(&["chat", " access_token.x "]), Ok(Some("x".to_owned())));
        assert_eq!(p(&["chat"]), Ok(None));
        assert_eq!(
            p(&["access_token.a", "access_token.b"]),
            Err(Reason::DuplicateHeader)
        );
        assert_eq!(p(&["access_token."]), Err(Reason::EmptyToken));
    }
}

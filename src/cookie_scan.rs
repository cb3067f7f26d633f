//! The `Cookie` request header, read the one way this crate reads it: across every field line
//! (HTTP/2 sends one per cookie), split at the bytes `;` and `=` only, so that other
//! applications' cookies are never decoded: bytes that are not UTF-8 in them, or values this
//! crate would refuse, cannot hide a credential or turn a request into a 400 (SECURITY.md 53).

use http::HeaderMap;

use crate::error::InvalidRequestReason;

/// The raw value of cookie `name`, without surrounding double quotes (RFC 6265 allows them).
/// An empty value (`name=`, `name=""`) counts as absent; the cookie sent twice with a value is
/// ambiguous: [`InvalidRequestReason::DuplicateHeader`] (400).
pub(crate) fn cookie_value<'h>(
    name: &str,
    headers: &'h HeaderMap,
) -> Result<Option<&'h [u8]>, InvalidRequestReason> {
    let mut found: Option<&'h [u8]> = None;
    for line in headers.get_all(http::header::COOKIE) {
        for pair in line.as_bytes().split(|&b| b == b';') {
            let Some((key, value)) = split_pair(pair) else {
                continue;
            };
            let value = unquote(value);
            if key != name.as_bytes() || value.is_empty() {
                continue;
            }
            if found.is_some() {
                return Err(InvalidRequestReason::DuplicateHeader);
            }
            found = Some(value);
        }
    }
    Ok(found)
}

/// Every non-empty value of cookie `name`, however many times it is sent (for cleaning up
/// at login; reading a credential goes through [`cookie_value`]).
pub(crate) fn cookie_values<'h>(name: &str, headers: &'h HeaderMap) -> Vec<&'h [u8]> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .flat_map(|line| line.as_bytes().split(|&b| b == b';'))
        .filter_map(split_pair)
        .filter(|(key, _)| *key == name.as_bytes())
        .map(|(_, value)| unquote(value))
        .filter(|value| !value.is_empty())
        .collect()
}

/// A `name=value` pair with the optional whitespace around both trimmed; `None` without `=`.
fn split_pair(pair: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = pair.iter().position(|&b| b == b'=')?;
    Some((trim(&pair[..at]), trim(&pair[at + 1..])))
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !matches!(b, b' ' | b'\t'));
    let end = bytes.iter().rposition(|b| !matches!(b, b' ' | b'\t'));
    match (start, end) {
        (Some(start), Some(end)) => &bytes[start..=end],
        _ => &[],
    }
}

fn unquote(value: &[u8]) -> &[u8] {
    match value {
        [b'"', inner @ .., b'"'] => inner,
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(lines: &[&[u8]]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(
                http::header::COOKIE,
                http::HeaderValue::from_bytes(line).unwrap(),
            );
        }
        map
    }

    #[test]
    fn finds_the_cookie_across_lines_and_beside_foreign_bytes() {
        let map = headers(&[b"other=\xff\xfe; session = \"abc\" ", b"theme=dark"]);
        assert_eq!(cookie_value("session", &map), Ok(Some(&b"abc"[..])));
        assert_eq!(cookie_value("theme", &map), Ok(Some(&b"dark"[..])));
        assert_eq!(cookie_value("missing", &map), Ok(None));
        let empty = headers(&[b"session=; session=\"\""]);
        assert_eq!(cookie_value("session", &empty), Ok(None));
    }

    #[test]
    fn the_cookie_twice_is_ambiguous() {
        let map = headers(&[b"session=a", b"session=b"]);
        assert_eq!(
            cookie_value("session", &map),
            Err(InvalidRequestReason::DuplicateHeader)
        );
    }
}

//! A lenient PEM reader: the first `-----BEGIN <label>-----` block in the text, whatever comes
//! before or after it, with the body's whitespace ignored wherever it is. Keys pasted from
//! environment variables (one line, other widths, indents, trailing blanks) read as they are;
//! the DER inside is then read strictly by `container.rs`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::container::Problem;
use crate::error::KeyProblem;

/// The label and DER bytes of the first PEM block in `text`.
pub(crate) fn decode(text: &[u8]) -> Result<(&str, Vec<u8>), Problem> {
    const NOT_PEM: Problem = KeyProblem::NotPem;
    let text = std::str::from_utf8(text).map_err(|_| NOT_PEM)?;
    let start = text.find("-----BEGIN ").ok_or(NOT_PEM)?;
    let rest = &text[start + 11..];
    let label_end = rest.find("-----").ok_or(NOT_PEM)?;
    let label = &rest[..label_end];
    let body = &rest[label_end + 5..];
    let end = body.find("-----END ").ok_or(NOT_PEM)?;
    let closing = &body[end + 9..];
    if !closing.starts_with(label) || !closing[label.len()..].starts_with("-----") {
        return Err(KeyProblem::PemEndMismatch);
    }
    let body = &body[..end];
    if body.contains(':') {
        return Err(KeyProblem::PemEncrypted);
    }
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = STANDARD
        .decode(compact)
        .map_err(|_| KeyProblem::PemNotBase64)?;
    Ok((label, der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks() {
        let text = b"junk\n-----BEGIN PUBLIC KEY-----\nMAMCAQE=\n-----END PUBLIC KEY-----\n";
        let (label, der) = decode(text).unwrap();
        assert_eq!(
            (label, der.as_slice()),
            ("PUBLIC KEY", &[0x30, 0x03, 0x02, 0x01, 0x01][..])
        );
        assert!(decode(b"-----BEGIN A-----\nMAMCAQE=\n-----END B-----").is_err());
        assert!(decode(b"-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\n-----END A-----").is_err());
        assert!(decode(b"-----BEGIN A-----\n!!!!\n-----END A-----").is_err());
        assert!(decode(b"MAMCAQE=").is_err());
    }

    #[test]
    fn lenient_layouts() {
        let one_line = "-----BEGIN A-----MAMCAQE=-----END A-----";
        let layouts = [
            one_line.to_owned(),
            format!("\u{feff}  {one_line}\n\n-----BEGIN B-----\nAA==\n-----END B-----\n"),
            "-----BEGIN A-----\r\n  MAMC \t\r\n\r\n AQE= \r\n-----END A-----".to_owned(),
        ];
        for text in layouts {
            let (label, der) = decode(text.as_bytes()).unwrap();
            assert_eq!(
                (label, der.as_slice()),
                ("A", &[0x30, 0x03, 0x02, 0x01, 0x01][..])
            );
        }
    }
}

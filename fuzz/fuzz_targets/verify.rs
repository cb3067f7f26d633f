//! `JwtAuth::verify` and `JwtAuth::verify_signature` on arbitrary bytes, against an HS256
//! configuration and one with several asymmetric keys selected by `kid` (ES256, RS256/PS256,
//! EdDSA; the verified-token cache is on there). Seeds: tokens signed by both (see
//! `fuzz/seeds/README.md`) and the Wycheproof JWS vectors.
//!
//! Checked: no panic; an accepted token has a non-empty `sub` and an `exp` that has not
//! passed (beyond the 60 s leeway), and its signature step accepts it too.

#![no_main]

use std::sync::OnceLock;

use axum_jwt_layer::JwtAuth;
use axum_jwt_layer_fuzz::{asymmetric_auth, hmac_auth, measured, now, timed};
use libfuzzer_sys::fuzz_target;

fn configurations() -> &'static [JwtAuth<String>; 2] {
    static AUTH: OnceLock<[JwtAuth<String>; 2]> = OnceLock::new();
    AUTH.get_or_init(|| [hmac_auth(), asymmetric_auth()])
}

fuzz_target!(|data: &[u8]| {
    let configurations = configurations();
    timed(data, |data| run(configurations, data));
});

fn run(configurations: &[JwtAuth<String>], data: &[u8]) {
    let token = String::from_utf8_lossy(data);
    for auth in configurations {
        if let Ok(verified) = measured(|| auth.verify(&token)) {
            assert!(!verified.sub.is_empty(), "sub is never empty");
            let exp = verified.exp.expect("exp is required");
            assert!(exp + 60 >= now(), "an expired token is refused");
            assert!(
                auth.verify_signature(&token).is_ok(),
                "a verified token passes the signature step"
            );
        }
        let _ = measured(|| auth.verify_signature(&token));
    }
}

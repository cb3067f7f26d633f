//! Key parsing through the public builder: PEM and DER (public and private, and a private key
//! paired with its public one), a JWK, a JWK Set, an HMAC secret; with an algorithm allow-list
//! from the input. Input layout (so seeds are plain files with a 3-byte prefix):
//!
//! - byte 0: the kind of key material (see `Kind`), modulo 8;
//! - bytes 1 and 2: the allowed algorithms, one bit each (`ALGORITHMS`; none set: the default);
//! - the rest: the material. For a pair, the private PEM, a NUL byte, the public PEM.
//!
//! Checked: no panic, and a configuration that builds with a key that can sign issues a token
//! that it then verifies (`sub` intact).

#![no_main]

use std::sync::OnceLock;

use axum_jwt_layer::keys::{Algorithm, Jwk, JwkSet, Key};
use axum_jwt_layer::{JwtAuth, JwtAuthBuilder};
use axum_jwt_layer_fuzz::{measured, resolve, timed};
use libfuzzer_sys::fuzz_target;

const ALGORITHMS: [Algorithm; 12] = [
    Algorithm::HS256,
    Algorithm::HS384,
    Algorithm::HS512,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

fn warm_up() {
    // The crypto backend check of the first build() is one-time work, not the input's.
    static WARM: OnceLock<()> = OnceLock::new();
    WARM.get_or_init(|| {
        let _ = JwtAuth::<String>::builder()
            .secret([1u8; 32])
            .resolver(resolve)
            .build();
    });
}

fuzz_target!(|data: &[u8]| {
    warm_up();
    timed(data, |data| measured(|| run(data)));
});

fn run(data: &[u8]) {
    let [kind, mask_low, mask_high, material @ ..] = data else {
        return;
    };
    let mask = u16::from_le_bytes([*mask_low, *mask_high]);
    let algorithms: Vec<Algorithm> = ALGORITHMS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, a)| *a)
        .collect();

    let mut builder: JwtAuthBuilder<String> = JwtAuth::<String>::builder().resolver(resolve);
    if !algorithms.is_empty() {
        builder = builder.algorithms(algorithms);
    }
    builder = match kind % 8 {
        0 => builder.key(Key::public_pem(material)),
        1 => builder.key(Key::private_pem(material)),
        2 => builder.key(Key::public_der(material)),
        3 => builder.key(Key::private_der(material)),
        4 => match serde_json::from_slice::<Jwk>(material) {
            Ok(jwk) => builder.key(Key::from_jwk(&jwk)),
            Err(_) => return,
        },
        5 => match serde_json::from_slice::<JwkSet>(material) {
            Ok(set) => builder.jwk_set(&set),
            Err(_) => return,
        },
        6 => {
            let at = material
                .iter()
                .position(|&b| b == 0)
                .unwrap_or(material.len());
            let (private, public) = material.split_at(at);
            let public = public.get(1..).unwrap_or_default();
            builder.key(Key::private_pem(private).with_public(Key::public_pem(public)))
        }
        _ => builder.secret(material),
    };
    if let Ok(auth) = builder.build() {
        if let Ok(jwt) = auth.create_token("fuzz").sign() {
            let verified = auth
                .verify(&jwt)
                .expect("a token signed by a configuration verifies with it");
            assert_eq!(verified.sub, "fuzz");
        }
    }
}
